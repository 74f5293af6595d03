"""Celery: a real worker process on the real Redis proves that tasks round-trip through the broker."""

import pytest
from django.conf import settings

from portal.celery import app
from portal.common.logging import redact
from portal.tasks import HEARTBEAT_CACHE_KEY, echo, heartbeat


@pytest.mark.worker
@pytest.mark.redis
def test_task_round_trips_through_redis_to_a_real_worker(celery_worker_process, celery_not_eager):
    payload = {"commune": "Phường Việt Trì", "n": 148}
    result = echo.apply_async(args=[payload], queue=celery_worker_process.queue)
    answer = result.get(timeout=30)
    assert answer["payload"] == payload
    # the task went through the broker to the worker process, which logged it — its id as the log shows it: a run of
    # 9 to 13 digits inside a random id looks like an ID number or a phone, and the log masks it
    shown = redact(result.id)
    assert shown in celery_worker_process.log()
    assert app.conf.broker_url.startswith("redis://")


@pytest.mark.worker
@pytest.mark.redis
def test_worker_side_effects_reach_the_shared_cache(celery_worker_process, celery_not_eager):
    from django.core.cache import cache

    cache.delete(HEARTBEAT_CACHE_KEY)
    stamp = heartbeat.apply_async(kwargs={"label": "test"}, queue=celery_worker_process.queue).get(timeout=30)
    assert cache.get(HEARTBEAT_CACHE_KEY) == {"at": stamp, "label": "test"}


def test_beat_schedule_is_declared_in_settings_and_names_registered_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule, "the beat schedule is declared once, in settings"
    assert app.conf.beat_schedule == schedule
    app.loader.import_default_modules()
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_tasks_run_eagerly_in_the_test_profile_by_default():
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert echo.delay({"x": 1}).get(timeout=5)["payload"] == {"x": 1}
