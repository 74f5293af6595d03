import pytest

from portal.celery import app

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.postgres
@pytest.mark.redis
def test_readyz_reports_every_dependency_by_name(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # check the real broker, not eager mode
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body["checks"]) == {"database", "migrations", "cache", "celery_broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["database"]["detail"] == "postgresql"
    assert body["checks"]["cache"]["detail"] == "ResilientRedisCache"  # portal/common/cache.py
    assert body["checks"]["celery_broker"]["detail"] == "reachable"


@pytest.mark.redis
def test_readyz_is_503_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.redis
def test_readyz_is_503_when_the_broker_is_down(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["celery_broker"]["ok"] is False
    assert "celery_broker" in body["checks"] and body["checks"]["database"]["ok"] is True


def test_readyz_is_503_when_migrations_are_missing(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("fake", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["ok"] is False


@pytest.mark.redis
def test_readyz_shows_the_last_heartbeat_without_counting_it(client, settings):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from portal.tasks import HEARTBEAT_CACHE_KEY, heartbeat

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(HEARTBEAT_CACHE_KEY)
    body = client.get("/readyz").json()
    assert body["workers"]["heartbeat"] is None and "no heartbeat" in body["workers"]["detail"]
    assert body["status"] == "ok"  # a web process is ready whatever the workers do
    stamp = heartbeat()  # what beat sends and a worker runs
    body = client.get("/readyz").json()
    assert body["workers"]["heartbeat"] == stamp and body["workers"]["fresh"] is True
    old = (timezone.now() - timedelta(minutes=10)).isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, {"at": old, "label": "beat"}, timeout=None)
    body = client.get("/readyz").json()
    assert body["workers"]["fresh"] is False and body["workers"]["age_seconds"] >= 600
    assert body["status"] == "ok"
    cache.delete(HEARTBEAT_CACHE_KEY)


@pytest.mark.redis
def test_readyz_reports_the_oldest_pending_notification(client):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import Notification

    body = client.get("/readyz").json()
    assert body["notifications"]["oldest_pending"] is None and body["notifications"]["oldest_pending_age_seconds"] == 0
    waiting_since = timezone.now() - timedelta(minutes=7)
    Notification.objects.create(
        kind="filed", channel="email", address="a@example.vn", dedupe_key="readyz-old", next_attempt_at=waiting_since
    )
    Notification.objects.create(
        kind="filed",
        channel="email",
        address="a@example.vn",
        dedupe_key="readyz-sent",
        status="sent",
        next_attempt_at=waiting_since - timedelta(hours=1),
    )
    body = client.get("/readyz").json()
    assert 415 <= body["notifications"]["oldest_pending_age_seconds"] <= 480  # the pending one, not the sent one
    assert body["status"] == "ok"  # informational


@pytest.mark.redis
def test_in_production_readyz_is_503_when_beat_has_not_run_for_ten_minutes(client, settings):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from portal.celery import BEAT_SEEN_CACHE_KEY

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(BEAT_SEEN_CACHE_KEY)
    body = client.get("/readyz").json()
    assert body["status"] == "ok" and body["notifications"]["beat"]["ok"] is False  # not production: reported only
    settings.IS_PRODUCTION = True
    response = client.get("/readyz")
    assert response.status_code == 503 and "beat has not run" in response.json()["notifications"]["beat"]["detail"]
    cache.set(BEAT_SEEN_CACHE_KEY, (timezone.now() - timedelta(minutes=11)).isoformat(), timeout=None)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["notifications"]["beat"]["age_seconds"] >= 660
    cache.set(BEAT_SEEN_CACHE_KEY, (timezone.now() - timedelta(minutes=2)).isoformat(), timeout=None)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["notifications"]["beat"]["ok"] is True
    cache.delete(BEAT_SEEN_CACHE_KEY)


@pytest.mark.redis
def test_a_real_beat_process_records_that_it_runs(settings, tmp_path):
    """``celery beat`` started for real: /readyz's stamp appears (``portal.celery``: beat_init, then each publish)."""
    import os
    import subprocess
    import sys
    import time

    from django.core.cache import cache

    from conftest import ROOT, postgres_url_of_tests, redis_url
    from portal.celery import BEAT_SEEN_CACHE_KEY

    cache.delete(BEAT_SEEN_CACHE_KEY)
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": postgres_url_of_tests() if connection.vendor == "postgresql" else "",
        "REDIS_URL": redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": "beat-test-nobody-listens",
    }
    log = tmp_path / "beat.log"
    with log.open("w") as out:
        beat = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(tmp_path / "schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and cache.get(BEAT_SEEN_CACHE_KEY) is None:
                time.sleep(0.2)
            assert cache.get(BEAT_SEEN_CACHE_KEY) is not None, log.read_text()
        finally:
            beat.terminate()
            beat.wait(timeout=15)
            cache.delete(BEAT_SEEN_CACHE_KEY)
