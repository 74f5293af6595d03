"""The pieces of `make up` that can be checked without bringing the whole topology up (bench/drill.py does that):
the nginx configuration is valid and says what the README says, and deploy/keep starts a killed process again."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import missing

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
