"""Reads of the outbox, scoped to the person asking."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from notifications.models import Channel, Notification, Status


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
