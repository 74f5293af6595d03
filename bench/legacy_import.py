"""Importing the old systems' exports at scale (issue 14, point 10): 100,000 generated transitional dossiers, imported,
then imported again unchanged, in one run.

What it does, on loopback, bounded in time, stopping by itself:

1. prepares a fresh PostgreSQL database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/portal_bench_legacy``, dropped and created): ``migrate``, ``load_communes``,
   ``load_catalogue``;
2. writes two OpenCPS-shaped JSON exports of the old Phú Thọ system (``--small``, default 10,000 rows, and
   ``--rows``, default 100,000, with other codes): real old wards and districts of old Phú Thọ (the ones that map to
   one new commune), the catalogue's commune-level procedure codes, the old systems' date formats, the demo's
   Vietnamese names (2,184 combinations of family, middle and given names), statuses across the lifecycle;
3. imports each in a fresh interpreter (``manage.py``-like: Django set up, one transaction, no progress bar) and
   reports its rows/s and its peak resident memory; then imports the large file again (every row unchanged);
4. prints the table: first import rows/s (target ≥ 2,000), re-import rows/s and its ratio to the first (target ≥ 5×),
   and the peak memory of the small and the large import (flat: streaming, batches of 1,000).

    .venv/bin/python bench/legacy_import.py              # ~4 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desk import bound, say  # bench/desk.py (the script's own folder is on sys.path)
from serving import ensure_database, manage

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_legacy"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
STATUSES = ["receiving", "processing", "processing", "waiting", "paying", "releasing", "done", "cancelling"]


def generate(path: Path, rows: int, prefix: str, seed: int) -> None:
    """An OpenCPS-shaped export of ``rows`` dossiers (needs Django set up: reads the old units and the catalogue)."""
    from django.db.models import Count

    from communes.models import FormerUnit
    from dossiers.demo.texts import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M
    from procedures.models import Level, ProcedureVersion

    rng = random.Random(seed)
    names = [f"{family} {middle} {given}" for family in FAMILY for middle in MIDDLE_F for given in GIVEN_F]
    names += [f"{family} {middle} {given}" for family in FAMILY for middle in MIDDLE_M for given in GIVEN_M]
    units = list(
        FormerUnit.objects.filter(former_province="phu_tho")
        .annotate(n=Count("mappings"))
        .filter(n=1)
        .values_list("name", "district_name")
    )
    versions = ProcedureVersion.objects.filter(level=Level.COMMUNE, is_applied=True)
    codes = sorted(set(versions.values_list("procedure__code", flat=True)))
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f'{{"total": {rows}, "data": [\n')
        for i in range(rows):
            ward, district = rng.choice(units)
            day = rng.randint(1, 28)
            received = f"{day:02d}/06/2025 {rng.randint(7, 16):02d}:{rng.randint(0, 59):02d}:00"
            record = {
                "dossierNo": f"{prefix}-{i:07d}",
                "serviceCode": rng.choice(codes),
                "serviceName": "",
                "govAgencyCode": "000.20.31.H48",
                "govAgencyName": f"UBND {ward}",
                "applicantName": rng.choice(names),
                "applicantIdNo": f"0251{rng.randint(0, 99999999):08d}",
                "contactTelNo": f"09{rng.randint(0, 99999999):08d}",
                "contactEmail": "",
                "address": f"Thôn {rng.randint(1, 12)}, {ward}, {district}",
                "cityName": "Phú Thọ",
                "districtName": district,
                "wardName": ward,
                "receiveDate": received,
                "dueDate": f"{min(day + 5, 30):02d}/07/2025 17:00:00",
                "finishDate": "",
                "releaseDate": "",
                "dossierStatus": rng.choice(STATUSES),
            }
            handle.write(("," if i else "") + json.dumps(record, ensure_ascii=False) + "\n")
        handle.write("]}\n")


def child_import(path: str) -> None:
    """Run in a fresh interpreter: import ``path`` and print rows, seconds and the peak resident memory as JSON."""
    import resource

    import django

    django.setup()
    from legacy.services import legacy_import

    summary = legacy_import("phu-tho", [Path(path)])
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"rows": summary.rows, "seconds": summary.seconds, "peak_mb": peak_kib / 1024, **summary.counts()}
    print(json.dumps(result))


def run_child(env: dict[str, str], path: Path) -> dict:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); sys.path.insert(0, {str(ROOT)!r}); "
        f"import legacy_import as b; b.child_import({str(path)!r})"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.monotonic() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=20, help="give up after so many minutes (default 20)")
    args = parser.parse_args()
    env = bound(args)
    started = time.monotonic()
    ensure_database(args.database_url, recreate=True)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_communes")
    manage(env, "load_catalogue", "--no-progress")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.json", Path(folder) / "large.json"
        generate(small, args.small, "000.20.31.H48-S", seed=1)
        generate(large, args.rows, "000.20.31.H48-L", seed=2)
        say(
            f"exports: {args.small:,} rows ({small.stat().st_size / 1e6:.1f} MB), {args.rows:,} rows "
            f"({large.stat().st_size / 1e6:.1f} MB); load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        runs = []
        plan = (("first import, small", small), ("first import, large", large), ("re-import, large", large))
        for label, path in plan:
            result = run_child(env, path)
            rate = result["rows"] / result["seconds"]
            runs.append((label, result, rate))
            say(
                f"  {label:<22} {result['rows']:>8,} rows in {result['seconds']:6.1f} s = {rate:8,.0f} rows/s; "
                f"peak {result['peak_mb']:6.0f} MB; created {result['created']:,}, unchanged {result['unchanged']:,}, "
                f"rejected {result['rejected']:,}, unmapped {result['unmapped']:,}"
            )
    signal.alarm(0)
    first, again = runs[1][2], runs[2][2]
    say("\n| run | rows | seconds | rows/s | peak memory (MB) | created | unchanged |")
    say("|---|---|---|---|---|---|---|")
    for label, result, rate in runs:
        say(
            f"| {label} | {result['rows']:,} | {result['seconds']:.1f} | {rate:,.0f} | {result['peak_mb']:.0f} "
            f"| {result['created']:,} | {result['unchanged']:,} |"
        )
    say(
        f"\nfirst import {first:,.0f} rows/s (target ≥ 2,000); re-import {again / first:.1f}× faster (target ≥ 5×); "
        f"peak memory {runs[0][1]['peak_mb']:.0f} MB at {args.small:,} rows, {runs[1][1]['peak_mb']:.0f} MB at "
        f"{args.rows:,}"
    )
    say(f"total {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
