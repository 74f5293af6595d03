"""What production operations rely on: the request id from the proxy to the Celery task, JSON log lines without
personal data, the Prometheus metrics, a clean 503 while the database is away, a cache that survives Redis going
away. The whole topology under faults is bench/drill.py's job."""

from __future__ import annotations

import json
import logging
import time
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess

from conftest import start_celery_worker
from portal.common import requestid
from portal.common.cache import ResilientRedisCache
from portal.common.logging import JsonLines, RedactPersonalData
from portal.tasks import echo

pytestmark = pytest.mark.django_db

CCCD = "001099012345"


# --- The request id -----------------------------------------------------------------------------------------------


def test_the_proxy_s_request_id_is_kept_and_returned(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="3f2a9c1e8b7d4a60")
    assert response["X-Request-ID"] == "3f2a9c1e8b7d4a60"


@pytest.mark.parametrize("given", [None, "short", "x" * 65, "bad id with spaces", "id\nforged-log-line"])
def test_a_missing_or_unsafe_request_id_is_replaced(client, given):
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    answered = client.get("/healthz", **headers)["X-Request-ID"]
    assert answered != given and len(answered) == 32 and answered.isalnum()


class _JsonCapture(logging.Handler):
    """A handler set up as settings.LOGGING sets up the console's in production."""

    def __init__(self):
        super().__init__()
        self.lines: list[dict] = []
        self.addFilter(requestid.RequestIdFilter())
        self.addFilter(RedactPersonalData())
        self.setFormatter(JsonLines())

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def test_log_lines_written_during_a_request_carry_its_id(client):
    capture = _JsonCapture()
    logger = logging.getLogger("django.request")
    logger.addHandler(capture)
    try:
        client.get(f"/api/khong-co/{CCCD}/", HTTP_X_REQUEST_ID="req-0123456789")
    finally:
        logger.removeHandler(capture)
    assert capture.lines, "Django logs the 404"
    assert {line["request_id"] for line in capture.lines} == {"req-0123456789"}
    assert all(CCCD not in json.dumps(line) and "request" not in line for line in capture.lines)


def test_a_task_queued_during_a_request_runs_with_the_request_s_id(celery_not_eager, tmp_path):
    """A real worker (Redis broker), writing JSON lines as in production: the task's log line has the id of the
    request that queued it, and its outcome is counted for Prometheus in the shared metrics directory."""
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    queue = f"test-requestid-{time.monotonic_ns()}"
    worker = start_celery_worker(
        queue,
        tmp_path / "worker.log",
        extra_env={"LOG_FORMAT": "json", "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )
    try:
        token = requestid.current.set("nginx-4f7c2a9d0e")
        try:
            echo.apply_async(args=[{"n": 1}], queue=queue).get(timeout=30)
        finally:
            requestid.current.reset(token)
        echo.apply_async(args=[{"n": 2}], queue=queue).get(timeout=30)  # queued outside any request
    finally:
        worker.stop()
    lines = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
    echoes = [line for line in lines if line["message"] == "echo: round trip through the broker"]
    assert len(echoes) == 2
    assert echoes[0]["request_id"] == "nginx-4f7c2a9d0e"
    assert echoes[1]["request_id"].startswith("task:")  # no request: the task's own id
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry, path=str(metrics_dir))
    exposed = generate_latest(registry).decode()
    assert 'portal_celery_tasks_total{outcome="success",task="portal.tasks.echo"} 2.0' in exposed
    assert 'portal_celery_task_seconds_count{task="portal.tasks.echo"} 2.0' in exposed


# --- JSON log lines -----------------------------------------------------------------------------------------------


def _formatted(record: logging.LogRecord) -> dict:
    RedactPersonalData().filter(record)
    requestid.RequestIdFilter().filter(record)
    return json.loads(JsonLines().format(record))


def test_a_json_line_has_the_fields_and_never_the_request_or_an_id_number():
    token = requestid.current.set("abcdef123456")
    try:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Not Found: /api/lookup/?id_number=%s", (CCCD,), None
        )
        record.request = mock.Mock(__str__=lambda self: f"<WSGIRequest GET /api/lookup/?id_number={CCCD}>")
        record.status_code = 404
        line = _formatted(record)
    finally:
        requestid.current.reset(token)
    assert line["level"] == "WARNING" and line["logger"] == "django.request" and line["status_code"] == 404
    assert line["request_id"] == "abcdef123456"
    assert "request" not in line
    assert CCCD not in json.dumps(line, ensure_ascii=False)
    assert "[đã ẩn]" in line["message"]


def test_a_json_line_keeps_the_masked_traceback():
    try:
        int(f"{CCCD}x")
    except ValueError:
        import sys

        record = logging.LogRecord("portal", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = _formatted(record)
    assert "Traceback" in line["exc_info"] and CCCD not in line["exc_info"]


# --- Metrics -------------------------------------------------------------------------------------------------------


def test_metrics_need_the_bearer_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403


@pytest.mark.postgres
@pytest.mark.redis
def test_metrics_count_requests_queries_outbox_and_overdue_dossiers(client, settings):
    from portal.metrics import _collector

    settings.METRICS_TOKEN = "s3cret-token"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the queue length is read from the broker
    _collector._at = float("-inf")  # no cached gauges from another test
    client.get("/api/communes/?page_size=1")
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "django_http_requests_total_by_method_total" in text
    assert 'django_db_execute_total{alias="default",vendor="postgresql"}' in text
    for gauge in (
        "portal_outbox_pending",
        "portal_outbox_oldest_pending_age_seconds",
        "portal_dossiers_overdue",
        'portal_celery_queue_length{queue="portal"}',
    ):
        assert gauge in text, gauge


# --- The database away: a clean 503 -------------------------------------------------------------------------------


def _database_down():
    return mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused"),
    )


def test_the_api_answers_503_json_with_retry_after_while_the_database_is_away():
    client = Client(raise_request_exception=False)
    with _database_down():
        response = client.get("/api/procedures/?q=khai+sinh")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "unavailable" and "thử lại" in body["detail"]


def test_a_page_answers_a_503_page_while_the_database_is_away():
    client = Client(raise_request_exception=False)
    with _database_down():
        response = client.get("/thu-tuc/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in html and "Không có dữ liệu nào bị mất" in html


def test_a_fault_of_ours_stays_a_500():
    client = Client(raise_request_exception=False)
    with mock.patch("procedures.api.views.ProcedureListView.list", side_effect=ZeroDivisionError):
        response = client.get("/api/procedures/")
    assert response.status_code == 500 and response.json()["code"] == "server_error"


# --- Redis away: the cache misses, nothing fails -------------------------------------------------------------------


def test_the_cache_carries_on_without_redis(caplog):
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("k", "default") == "default"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.incr("k") == 1
    assert cache.delete("k") is False
    assert any("cache unavailable" in record.getMessage() for record in caplog.records)


@pytest.mark.redis
def test_the_cache_works_when_redis_is_there():
    from django.conf import settings

    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "resilient-test"})
    cache.set("k", {"a": 1}, 10)
    assert cache.get("k") == {"a": 1}
    cache.delete("k")
