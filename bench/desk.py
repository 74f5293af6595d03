"""The staff desk's queue pages at the province's scale, against a bare page, in one run (issue 12, point 9).

What it does, on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/portal_bench_desk``; created when missing): ``migrate``, ``load_communes``,
   ``load_catalogue``, ``seed_demo`` (the demo's staff accounts and 300 dossiers), then ``seed_demo --dossiers N``
   (``--dossiers``, default 2,000,000, over all 152 centres and 365 days) and ``ANALYZE``. ``--skip-setup`` reuses
   a prepared database;
2. in this process, with Django's test client (the whole middleware stack, sessions in Redis, the templates; no
   network), ``DEBUG=0``, persistent database connection: for a commune's reception officer, the same commune's
   leader and the province office (every dossier of the province in scope), the desk (every queue counted), each of
   their queue pages (50 rows, sorted by due moment), and a search by name without diacritics; and, the same number
   of times in the same run, the bare page (``/api/_bench/bare-page/``: same middleware, no query);
3. prints per page: the dossiers the person sees, p50 and p95 of ``--requests`` requests after a warm-up, the ratio
   of p50 to the bare page's, the SQL queries per page (the same whatever the size: the tests assert it) and the
   compressed size.

    .venv/bin/python bench/desk.py                      # ~6 minutes, most of it loading 2,000,000 dossiers
    .venv/bin/python bench/desk.py --skip-setup         # reuse the prepared database
"""

from __future__ import annotations

import argparse
import gzip
import os
import signal
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

from serving import ensure_database, manage  # bench/serving.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_desk"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
PEOPLE = (
    ("reception, phường Việt Trì", "demo-phuong-viet-tri-tiepnhan"),
    ("leader, UBND phường Việt Trì", "demo-phuong-viet-tri-lanhdao"),
    ("province office (everything)", "demo-vanphong-tinh"),
)


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DB_CONN_MAX_AGE": "600",
        "BENCH_ENDPOINTS": "1",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "ADDRESS_CONVERTER_PRELOAD": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def say(message: str = "") -> None:
    print(message, flush=True)


def timed(client, url: str, requests: int) -> tuple[list[float], int, int]:
    """Milliseconds of each request after two warm-ups, the queries of the last one, its compressed size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return times, len(queries.captured_queries), len(gzip.compress(response.content, 6))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def bound(args) -> dict[str, str]:
    """PostgreSQL only; give up after ``--timeout`` minutes. Returns the environment of the run."""
    if not urllib.parse.urlsplit(args.database_url).scheme.startswith("postgres"):
        sys.exit("the benchmark runs against PostgreSQL: set BENCH_DATABASE_URL=postgres://…")

    def give_up(*_):
        raise SystemExit(f"gave up after {args.timeout:.0f} minutes (--timeout)")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(args.timeout * 60))
    return bench_env(args.database_url, args.redis_url)


def prepare(args) -> dict[str, str]:
    """Bound the run (:func:`bound`) and prepare the database of ``args`` (``--skip-setup``: migrate only): the
    catalogue, the demo accounts and ``--dossiers`` bulk dossiers. Returns the environment of the run."""
    env = bound(args)
    if not args.skip_setup:
        ensure_database(args.database_url, recreate=args.recreate)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "load_communes")
        manage(env, "load_catalogue", "--no-progress")
        manage(env, "seed_demo")
        say(f"loading {args.dossiers:,} dossiers in bulk")
        manage(env, "seed_demo", "--dossiers", str(args.dossiers))
    else:
        manage(env, "migrate", "--no-input", "-v", "0")
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--dossiers", type=int, default=2_000_000, help="bulk dossiers to load (default 2,000,000)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page (default 40)")
    parser.add_argument("--skip-setup", action="store_true", help="the database is prepared (migrate only)")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--timeout", type=float, default=30, help="give up after so many minutes (default 30)")
    args = parser.parse_args()
    started = time.monotonic()
    env = prepare(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from dossiers.models import Dossier
    from dossiers.selectors import dossiers_visible_to
    from dossiers.selectors.queues import queue_counts
    from portal.accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Dossier.objects.count()
    say(f"{total:,} dossiers; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))

    client = Client()
    bare, _queries, bare_size = timed(client, "/api/_bench/bare-page/", args.requests)
    bare_p50 = statistics.median(bare)
    rows = [("bare page (no query)", "—", bare_p50, p95(bare), 1.0, 0, bare_size)]
    for label, username in PEOPLE:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        seen = dossiers_visible_to(user).count()
        pages = [("/can-bo/", "desk: every queue counted")]
        for item in queue_counts(user):
            pages.append((f"/can-bo/hang-doi/{item.queue.slug}/", f"{item.queue.slug} ({item.count:,})"))
        pages.append(("/can-bo/hang-doi/tat-ca/?q=nguyen+van", "search 'nguyen van'"))
        say(f"\n{label}: sees {seen:,} dossiers")
        for url, what in pages:
            times, queries, size = timed(client, url, args.requests)
            p50 = statistics.median(times)
            rows.append((f"{label}: {what}", f"{seen:,}", p50, p95(times), p50 / bare_p50, queries, size))
            tail = f"p95 {p95(times):7.1f} ms  ×bare {p50 / bare_p50:5.1f}  {queries} queries"
            say(f"  {what:<40} p50 {p50:7.1f} ms  {tail}")
    signal.alarm(0)
    say("\n| page | dossiers in scope | p50 ms | p95 ms | p50 × bare | queries | bytes (gzip) |")
    say("|---|---|---|---|---|---|---|")
    for page, scope, p50, p95_ms, ratio, queries, size in rows:
        say(f"| {page} | {scope} | {p50:.1f} | {p95_ms:.1f} | {ratio:.1f} | {queries} | {size:,} |")
    say(f"\ntotal {time.monotonic() - started:.0f} s; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
