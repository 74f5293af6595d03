"""Failed log-ins are limited per user name and client address (django-axes, counted in Redis); the 429 names log-in
as what was limited, in Vietnamese (English on request), with Retry-After; a success resets the count."""

from __future__ import annotations

import base64
import uuid

import pytest
from rest_framework.test import APIClient

from dossiers.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

PASSWORD = "matkhau-an-toan-123"


@pytest.fixture
def address() -> str:
    return f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.fixture
def limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def _admin_login(client, username: str, password: str, address: str, **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def test_admin_log_in_is_locked_after_the_limit(client, address, limit):
    user = UserFactory(username=f"canbo-{uuid.uuid4().hex[:6]}", is_staff=True)
    for _attempt in range(limit - 1):
        assert _admin_login(client, user.username, "sai", address).status_code == 200  # the form again, with an error
    locked = _admin_login(client, user.username, "sai", address)
    assert locked.status_code == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút." in locked.content.decode()
    assert locked["Retry-After"] == "900"
    # the right password does not open it during the lock …
    assert _admin_login(client, user.username, PASSWORD, address).status_code == 429
    # … another address is not affected, and a success there resets nothing here
    other = f"{address}1"
    assert _admin_login(client, user.username, PASSWORD, other).status_code == 302


def test_a_success_resets_the_count(client, address, limit):
    user = UserFactory(username=f"canbo-{uuid.uuid4().hex[:6]}", is_staff=True)
    for _attempt in range(limit - 1):
        _admin_login(client, user.username, "sai", address)
    assert _admin_login(client, user.username, PASSWORD, address).status_code == 302
    client.logout()
    for _attempt in range(limit - 1):
        assert _admin_login(client, user.username, "sai", address).status_code == 200


def test_api_password_log_in_is_limited_too_and_names_it(address, limit):
    """HTTP Basic (development only) checks a password through the same backends: JSON 429, ``limited: login``."""
    user = UserFactory(username=f"congdan-{uuid.uuid4().hex[:6]}")
    api = APIClient(REMOTE_ADDR=address)
    wrong = base64.b64encode(f"{user.username}:sai".encode()).decode()
    for _attempt in range(limit - 1):
        assert api.get("/api/dossiers/", HTTP_AUTHORIZATION=f"Basic {wrong}").status_code == 401
    locked = api.get("/api/dossiers/", HTTP_AUTHORIZATION=f"Basic {wrong}", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked.json() == {
        "code": "throttled",
        "limited": "login",
        "detail": "Too many failed log-ins; please try again in 15 minutes.",
    }
    assert locked["Retry-After"] == "900"


def test_a_password_check_without_a_request_is_not_refused(client, limit):
    """The test client's log-in (and a management command) authenticates without a request: still allowed."""
    from django.contrib.auth import authenticate

    user = UserFactory(username=f"canbo-{uuid.uuid4().hex[:6]}", is_staff=True)
    assert authenticate(username=user.username, password=PASSWORD) == user
    assert client.login(username=user.username, password=PASSWORD)
