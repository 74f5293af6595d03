"""Thin tasks over ``notifications.services``: they take keys, are safe to run twice, and acknowledge late (a worker
that dies mid-task leaves the message to another; the row lock and status make the second run harmless)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="notifications.deliver", acks_late=True, ignore_result=True)
def deliver(keys: list[str]) -> dict[str, int]:
    from notifications.services import deliver_keys

    return deliver_keys(keys)


@shared_task(name="notifications.redispatch", ignore_result=True)
def redispatch() -> int:
    """Beat, every minute: rows still pending after the grace period are queued again."""
    from notifications.services import redispatch_pending

    return redispatch_pending()
