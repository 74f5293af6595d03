"""Writes of accounts."""

from __future__ import annotations

from portal.accounts.models import User


def user_set_language(*, user: User, language: str) -> None:
    """Save the language a person chose (pages, e-mails, SMS and in-app notices follow it)."""
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
