"""Project-wide test fixtures.

Markers (pytest.ini): ``postgres``, ``redis``, ``worker``, ``browser``. A test so marked runs only when that part is
really there; otherwise it is skipped with the reason — except under ``REQUIRE_SERVICES=1`` (CI), where a missing
service fails the test instead. SQLite never silently stands in for PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    """Compile the gettext catalogues (Babel, no system gettext needed) so English answers can be tested."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (ROOT / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES") == "1"


def missing(reason: str) -> None:
    """Skip — or, under REQUIRE_SERVICES=1, fail — because a service the test needs is not there."""
    if services_required():
        pytest.fail(f"REQUIRE_SERVICES=1 and {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on at this moment, on loopback."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def redis_available() -> bool:
    url = redis_url()
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _service_markers(request):
    node = request.node
    if node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            missing(f"this test needs PostgreSQL; DATABASE_URL points to {connection.vendor}")
    if node.get_closest_marker("redis") or node.get_closest_marker("worker"):
        if not redis_available():
            missing(f"this test needs Redis at REDIS_URL={redis_url() or '(unset)'}")
    if node.get_closest_marker("browser") and not Path(CHROMIUM).exists():
        missing(f"this test needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _fresh_working_calendar():
    """Rows rolled back at the end of a test send no signal: forget any calendar cached by an earlier test."""
    from procedures.calendar import calendar_version_bump

    calendar_version_bump()


@pytest.fixture(autouse=True)
def _no_reference_cache(settings):
    """Rows a test writes are rolled back, and ids and codes come again in the next test: no test reads reference
    rows kept by an earlier one (the cache itself is tested with it on, in portal/tests/test_refcache.py)."""
    settings.REFERENCE_CACHE = False


@pytest.fixture
def reference_cache_on(settings):
    """The per-process reference cache on, its fingerprint read on every access, emptied before and after."""
    from portal.common import refcache

    refcache.clear_all()
    settings.REFERENCE_CACHE = True
    settings.REFERENCE_CACHE_CHECK_SECONDS = 0
    yield settings
    refcache.clear_all()


@pytest.fixture(autouse=True)
def _generous_address_rate(settings):
    """The throttle's history outlives a test (it is in Redis): tests of the converter, many per minute from one
    address, are not throttled; the throttle itself is tested with a rate and an address of its own."""
    settings.CONVERT_ADDRESS_RATE = "100000/min"
    # the account pages' limits per address, likewise (their own tests lower them and use fresh addresses)
    for name in ("REGISTER_RATE", "LOGIN_ADDRESS_RATE", "PASSWORD_RESET_RATE"):
        setattr(settings, name, "100000/min")
    settings.TOKEN_FAILURE_RATE = "100000/min"  # noqa: S105 (a rate; wrong tokens from 127.0.0.1 in many tests)


@pytest.fixture(autouse=True)
def _private_storage_in_tmp(settings, tmp_path_factory):
    """Dossier documents written by a test go to a temporary directory, never to ``var/private``."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("private"))},
        },
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real administrative map once per test database (tests roll back around it)."""
    from communes.services import communes_load

    with django_db_blocker.unblock():
        communes_load(force=True)


@pytest.fixture
def communes_loaded(db):
    """The real administrative map (148 communes …), loaded from the packages into the test database."""
    from communes.models import Commune
    from communes.services import communes_load

    if Commune.objects.count() != 148:
        communes_load(force=True)
    return Commune.objects.all()


TTHC_DATA = ROOT.parent / "shared" / "data" / "tthc"


@pytest.fixture(scope="session")
def tthc_data_dir() -> Path:
    """The real national TTHC files (``../shared/data/tthc``, beside the clone in CI)."""
    if not (TTHC_DATA / "details").is_dir():
        missing(f"the real TTHC files are not at {TTHC_DATA}")
    return TTHC_DATA


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# --- A real Celery worker on the real Redis --------------------------------------------------------------


class WorkerProcess:
    def __init__(self, queue: str, process: subprocess.Popen, log_path: Path, log_file=None):
        self.queue = queue
        self.process = process
        self.log_path = log_path
        self.log_file = log_file

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, *, kill: bool = False) -> None:
        """SIGKILL (``kill``) or SIGTERM, then wait; closes the log."""
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        if self.log_file is not None and not self.log_file.closed:
            self.log_file.close()


def postgres_url_of_tests() -> str:
    """The URL of the PostgreSQL database this test process uses (the test database), for a process it starts."""
    from django.db import connection

    config = connection.settings_dict
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    host, port = config.get("HOST") or "127.0.0.1", config.get("PORT") or 5432
    return f"postgres://{config.get('USER') or 'postgres'}{password}@{host}:{port}/{config['NAME']}"


def start_celery_worker(queue: str, log_path: Path, *, extra_env: dict | None = None, name: str | None = None):
    """Start ``celery -A portal worker --pool=solo -Q queue`` on the test database and Redis (``REDIS_URL``, unless
    ``extra_env`` says otherwise); return a :class:`WorkerProcess` once it is ready."""
    from django.db import connection

    database_url = postgres_url_of_tests() if connection.vendor == "postgresql" else os.environ.get("DATABASE_URL", "")
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "REFERENCE_CACHE": "0",  # the tests flush the database between tests: a long-lived worker keeps no rows
        **(extra_env or {}),
    }
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{name or queue}@%h",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    worker = WorkerProcess(queue, process, log_path, log_file)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}:\n{worker.log()}")
        if " ready." in worker.log():
            return worker
        time.sleep(0.2)
    worker.stop(kill=True)
    pytest.fail(f"the Celery worker did not become ready in 60 s:\n{worker.log()}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, artifacts_dir, tmp_path_factory):
    """Start ``celery -A portal worker`` as a separate process on Redis, on its own queue.

    The worker uses the same (test) database as the tests, so tasks that read or write rows see what a test
    committed (use ``transactional_db`` in such tests). Yields a :class:`WorkerProcess`; send tasks with
    ``task.apply_async(..., queue=worker.queue)``.
    """
    if not redis_available():
        missing(f"a Celery worker needs Redis at REDIS_URL={redis_url() or '(unset)'}")
    queue = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    worker = start_celery_worker(queue, log_path)
    try:
        yield worker
    finally:
        worker.stop()
        shutil.copy(log_path, artifacts_dir / f"celery-{queue}.log")


@pytest.fixture
def celery_not_eager(settings):
    """Send tasks through the broker in this test (the test profile runs them eagerly by default)."""
    from portal.celery import app

    previous = app.conf.task_always_eager  # read first: app.conf loads lazily from the Django settings
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = previous


# --- Logs ------------------------------------------------------------------------------------------------


@pytest.fixture
def logged_text(caplog):
    """Everything the captured log records hold as text — messages, formatted exceptions, stacks and every string
    or number attribute — for asserting that no personal data reached a log."""
    import logging

    def text() -> str:
        texts = []
        for record in caplog.records:
            texts.append(record.getMessage())
            if record.exc_info:
                texts.append(logging.Formatter().formatException(record.exc_info))
            texts.extend(filter(None, [record.exc_text, record.stack_info]))
            texts.extend(str(value) for value in vars(record).values() if isinstance(value, str | int))
        return "\n".join(texts)

    return text


# --- Browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        missing(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _celery_join_flag_reset():
    """Celery's eager ``apply()`` flips a process-global "joins would block" flag in and out of
    ``denied_join_result()``; eager tasks run from concurrent threads (the concurrency tests) can leave it set, and
    then any later ``result.get()`` in this process raises "Never call result.get() within a task!". Reset it."""
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
