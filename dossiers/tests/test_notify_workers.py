"""Notifications delivered by real Celery worker processes on real Redis and PostgreSQL (issue 10, points 11–14).

Every test here commits (``transactional_world``): the workers are other processes reading the test database. Their
e-mail goes to ``notifications.tests.mailsink.FilePerMessageBackend`` — one file per message — so that deliveries can
be counted per Message-ID across processes (each outbox row's Message-ID is derived from its dedupe key).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import free_port, start_celery_worker
from dossiers import services
from dossiers.tests.factories import APPLICANT, file_online, filing_form
from dossiers.tests.slip_cases import pdf_text
from notifications.channels.email import message_id
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import NewNotification, notifications_write, publish
from notifications.tests.mailsink import read_sink, sending_markers

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

SINK_BACKEND = "notifications.tests.mailsink.FilePerMessageBackend"


@pytest.fixture
def sink(tmp_path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def workers(artifacts_dir, tmp_path, settings, celery_not_eager):
    """Start workers on a queue of this test (deliveries are routed to it: ``NOTIFY_QUEUE``); stopped at the end,
    their logs kept as artefacts."""
    from notifications import services as delivery

    queue = f"notify-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    settings.NOTIFY_QUEUE = queue
    delivery._broker_down_until = 0.0  # no earlier test's broker outage holds this one's publishing back
    started = []

    def start(*, extra_env: dict | None = None, name: str | None = None):
        index = len(started) + 1
        log_path = tmp_path / f"worker-{index}.log"
        worker = start_celery_worker(
            queue,
            log_path,
            extra_env={"NOTIFY_QUEUE": queue, "NOTIFY_REDISPATCH_GRACE_SECONDS": "0", **(extra_env or {})},
            name=f"{name or 'w'}{index}-{queue}",
        )
        started.append(worker)
        return worker

    start.queue = queue
    try:
        yield start
    finally:
        delivery._broker_down_until = 0.0
        for worker in started:
            worker.stop()
            shutil.copy(worker.log_path, artifacts_dir / f"celery-{worker.process.args[-2].split('@')[0]}.log")


def wait_for(condition, *, timeout: float = 90, what: str = "the condition", logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    detail = "\n".join(worker.log()[-4000:] for worker in logs)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{detail}")


def mail_env(sink: Path, **extra) -> dict:
    return {"EMAIL_BACKEND": SINK_BACKEND, "EMAIL_FILE_PATH": str(sink), **extra}


def pending_email_rows() -> int:
    return Notification.objects.filter(channel=Channel.EMAIL, status=Status.PENDING).count()


def delivered_once(sink: Path, rows) -> dict[str, int]:
    """Message-ID → how many times the sink got it; every row's id is there exactly once."""
    counts: dict[str, int] = {}
    for message in read_sink(sink):
        counts[message["Message-ID"]] = counts.get(message["Message-ID"], 0) + 1
    expected = {message_id(row.dedupe_key) for row in rows}
    assert set(counts) == expected, f"missing {expected - set(counts)}, unexpected {set(counts) - expected}"
    assert all(count == 1 for count in counts.values()), {key: n for key, n in counts.items() if n > 1}
    return counts


# --- 11. A step's e-mail, with the receipt, delivered by a real worker ------------------------------------------


def test_a_reception_e_mails_the_receipt_through_a_real_worker(transactional_world, workers, sink):
    world = transactional_world
    worker = workers(extra_env=mail_env(sink))
    dossier = file_online(world.citizen, world.centre)  # committed: the "filed" notice goes out too
    dossier = services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)

    rows = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL)
    wait_for(lambda: rows.filter(status=Status.SENT).count() == 2, what="two e-mails sent", logs=[worker])
    received = rows.get(kind=Kind.RECEIVED)
    messages = {message["Message-ID"]: message for message in read_sink(sink)}
    mail = messages[message_id(received.dedupe_key)]
    assert mail["To"] == APPLICANT["email"]
    assert mail["Subject"].strip() == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    due = timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y")
    assert f"Thời gian hẹn trả kết quả: {due}." in body and "Thủ tục đăng ký khai sinh" in body
    assert f"/tra-cuu/?code={dossier.code}" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert dossier.code in pdf_text(attachment.get_content())
    # the worker, not this process, sent it; each row once
    assert f"notification {received.pk} (received, email) sent" in worker.log()
    delivered_once(sink, rows)
    assert (received.status, received.attempts) == (Status.SENT, 1)


# --- 12. Two sweeps at the same moment, by two real workers -----------------------------------------------------


def _overdue_dossiers(world, count: int):
    """``count`` dossiers received three weeks ago (3 working days each): overdue and escalated now."""
    received_at = timezone.localtime() - timedelta(days=21)
    received_at = received_at.replace(hour=9, minute=0, second=0, microsecond=0)
    while received_at.weekday() >= 5:
        received_at -= timedelta(days=1)
    ids = []
    for _ in range(count):
        dossier = file_online(world.citizen, world.centre, at=received_at, notify=False, applicant={"email": ""})
        ids.append(
            services.dossier_receive(dossier_id=dossier.pk, actor=world.reception, at=received_at, notify=False).pk
        )
    return ids


def test_two_sweeps_at_once_on_two_workers_write_and_send_each_reminder_once(transactional_world, workers, sink):
    world = transactional_world
    for user, address in (
        (world.leader, "leader@example.vn"),
        (world.reception, "reception@example.vn"),
        (world.province, "province@example.vn"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    ids = _overdue_dossiers(world, 24)
    env = mail_env(sink, SWEEP_BATCH_SIZE="2")
    first, second = workers(extra_env=env, name="a"), workers(extra_env=env, name="b")
    from dossiers.tasks import sweep_deadlines

    for _ in range(2):  # the same moment, one for each worker (prefetch 1, solo pool)
        sweep_deadlines.apply_async(queue=workers.queue)

    marked = lambda: not Dossier_lagging(ids)  # noqa: E731
    wait_for(marked, what="every dossier swept", logs=[first, second])
    expected_rows = 24 * (
        2 * 2  # overdue: leader (in-app + e-mail) and reception (in-app + e-mail); no handler yet
        + 2  # escalation: province office (in-app + e-mail)
        + 2 * 2  # not transferred: reception and leader (in-app + e-mail)
    )
    wait_for(
        lambda: Notification.objects.count() == expected_rows and pending_email_rows() == 0,
        what=f"{expected_rows} rows, every e-mail sent",
        logs=[first, second],
    )
    for worker in (first, second):  # both sweeps ran, at the same time
        assert "Task dossiers.sweep_deadlines" in worker.log() and "succeeded" in worker.log()
    rows = list(Notification.objects.all())
    identities = {(row.dossier_id, row.kind, row.recipient_id, row.channel) for row in rows}
    assert len(identities) == len(rows) == expected_rows  # each reminder exists once
    assert {row.kind for row in rows} == {Kind.OVERDUE, Kind.ESCALATION, Kind.NOT_TRANSFERRED}
    delivered_once(sink, [row for row in rows if row.channel == Channel.EMAIL])


def Dossier_lagging(ids) -> bool:
    from django.db.models import Q

    from dossiers.models import Dossier

    unmarked = Q(remind_escalated_for__isnull=True) | Q(remind_transfer_at__isnull=True)
    return Dossier.objects.filter(pk__in=ids).filter(unmarked).exists()


# --- 13. A worker killed with SIGKILL in the middle of a batch -------------------------------------------------


def _pending_rows(count: int) -> list[Notification]:
    items = [
        NewNotification(
            kind=Kind.FILED,
            channel=Channel.EMAIL,
            dedupe_key=f"test-kill:{uuid.uuid4().hex}:{n}",
            address=f"nguoi-nop-{n}@example.vn",
            context={"reference": f"TN-TEST{n:04d}", "procedure": "Đăng ký khai sinh", "centre": "Trung tâm"},
        )
        for n in range(count)
    ]
    with transaction.atomic():
        notifications_write(items, publish=False)
    return list(Notification.objects.filter(dedupe_key__in=[item.dedupe_key for item in items]))


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(transactional_world, workers, sink, settings):
    rows = _pending_rows(20)
    doomed = workers(extra_env=mail_env(sink, TEST_MAIL_DELAY_SECONDS="0.4"), name="doomed")
    publish([row.dedupe_key for row in rows])  # one batch, one task
    # kill it while it is inside the sixth send (its marker is there, its message is not): SIGKILL, no goodbye
    wait_for(
        lambda: len(read_sink(sink)) >= 5 and sending_markers(sink) >= 6,
        what="five sent, the sixth sending",
        logs=[doomed],
    )
    doomed.stop(kill=True)
    assert doomed.process.returncode == -9
    sent_before = len(read_sink(sink))
    assert 5 <= sent_before < 20
    assert Notification.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING).count() == 20 - sent_before

    # another worker starts; beat's re-dispatcher (run here at once, its grace period passed) queues what is pending
    rescuer = workers(extra_env=mail_env(sink), name="rescuer")
    settings.NOTIFY_REDISPATCH_GRACE_SECONDS = 0
    from notifications.tasks import redispatch

    redispatch.apply_async(queue=workers.queue)
    wait_for(
        lambda: not Notification.objects.filter(pk__in=[r.pk for r in rows]).exclude(status=Status.SENT).exists(),
        what="every row sent",
        logs=[rescuer],
    )
    delivered_once(sink, rows)
    assert "Task notifications.redispatch" in rescuer.log()


# --- 14. Redis stopped while dossiers are filed and received through the API ------------------------------------


class RedisServer:
    """A Redis server of this test's own (the same binary as the machine's), so that stopping it touches no other
    test: the broker and the cache of the portal, as in production, where one Redis serves both."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()  # whatever happened


def _use_broker(app, url: str) -> None:
    """Point this process's Celery app at ``url``, dropping every pooled connection (the next publish connects)."""
    from kombu import pools

    app.conf.broker_url = url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def test_with_redis_down_the_api_still_files_and_receives_and_nothing_is_lost(
    transactional_world, workers, sink, settings, client, own_redis, celery_not_eager, monkeypatch
):
    world = transactional_world
    app = celery_not_eager
    previous_broker = app.conf.broker_url
    # the cache as configured (portal.common.cache: a miss while Redis is away), on the Redis this test stops
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}
    _use_broker(app, own_redis.url)
    from notifications.tasks import deliver

    real_apply_async, publishing = deliver.apply_async, []

    def counted_apply_async(*args, **kwargs):
        publishing.append(kwargs.get("queue"))
        return real_apply_async(*args, **kwargs)

    monkeypatch.setattr(deliver, "apply_async", counted_apply_async)
    try:
        own_redis.stop()  # Redis goes down: broker and cache
        from rest_framework.authtoken.models import Token

        # an integrator's client: token authentication (the tokens were issued before Redis went down)
        citizen = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=world.citizen).key}"}
        clerk = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=world.reception).key}"}
        dossier_ids = []
        for n in range(4):
            body = {
                "procedure": "1.001193",
                "applicant": {**APPLICANT, "id_number": world.citizen.id_number, "email": f"nop-{n}@example.vn"},
                "reception_centre": world.centre.agency_code,
            }
            filed = client.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY=f"redis-down-{n}", **citizen)
            assert filed.status_code == 201, filed.content
            received = client.post(f"/api/dossiers/{filed.json()['id']}/receive/", **clerk)
            assert received.status_code == 200, received.content
            dossier_ids.append(filed.json()["id"])
        rows = Notification.objects.filter(dossier_id__in=dossier_ids, channel=Channel.EMAIL)
        assert rows.count() == 8 and rows.filter(status=Status.PENDING).count() == 8  # filed + received, each
        # eight steps, one attempt to reach the broker: after it failed, the others did not wait on it again
        assert len(publishing) == 1, publishing

        own_redis.start()  # Redis is back (empty: it keeps nothing on disk)
        _use_broker(app, own_redis.url)
        worker = workers(extra_env={**mail_env(sink), "REDIS_URL": own_redis.url})
        settings.NOTIFY_REDISPATCH_GRACE_SECONDS = 0
        from notifications.tasks import redispatch

        redispatch.apply_async(queue=workers.queue)  # what beat sends every minute
        wait_for(lambda: rows.filter(status=Status.SENT).count() == 8, what="the eight e-mails sent", logs=[worker])
        delivered_once(sink, list(rows))
        received_mail = [m for m in read_sink(sink) if "đã được tiếp nhận" in m["Subject"]]
        assert len(received_mail) == 4 and all(list(m.iter_attachments()) for m in received_mail)
    finally:
        _use_broker(app, previous_broker)
