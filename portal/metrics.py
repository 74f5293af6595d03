"""Prometheus metrics: ``GET /metrics``.

* **Requests, latencies, database queries**: django-prometheus — its two middlewares (``django_http_*``: requests by
  view, method and status, latency histograms) and its PostgreSQL backend (``django_db_*``: queries, errors,
  connections), chosen in settings when ``METRICS`` is on.
* **Celery task outcomes**: ``portal_celery_tasks_total{task, outcome}`` and ``portal_celery_task_seconds{task}``,
  counted by the signal handlers below in the worker processes.
* **At scrape time** (``PortalCollector``, each value computed at most every ``METRICS_COLLECT_SECONDS``): the
  length of each Celery queue in Redis, the outbox's pending rows and the age of its oldest one, and the dossiers
  overdue now.

Several processes: gunicorn's workers and the Celery workers of one machine write their counters to the directory
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode; emptied at start-up, ``deploy/up``), and
``/metrics`` answers for all of them. A worker machine without a web process serves its own with
``METRICS_PORT`` (the worker's main process listens there).

Who may read it: only a request carrying ``Authorization: Bearer <METRICS_TOKEN>`` (no token set: nobody); nginx
also refuses ``/metrics`` from outside the machine (``deploy/nginx.conf``).
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time

from celery.signals import task_failure, task_postrun, task_prerun, task_retry, task_revoked, worker_init
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

TASKS = Counter("portal_celery_tasks", "Celery tasks finished, by outcome", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "portal_celery_task_seconds",
    "Celery task run time",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, float("inf")),
)

# --- Celery task outcomes -----------------------------------------------------------------------------------------

_started: dict[str, float] = {}


def _name(task) -> str:
    return getattr(task, "name", None) or "unknown"


@task_prerun.connect
def _task_started(task_id=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    began = _started.pop(task_id, None)
    if began is not None:
        TASK_SECONDS.labels(_name(task)).observe(time.monotonic() - began)
    if state == "SUCCESS":
        TASKS.labels(_name(task), "success").inc()


@task_failure.connect
def _task_failed(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "failure").inc()


@task_retry.connect
def _task_retried(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "retry").inc()


@task_revoked.connect
def _task_revoked(sender=None, **kwargs) -> None:
    TASKS.labels(_name(sender), "revoked").inc()


@worker_init.connect
def _worker_exporter(**kwargs) -> None:
    """A worker machine with no web process: its own ``/metrics`` on ``METRICS_PORT`` (main process only)."""
    port = int(os.environ.get("METRICS_PORT") or 0)
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=os.environ.get("METRICS_ADDR", "127.0.0.1"), registry=registry())


# --- Values read at scrape time -----------------------------------------------------------------------------------


class PortalCollector:
    """Gauges computed when Prometheus scrapes, cached for ``METRICS_COLLECT_SECONDS`` per process; a source that
    is down is left out of the answer (and logged), never an error of ``/metrics``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: list = []
        self._at = 0.0

    def collect(self):
        from django.conf import settings

        with self._lock:
            if time.monotonic() - self._at >= settings.METRICS_COLLECT_SECONDS:
                self._cached = list(self._measure())
                self._at = time.monotonic()
            return list(self._cached)

    def _measure(self):
        for measure in (self._queues, self._outbox, self._overdue):
            try:
                yield from measure()
            except Exception as exc:
                logger.warning("metrics: %s unavailable (%s)", measure.__name__.strip("_"), type(exc).__name__)

    @staticmethod
    def _queues():
        from django.conf import settings

        gauge = GaugeMetricFamily("portal_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"])
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            import redis

            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
            try:
                for queue in sorted({settings.CELERY_TASK_DEFAULT_QUEUE, settings.NOTIFY_QUEUE} - {""}):
                    gauge.add_metric([queue], client.llen(queue))
            finally:
                client.close()
        yield gauge

    @staticmethod
    def _outbox():
        from django.utils import timezone

        from notifications.selectors import oldest_pending, pending_count

        oldest = oldest_pending()
        yield GaugeMetricFamily("portal_outbox_pending", "Notifications waiting to be sent", value=pending_count())
        yield GaugeMetricFamily(
            "portal_outbox_oldest_pending_age_seconds",
            "Age of the oldest notification waiting to be sent (0: none)",
            value=max((timezone.now() - oldest).total_seconds(), 0) if oldest else 0,
        )

    @staticmethod
    def _overdue():
        from dossiers.selectors.cohort import overdue_count

        yield GaugeMetricFamily(
            "portal_dossiers_overdue", "Dossiers whose clock runs past their due moment", value=overdue_count()
        )


_collector = PortalCollector()


def registry() -> CollectorRegistry:
    """Every process's counters (multiprocess mode) or this process's, and the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        chosen = CollectorRegistry()
        multiprocess.MultiProcessCollector(chosen)
    else:
        chosen = CollectorRegistry()
        chosen.register(_Default())
    chosen.register(_collector)
    return chosen


class _Default:
    """This process's own metrics (single-process mode), without registering the scrape-time gauges globally."""

    def collect(self):
        return REGISTRY.collect()


def view(request):
    from django.conf import settings
    from django.http import HttpResponse

    from portal.common.errors import json_error

    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return json_error(request, "forbidden", "metrics: bearer token required (METRICS_TOKEN)", 403)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
