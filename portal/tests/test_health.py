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
    assert body["checks"]["cache"]["detail"] == "RedisCache"
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
