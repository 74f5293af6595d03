"""The province dashboard's API at the province's scale, against the same figures computed by a plain GROUP BY over
the raw dossiers, in one run (issue 13, points 7 and 8).

What it does, on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/portal_bench_desk``, shared with ``bench/desk.py``; created when missing):
   ``migrate``, ``load_communes``, ``load_catalogue``, ``seed_demo``, ``seed_demo --dossiers N`` (default
   2,000,000 over 365 days), then ``stats_rebuild`` (the aggregates, timed) and ``ANALYZE``. ``--skip-setup`` reuses
   a prepared database (``--rebuild`` rebuilds the aggregates anyway);
2. in this process, with Django's test client (the whole middleware stack, DRF, the JSON renderer; no network),
   ``DEBUG=0``, persistent database connection, as the province office (every dossier in scope) and as a commune's
   leader: every ``/api/stats/…`` endpoint for this month and for this year — summary, each breakdown, weekly, the
   Decision 766 panel and its rankings — ``--requests`` times each after a warm-up; and the bare DRF endpoint
   (``/api/_bench/baseline/``: same stack, one ``SELECT 1``) as many times;
3. computes, in the same run, the same figures straight from the dossiers — one ``GROUP BY`` over the raw rows with
   the very measure definitions the aggregates use (``stats.services.measure_expressions``): the period's cohort
   aggregated (summary), grouped by unit (breakdowns, rankings) or by day (weekly) — ``--raw-requests`` times each;
4. prints per endpoint p50 and p95 (ms), the raw GROUP BY's p50 and p95, the ratio raw ÷ endpoint (target ≥ 20×), the
   ratio to the bare endpoint, and whether p95 < 200 ms.

    .venv/bin/python bench/dashboard.py                   # ~10 minutes, most of it loading 2,000,000 dossiers
    .venv/bin/python bench/dashboard.py --skip-setup      # reuse the prepared database (~3 minutes)
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

from desk import p95, prepare, say  # bench/desk.py (the script's own folder is on sys.path)
from serving import manage

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_desk"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
TARGET_P95_MS = 200
TARGET_RATIO = 20


def endpoints(period: str) -> list[tuple[str, str, dict]]:
    """(name, path, params) of every dashboard API call for ``period``."""
    calls = [("summary", "summary", {})]
    breakdowns = ("commune", "department", "area", "field", "level", "unit")
    calls += [(f"breakdown by {by}", "breakdown", {"by": by}) for by in breakdowns]
    calls += [("weekly", "weekly", {}), ("decision 766 panel", "decision-766", {})]
    calls += [(f"766 ranking by {by}", "decision-766/ranking", {"by": by}) for by in ("commune", "department")]
    return [
        (name, f"/api/stats/{path}/?{urllib.parse.urlencode({'period': period, **params})}", params)
        for name, path, params in calls
    ]


def timed_get(client, url: str, requests: int) -> list[float]:
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def raw_figures(name: str, user, period: str):
    """The endpoint's figures computed by one GROUP BY over the raw dossiers (the same measure definitions)."""
    from django.db.models.functions import TruncDate

    from dossiers.models import Dossier
    from stats.scope import filters_from
    from stats.services import measure_expressions

    filters = filters_from({"period": period}, user)
    cohort = filters.cohort()
    rows = cohort.of(Dossier.objects.all(), "received")
    if name == "summary" or name == "decision 766 panel":
        return rows.aggregate(**measure_expressions())
    if name == "weekly":
        grouped = rows.annotate(day=TruncDate("received_at")).values("day")
    elif "level" in name:
        grouped = rows.values("level")
    elif "field" in name:
        grouped = rows.values("field_id")
    elif "area" in name:
        grouped = rows.values("reception_centre__former_province")
    else:  # by commune, department or unit, the rankings: per processing unit
        grouped = rows.values("processing_unit_id")
    return list(grouped.annotate(**measure_expressions()).order_by())


def timed_raw(name: str, user, period: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        raw_figures(name, user, period)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--dossiers", type=int, default=2_000_000, help="bulk dossiers to load (default 2,000,000)")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per endpoint (default 40)")
    parser.add_argument("--raw-requests", type=int, default=3, help="timed raw GROUP BYs per endpoint (default 3)")
    parser.add_argument("--periods", default="month,year", help="periods to measure (default month,year)")
    parser.add_argument("--skip-setup", action="store_true", help="the database is prepared (migrate only)")
    parser.add_argument("--rebuild", action="store_true", help="with --skip-setup: rebuild the aggregates anyway")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--timeout", type=float, default=45, help="give up after so many minutes (default 45)")
    args = parser.parse_args()
    started = time.monotonic()
    env = prepare(args)
    if not args.skip_setup or args.rebuild:
        say("rebuilding the aggregates from scratch (manage.py stats_rebuild)")
        manage(env, "stats_rebuild")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from dossiers.models import Dossier
    from portal.accounts.models import User
    from stats.models import DailyCounts, MonthlyCounts, Refresh

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    mark = Refresh.objects.first()
    rebuilt = f"; last rebuild {mark.rebuild_seconds:.0f} s" if mark and mark.rebuild_seconds else ""
    say(
        f"{Dossier.objects.count():,} dossiers; {DailyCounts.objects.count():,} daily and "
        f"{MonthlyCounts.objects.count():,} monthly aggregate rows{rebuilt}; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    client = Client()
    bare = timed_get(client, "/api/_bench/baseline/", args.requests)
    bare_p50 = statistics.median(bare)
    say(f"bare DRF endpoint: p50 {bare_p50:.1f} ms, p95 {p95(bare):.1f} ms")
    people = [("province office", "demo-vanphong-tinh"), ("commune leader", "demo-phuong-viet-tri-lanhdao")]
    table = []
    for label, username in people:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for period in args.periods.split(","):
            say(f"\n{label}, {period}:")
            for name, url, _params in endpoints(period):
                times = timed_get(client, url, args.requests)
                raw = timed_raw(name, user, period, args.raw_requests)
                p50, tail, raw_p50 = statistics.median(times), p95(times), statistics.median(raw)
                ratio = raw_p50 / p50
                ok = "yes" if tail < TARGET_P95_MS and ratio >= TARGET_RATIO else "NO"
                table.append((label, period, name, p50, tail, raw_p50, max(raw), ratio, p50 / bare_p50, ok))
                say(
                    f"  {name:<26} p50 {p50:7.1f}  p95 {tail:7.1f} ms | raw GROUP BY p50 {raw_p50:8.1f} ms "
                    f"| raw ÷ API {ratio:6.1f}× | ×bare {p50 / bare_p50:5.1f} | {ok}"
                )
    signal.alarm(0)
    say(f"\nbare DRF endpoint (same stack, SELECT 1): p50 {bare_p50:.2f} ms, p95 {p95(bare):.2f} ms")
    say(
        "\n| who | period | endpoint | p50 ms | p95 ms | raw GROUP BY p50 ms | raw max ms | raw ÷ API (p50) "
        "| p50 × bare | p95 < 200 ms and ≥ 20× |"
    )
    say("|---|---|---|---|---|---|---|---|---|---|")
    for who, period, name, p50, tail, raw_p50, raw_max, ratio, bare_ratio, ok in table:
        say(
            f"| {who} | {period} | {name} | {p50:.1f} | {tail:.1f} | {raw_p50:.0f} | {raw_max:.0f} | {ratio:.0f}× "
            f"| {bare_ratio:.1f} | {ok} |"
        )
    worst = max(row[4] for row in table)
    lowest = min(row[7] for row in table)
    say(f"\nworst p95 {worst:.1f} ms (target < {TARGET_P95_MS}); lowest raw ÷ API {lowest:.0f}× (≥ {TARGET_RATIO})")
    say(f"total {time.monotonic() - started:.0f} s; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
