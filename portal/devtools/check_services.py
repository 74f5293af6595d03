"""Before the test suite: are PostgreSQL and Redis (and, for browser tests, Chromium) there?

Says which service is missing and how to start it; creates the suite's PostgreSQL database when it is missing.
PostgreSQL and Redis are always required by ``make test``; with ``REQUIRE_SERVICES=1`` (CI) Chromium is required
too.
"""

from __future__ import annotations

import os
import shutil
import sys
from urllib.parse import urlparse

START = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "Redis": 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    "Chromium": "apt-get update && apt-get install -y chromium",
}


def check_postgres(url: str) -> str | None:
    import psycopg2

    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        return f"DATABASE_URL is not a PostgreSQL URL ({parts.scheme}://…); the suite runs on PostgreSQL."
    try:
        connection = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname="postgres",
            connect_timeout=3,
        )
    except psycopg2.OperationalError as exc:
        return f"cannot connect to {parts.hostname}:{parts.port or 5432}: {str(exc).strip()}"
    # the suite's own database (pytest creates test_<name> beside it; makemigrations --check reads this one)
    name = (parts.path or "/").lstrip("/")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if name and cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')  # a name from DATABASE_URL, quoted
                print(f"  created database {name}")
    except psycopg2.Error as exc:
        return f"cannot create the database {name!r}: {str(exc).strip()}"
    finally:
        connection.close()
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"cannot reach {url}: {exc}"
    return None


def check_chromium() -> str | None:
    return None if shutil.which("chromium") or os.path.exists("/usr/bin/chromium") else "/usr/bin/chromium not found"


def main() -> int:
    required_everything = os.environ.get("REQUIRE_SERVICES") == "1"
    failures = 0
    checks = [
        ("PostgreSQL", lambda: check_postgres(os.environ.get("DATABASE_URL", "")), True),
        ("Redis", lambda: check_redis(os.environ.get("REDIS_URL", "")), True),
        ("Chromium", check_chromium, required_everything),
    ]
    for name, check, required in checks:
        problem = check()
        if problem is None:
            print(f"  ok  {name}")
            continue
        level = "MISSING" if required else "absent (its tests will be skipped)"
        print(f"  {level}  {name}: {problem}\n        start it with: {START[name]}", file=sys.stderr)
        failures += int(required)
    if failures:
        print("Some services the test suite needs are not running; nothing was tested.", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
