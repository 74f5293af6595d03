"""Delivery channels, each a pluggable backend chosen in settings.

* e-mail: Django's own e-mail backends (``EMAIL_BACKEND``: SMTP in production, console in development);
* SMS: ``SMS_BACKEND`` — :class:`~notifications.channels.sms.HttpGatewayBackend` (a generic HTTP JSON gateway),
  :class:`~notifications.channels.sms.ConsoleBackend`, :class:`~notifications.channels.sms.FileBackend`, or empty
  (no SMS is written at all);
* in-app: nothing to deliver — the row is the message.

A backend raises :class:`TransientError` for what a later try may fix (a timeout, a 5xx, a refused connection) and
:class:`PermanentError` for what it never will (a 4xx, a refused recipient); the delivery records either without
personal data in the logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    """Try again later (with back-off)."""


class PermanentError(DeliveryError):
    """Give up now: trying again cannot succeed."""


@dataclass
class Outgoing:
    key: str  # the row's dedupe key: the message's identity at the receiving end (Message-ID, Idempotency-Key)
    to: str
    subject: str
    body: str
    language: str = "vi"
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def sms_backend_path() -> str:
    return (getattr(settings, "SMS_BACKEND", "") or "").strip()


def sms_enabled() -> bool:
    return bool(sms_backend_path())


def sms_backend():
    path = sms_backend_path()
    if not path:
        raise PermanentError("SMS is not configured (SMS_BACKEND is empty)")
    return import_string(path)()
