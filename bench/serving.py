"""Helpers shared by the benchmark scripts: bench database, manage.py, a free loopback port, waiting for gunicorn."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer {url} in {timeout:.0f} s")


def connect(database_url: str, dbname: str | None = None):
    import psycopg2

    parts = urllib.parse.urlsplit(database_url)
    return psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname=dbname or parts.path.lstrip("/"),
    )


def ensure_database(database_url: str, *, recreate: bool = False) -> None:
    """Create the benchmark database when missing (drop it first with ``recreate``)."""
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    admin = connect(database_url, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        if recreate:
            print(f"dropping database {name}")
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def call_in_subprocess(env: dict[str, str], module: str, call: str, *, capture: bool = False) -> str:
    """Run ``module.call`` (a bench script's function, which sets Django up itself) in a fresh interpreter whose
    path holds ``bench/`` as when the script runs; returns its standard output when ``capture``."""
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import {module} as b; b.{call}"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return completed.stdout if capture else ""
