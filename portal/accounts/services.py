"""Writes of accounts: a person registers, edits their profile, picks a language.

Every write is atomic. A CCCD number is unique in the database (a race between two registrations with the same
number ends in one account and :class:`DuplicateIdentity` for the other); a phone is kept unique among accounts by
these services under a transaction-scoped PostgreSQL advisory lock on the number (older rows — staff, demo — may
share one, and then it never logs anyone in: ``portal.accounts.backends``). ID numbers and phones are never logged.
"""

from __future__ import annotations

import hashlib
import logging

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User

logger = logging.getLogger(__name__)


class DuplicateIdentity(Exception):
    """The CCCD number or phone is already another account's. ``field`` names which (``id_number``/``phone``)."""

    messages = {
        "id_number": _("Số CCCD này đã có tài khoản."),
        "phone": _("Số điện thoại này đã có tài khoản."),
    }

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field
        self.message = self.messages[field]


def _lock_phone(phone: str) -> None:
    """Serialise registrations and edits that claim the same phone until the transaction ends (PostgreSQL; SQLite
    serialises every write anyway)."""
    if phone and connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.blake2b(f"phone:{phone}".encode(), digest_size=8).digest(), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _check_unique(*, id_number: str | None, phone: str, exclude: int | None = None) -> None:
    others = User.objects.exclude(pk=exclude) if exclude else User.objects.all()
    if id_number and others.filter(id_number=id_number).exists():
        raise DuplicateIdentity("id_number")
    if phone and others.filter(phone=phone).exists():
        raise DuplicateIdentity("phone")


def user_register(
    *,
    full_name: str,
    id_number: str,
    phone: str,
    password: str,
    email: str = "",
    language: str = "vi",
) -> User:
    """Create a citizen's account. The user name is the ID number (never asked). Inputs are already clean (the
    form normalises them: NFC name, digits only, phone ``0…``). Raises :class:`DuplicateIdentity`."""
    try:
        with transaction.atomic():
            _lock_phone(phone)
            _check_unique(id_number=id_number, phone=phone)
            user = User(
                username=id_number,
                full_name=full_name,
                id_number=id_number,
                phone=phone,
                email=email,
                language=language,
            )
            user.set_password(password)
            user.save()
    except IntegrityError as exc:  # the same CCCD (or user name) registered at the same moment
        raise DuplicateIdentity("id_number") from exc
    logger.info("account registered: user %s", user.pk)
    return user


PROFILE_FIELDS = ("full_name", "id_number", "phone", "email", "address", "commune", "language")


def user_update_profile(
    *,
    user: User,
    full_name: str,
    id_number: str | None,
    phone: str,
    email: str,
    address: str,
    commune_id: int | None,
    language: str,
) -> list[str]:
    """Save a person's own profile; return the names of the fields that changed. A new CCCD or phone is checked
    against the other accounts (:class:`DuplicateIdentity`). The user name of a citizen registered by CCCD follows
    the CCCD; other user names (staff, demo) stay."""
    try:
        with transaction.atomic():
            current = User.objects.select_for_update().get(pk=user.pk)
            if phone != current.phone:
                _lock_phone(phone)
            _check_unique(
                id_number=id_number if id_number != current.id_number else None,
                phone=phone if phone != current.phone else "",
                exclude=current.pk,
            )
            values = {
                "full_name": full_name,
                "id_number": id_number or None,
                "phone": phone,
                "email": email,
                "address": address,
                "commune_id": commune_id,
                "language": language,
            }
            changed = [name for name, value in values.items() if getattr(current, name) != value]
            follows_id = current.id_number and current.username == current.id_number
            if id_number and follows_id and id_number != current.id_number:
                values["username"] = id_number
                changed.append("username")
            for name, value in values.items():
                setattr(current, name, value)
            if changed:
                current.save(update_fields=changed)
    except IntegrityError as exc:
        raise DuplicateIdentity("id_number") from exc
    for name, value in values.items():
        setattr(user, name, value)
    if changed:
        logger.info("profile updated: user %s, fields %s", user.pk, ",".join(changed))
    return changed


def user_set_language(*, user: User, language: str) -> None:
    """Save the language a person chose (pages, e-mails, SMS and in-app notices follow it)."""
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


# --- Failed log-ins (django-axes' failure log; recorded by portal.common.authentication) -----------------------------


def access_failure_record(
    *, username: str, ip_address: str | None, user_agent: str, http_accept: str, path_info: str, locked_out: bool
) -> None:
    """One failed authentication in the admin's "Access failures": the identifier already masked, never a token."""
    from axes.models import AccessFailureLog

    AccessFailureLog.objects.create(
        username=username,
        ip_address=ip_address,
        user_agent=user_agent,
        http_accept=http_accept,
        path_info=path_info,
        locked_out=locked_out,
    )


def access_failures_purge(*, days: int) -> int:
    """Delete the failure log's rows older than ``days`` (``FAILED_LOGIN_LOG_DAYS``, nightly); how many went."""
    from datetime import timedelta

    from axes.models import AccessFailureLog
    from django.utils import timezone

    deleted, _rows = AccessFailureLog.objects.filter(attempt_time__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
