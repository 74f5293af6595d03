"""Portal-wide tasks. Thin: they take plain values and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "celery:heartbeat"

logger = logging.getLogger(__name__)


@shared_task(name="portal.tasks.heartbeat")
def heartbeat(label: str = "beat") -> str:
    """Record that the scheduler and a worker are alive: /readyz shows when it last ran (``workers``)."""
    stamp = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, {"at": stamp, "label": label}, timeout=None)
    return stamp


@shared_task(name="portal.tasks.echo")
def echo(payload: dict) -> dict:
    """Return the payload with the worker's host name: proves a round trip through the broker."""
    import socket

    logger.info("echo: round trip through the broker")
    return {"payload": payload, "worker": socket.gethostname()}


@shared_task(name="portal.tasks.purge_failed_logins")
def purge_failed_logins() -> int:
    """Delete the failed log-ins and refused tokens older than ``FAILED_LOGIN_LOG_DAYS`` (beat, nightly)."""
    from django.conf import settings

    from portal.accounts.services import access_failures_purge

    deleted = access_failures_purge(days=settings.FAILED_LOGIN_LOG_DAYS)
    logger.info("failed log-ins purged: %d rows", deleted)
    return deleted
