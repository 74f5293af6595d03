"""The Celery application: configured from Django settings (``CELERY_*``), tasks autodiscovered in every app."""

import logging
import os

from celery import Celery
from celery.signals import beat_init, before_task_publish, setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# the request id travels into the tasks a request queues; task outcomes are counted for Prometheus
import portal.common.requestid  # noqa: E402  (signal handlers)
import portal.metrics  # noqa: E402, F401  (signal handlers)


@setup_logging.connect
def use_portal_logging(**kwargs) -> None:
    """Workers and beat log through ``settings.LOGGING`` — with its filter that masks ID numbers and phones — instead
    of the handlers Celery would install on the root logger."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


#: Where beat records that it is alive: the moment it last sent a task (``/readyz`` reads it; 503 in production when
#: it is more than ``portal.health.BEAT_FRESH_SECONDS`` old).
BEAT_SEEN_CACHE_KEY = "celery:beat:last-publish"
_in_beat = False


@beat_init.connect
def _beat_started(**kwargs) -> None:
    global _in_beat
    _in_beat = True
    _beat_seen()


@before_task_publish.connect
def _beat_publishes(**kwargs) -> None:
    if _in_beat:
        _beat_seen()


def _beat_seen() -> None:
    from django.core.cache import cache
    from django.utils import timezone

    try:
        cache.set(BEAT_SEEN_CACHE_KEY, timezone.now().isoformat(), timeout=None)
    except Exception:  # the cache is Redis, like the broker: /readyz reports it down anyway
        logging.getLogger(__name__).debug("could not record that beat ran", exc_info=True)
