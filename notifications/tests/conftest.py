"""Fixtures of the notification tests: two people, each with their own inbox."""

from __future__ import annotations

import pytest

from portal.accounts.models import User


@pytest.fixture
def alice():
    return User.objects.create_user(username="alice", full_name="Nguyễn Thị Hoa")


@pytest.fixture
def bob():
    return User.objects.create_user(username="bob", language="en")
