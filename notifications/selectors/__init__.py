"""Reads of the outbox, scoped to the person asking."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, IntegerField, Min, QuerySet, Value, When

from notifications.models import Channel, MessageTemplate, Notification, Status


def inbox_of(user) -> QuerySet[Notification]:
    """The in-app notices of ``user`` (never anyone else's), unread first, newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_id=user.pk, channel=Channel.INAPP, status=Status.SENT)
        .select_related("dossier")
        .annotate(unread=Case(When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()))
        .order_by("-unread", "-created_at", "-id")
    )


def oldest_pending() -> datetime | None:
    """When the oldest pending row was due to be tried (``/readyz``)."""
    return Notification.objects.filter(status=Status.PENDING).aggregate(oldest=Min("next_attempt_at"))["oldest"]


def pending_count() -> int:
    """Rows waiting to be sent (the metrics' outbox gauge; the partial index on pending rows answers it)."""
    return Notification.objects.filter(status=Status.PENDING).count()


def templates_of(keys) -> dict[tuple[str, str, str], tuple[str, str]]:
    """The admin's (subject, body) of each (kind, channel, language) of ``keys`` that has a row, in one query (a
    list renders its page with it instead of a query per row)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = MessageTemplate.objects.filter(
        edited=True,
        kind__in={key[0] for key in keys},
        channel__in={key[1] for key in keys},
        language__in={key[2] for key in keys},
    ).values_list("kind", "channel", "language", "subject", "body")
    return {(kind, channel, language): (subject, body) for kind, channel, language, subject, body in rows}


def notices_about(user, *, dossier_id: int) -> QuerySet[Notification]:
    """The in-app notices ``user`` received about one dossier (never anyone else's), newest first."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient_id=user.pk, dossier_id=dossier_id, channel=Channel.INAPP, status=Status.SENT
    ).order_by("-created_at", "-id")


def unread_count(user) -> int:
    """How many in-app notices ``user`` has not read: one COUNT on the inbox index."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(
        recipient_id=user.pk, channel=Channel.INAPP, status=Status.SENT, read_at__isnull=True
    ).count()
