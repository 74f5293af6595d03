"""The pieces of `make up` that can be checked without bringing the whole topology up (bench/drill.py does that):
the nginx configuration is valid and says what the README says, PgBouncer's (``PGBOUNCER=1``) serves the portal in
transaction mode, and deploy/keep starts a killed process again."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import free_port, missing

ROOT = Path(__file__).resolve().parent.parent


def nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        missing("nginx is not installed (apt-get install nginx; make up installs it)")
    return found


@pytest.fixture
def rendered(tmp_path) -> Path:
    """deploy/nginx.conf.in filled in as deploy/up fills it."""
    up = tmp_path / "up"
    for sub in ("nginx/body", "nginx/proxy", "nginx/fastcgi", "nginx/uwsgi", "nginx/scgi", "static"):
        (up / sub).mkdir(parents=True)
    shutil.copy(ROOT / "deploy" / "proxy_params", up / "nginx" / "proxy_params")
    text = (ROOT / "deploy" / "nginx.conf.in").read_text()
    for name, value in {
        "UP_DIR": str(up),
        "UP_PORT": "18080",
        "WEB1_PORT": "18101",
        "WEB2_PORT": "18102",
        "STATIC_ROOT": str(up / "static"),
    }.items():
        text = text.replace(f"@@{name}@@", value)
    assert "@@" not in text
    (up / "nginx.conf").write_text(text)
    return up


def test_the_nginx_configuration_is_valid(rendered):
    result = subprocess.run(
        [nginx(), "-t", "-q", "-p", str(rendered / "nginx"), "-c", str(rendered / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_nginx_configuration_says_what_the_readme_says(rendered):
    text = (rendered / "nginx.conf").read_text()
    assert re.search(r"server 127\.0\.0\.1:18101 max_fails=1", text) and "server 127.0.0.1:18102" in text
    assert 'Cache-Control "public, max-age=31536000, immutable"' in text and "gzip_static on;" in text
    assert "proxy_set_header X-Request-ID $request_id;" in (ROOT / "deploy" / "proxy_params").read_text()
    # the access log has the path only: a query string can carry an ID number
    log_format = text[text.index("log_format") : text.index("access_log")]
    assert "$uri" in log_format and "$request_uri" not in log_format and "$args" not in log_format
    # a POST already sent goes to the other web process only with an Idempotency-Key or an If-Match
    assert "proxy_next_upstream error timeout http_502 non_idempotent;" in text
    assert '"$request_method:$http_idempotency_key$http_if_match"' in text
    assert "location = /metrics" in text and "deny all;" in text


def pgbouncer() -> str:
    found = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if found is None:
        missing("pgbouncer is not installed (apt-get install pgbouncer; PGBOUNCER=1 make up installs it)")
    return found


@pytest.fixture
def pooled(django_db_setup, django_db_blocker, tmp_path):
    """PgBouncer with deploy/pgbouncer.ini.in filled in as deploy/up fills it, in front of this test database; its
    port and the database's settings."""
    from django.db import connection

    database = connection.settings_dict
    port = free_port()
    tmp_path.chmod(0o755)  # as root, PgBouncer becomes the postgres user, who reads its files
    text = (ROOT / "deploy" / "pgbouncer.ini.in").read_text()
    for name, value in {
        "UP_DIR": str(tmp_path),
        "DB_NAME": database["NAME"],
        "DB_HOST": database["HOST"] or "127.0.0.1",
        "DB_PORT": str(database["PORT"] or 5432),
        "DB_USER": database["USER"] or "postgres",
        "PGBOUNCER_PORT": str(port),
        "POOL_SIZE": "4",
    }.items():
        text = text.replace(f"@@{name}@@", value)
    assert "@@" not in text
    (tmp_path / "pgbouncer.ini").write_text(text)
    (tmp_path / "pgbouncer-users.txt").write_text(f'"{database["USER"] or "postgres"}" ""\n')
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        [pgbouncer(), *as_user, str(tmp_path / "pgbouncer.ini")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(lambda: process.poll() is None and _answers(port), "PgBouncer listening", limit=10)
        yield port, database
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.mark.postgres
@pytest.mark.django_db  # the test database is set up for the tests that ask for it
def test_pgbouncer_serves_the_portal_in_transaction_mode(pooled):
    """The portal's own processes through PgBouncer as make up runs them: DB_TRANSACTION_POOLING turns Django's
    server-side cursors off, and the integrity checks — QuerySet.iterator() over every table they read, window
    functions, a transaction-scoped advisory lock — run through the pool."""
    import psycopg2

    port, database = pooled
    user = database["USER"] or "postgres"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "DB_"))},
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{user}@127.0.0.1:{port}/{database['NAME']}",
        "DB_TRANSACTION_POOLING": "1",
    }
    code = (
        "from django.db import connection, transaction\n"
        "with transaction.atomic(), connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT pg_advisory_xact_lock(15)')\n"
        '    cursor.execute("SET LOCAL enable_seqscan = off")\n'
        "print(connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'], connection.settings_dict['PORT'])"
    )
    shell = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().splitlines()[-1].split() == ["True", str(port)]
    checked = subprocess.run(
        [sys.executable, "manage.py", "check_integrity", "--json"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert {check["name"] for check in json.loads(checked.stdout)["checks"]} == {"codes", "outbox", "audit"}
    # PgBouncer's console: the pool is in transaction mode and it served those transactions
    console = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="pgbouncer")
    console.autocommit = True
    with console.cursor() as cursor:
        cursor.execute("SHOW POOLS")
        columns = [column.name for column in cursor.description]
        pools = {row[columns.index("database")]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
        cursor.execute("SHOW STATS")
        columns = [column.name for column in cursor.description]
        stats = {row[columns.index("database")]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    console.close()
    assert pools[database["NAME"]]["pool_mode"] == "transaction"
    assert stats[database["NAME"]]["total_xact_count"] > 5


def test_keep_starts_a_killed_process_again_and_stops_with_it(tmp_path):
    env = {**os.environ, "UP_DIR": str(tmp_path)}
    keeper = subprocess.Popen([str(ROOT / "deploy" / "keep"), "sleeper", "sleep", "600"], env=env)
    pidfile = tmp_path / "pids" / "sleeper.pid"
    try:
        first = _wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), "the first pid")
        os.kill(int(first), signal.SIGKILL)
        second = _wait_for(
            lambda: pidfile.exists() and pidfile.read_text().strip() != first and pidfile.read_text().strip(),
            "a new pid after the kill",
        )
        assert Path(f"/proc/{second}").exists()
        keeper.send_signal(signal.SIGTERM)
        assert keeper.wait(timeout=30) == 0
        assert not pidfile.exists()
        assert _gone(int(second)), "the kept process stops with deploy/keep"
    finally:
        if keeper.poll() is None:
            keeper.kill()


def _wait_for(condition, what: str, limit: float = 20.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {limit} s")


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie waiting for its parent is gone too
