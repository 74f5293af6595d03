"""/healthz (the process answers) and /readyz (every dependency, by name; 503 when any is down).

/readyz also shows when the Celery heartbeat (``portal.tasks.heartbeat``, sent by beat every minute and run by a
worker) was last seen, under ``workers``: for the operator, not counted in the status — a web process can serve
while the workers are being restarted. Under ``notifications``: the age of the oldest outbox row still waiting to be
sent, and whether beat (which runs the deadline sweep) has sent anything in the last ten minutes — in production a
silent beat makes /readyz answer 503: nobody would be reminded of anything."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connections[DEFAULT_DB_ALIAS].vendor


def _check_migrations() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    return "all applied"


def _check_cache() -> str:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "ok":
        raise RuntimeError("cache did not return the value written")
    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager mode (tasks run in-process, no broker)"
    from portal.celery import app

    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)
    return "reachable"


#: A heartbeat older than this (beat sends one a minute) means beat or every worker has stopped.
HEARTBEAT_FRESH_SECONDS = 180


def _workers() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"heartbeat": None, "detail": "eager mode (tasks run in-process, no worker or scheduler)"}
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from portal.tasks import HEARTBEAT_CACHE_KEY

    try:
        stamp = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception as exc:  # the cache check above reports the cache itself
        return {"heartbeat": None, "detail": f"{type(exc).__name__}: {exc}"}
    at = parse_datetime(stamp["at"]) if stamp else None
    if at is None:
        return {"heartbeat": None, "detail": "no heartbeat seen yet: is celery beat running, and a worker?"}
    age = (timezone.now() - at).total_seconds()
    return {
        "heartbeat": stamp["at"],
        "age_seconds": round(age),
        "fresh": age <= HEARTBEAT_FRESH_SECONDS,
        "detail": "beat and a worker are running" if age <= HEARTBEAT_FRESH_SECONDS else "heartbeat is stale",
    }


#: Beat sends a heartbeat every minute: silent this long, it is not running (and no deadline is being watched).
BEAT_FRESH_SECONDS = 600


def _beat() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "last_seen": None, "detail": "eager mode (no scheduler: run manage.py sweep_deadlines)"}
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from portal.celery import BEAT_SEEN_CACHE_KEY

    stamp = cache.get(BEAT_SEEN_CACHE_KEY)
    at = parse_datetime(stamp) if stamp else None
    if at is None:
        return {"ok": False, "last_seen": None, "detail": "beat has not run: start celery beat (make beat)"}
    age = (timezone.now() - at).total_seconds()
    fresh = age <= BEAT_FRESH_SECONDS
    return {
        "ok": fresh,
        "last_seen": stamp,
        "age_seconds": round(age),
        "detail": "beat is running" if fresh else f"beat silent for {round(age)} s",
    }


def _outbox() -> dict:
    from django.utils import timezone

    from notifications.selectors import oldest_pending

    oldest = oldest_pending()
    return {
        "oldest_pending": oldest.isoformat() if oldest else None,
        "oldest_pending_age_seconds": max(round((timezone.now() - oldest).total_seconds()), 0) if oldest else 0,
    }


CHECKS = {
    "database": _check_database,
    "migrations": _check_migrations,
    "cache": _check_cache,
    "celery_broker": _check_broker,
}


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    results = {}
    ok = True
    notifications: dict = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"ok": True, "detail": detail}
        except Exception as exc:  # every failure is reported by name, never raised
            ok = False
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    try:
        notifications = {**_outbox(), "beat": _beat()}
    except Exception as exc:  # the database or the cache is down: reported above
        notifications = {"detail": f"{type(exc).__name__}: {exc}"}
    if settings.IS_PRODUCTION and not notifications.get("beat", {}).get("ok", False):
        ok = False
    return JsonResponse(
        {
            "status": "ok" if ok else "unavailable",
            "checks": results,
            "workers": _workers(),
            "notifications": notifications,
        },
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
