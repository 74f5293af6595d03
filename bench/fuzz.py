"""Fuzzing the API at depth (issue 15, point 8): schemathesis over every operation of the schema as every role.

The same data, roles, inputs, checks and runner as the quick test inside ``make test`` (``tests/api/fuzzing.py``;
``tests/api/test_schemathesis.py``), with a budget no test suite can afford:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/portal_fuzz``;
   created when missing, ``--recreate`` drops it first): ``migrate``, ``load_communes``. ``--skip-setup`` only
   migrates;
2. in this process (the app called over WSGI, no server, no network), in one transaction rolled back at the end —
   the database is left as prepared, and every run starts from the same data: builds the data (two communes, 31
   dossiers in every state and across the lines, their documents and notices) and the roles (anonymous, a citizen,
   another citizen, the reception officer, handler and leader of phường Việt Trì, the province office, an
   administrator);
3. for each role and each of the schema's operations: the schema's examples, the coverage phase (boundary values,
   missing and wrong-typed parameters, unexpected methods) and ``--examples`` generated cases (positive and
   negative); then ``--stateful-examples`` scenarios of up to ``--steps`` calls chaining the links schemathesis
   infers from the schema (the schema declares none). Fixed seed (``--seed``), derandomised: a second run sends the
   same requests. Each request runs in a savepoint rolled back (a scenario: rolled back at its end);
4. checks every answer: no 5xx, a documented status code, content type, headers and body, no dossier the role may
   not see (derived from the data built, not from the code under test), no other person's notice;
5. prints a table of cases and status codes per role, the failures by check, each failure with the request that
   caused it, the total and the time. Exit status 1 when anything failed.

    .venv/bin/python bench/fuzz.py                       # ~10 minutes on the 2-core machine
    .venv/bin/python bench/fuzz.py --examples 5 --roles citizen,reception   # a quicker look
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from serving import ensure_database, manage  # bench/serving.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_fuzz"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"  # throttle counters and caches of the run


def bench_env(database_url: str, redis_url: str, private_root: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "ADDRESS_CONVERTER_PRELOAD": "0",
        # as in the tests: rows are rolled back after every request, ids come again (portal/common/refcache.py)
        "REFERENCE_CACHE": "0",
        # the fuzzer is one client sending thousands of requests: the per-address limits are tested elsewhere
        "LOOKUP_RATE": "1000000/min",
        "CONVERT_ADDRESS_RATE": "1000000/min",
        "PRIVATE_MEDIA_ROOT": private_root,
        "LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }


def say(message: str = "") -> None:
    print(message, flush=True)


def status_table(tally, roles: list[str]) -> list[str]:
    """Markdown: one row per role, the cases and how many answered each status code (any method)."""
    per_role = {}
    for role in roles:
        codes = Counter()
        for operation in tally.statuses[role].values():
            for key, count in operation.items():
                codes[key.rsplit(" ", 1)[-1]] += count
        per_role[role] = codes
    columns = sorted({code for codes in per_role.values() for code in codes})
    lines = [
        "| role | cases | of which stateful | " + " | ".join(columns) + " | seconds |",
        "|---|---:|---:|" + "---:|" * len(columns) + "---:|",
    ]
    for role in roles:
        codes = per_role[role]
        cells = " | ".join(f"{codes[c]:,}" if codes[c] else "·" for c in columns)
        lines.append(
            f"| {role} | {tally.cases(role):,} | {tally.stateful[role]:,} | {cells} | {tally.seconds[role]:.0f} |"
        )
    total = Counter()
    for codes in per_role.values():
        total.update(codes)
    cells = " | ".join(f"{total[c]:,}" for c in columns)
    stateful = sum(tally.stateful.values())
    lines.append(f"| **all** | **{tally.cases():,}** | {stateful:,} | {cells} | {sum(tally.seconds.values()):.0f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--examples", type=int, default=15, help="generated cases per operation and role (15)")
    parser.add_argument("--stateful-examples", type=int, default=10, help="stateful scenarios per role (10)")
    parser.add_argument("--steps", type=int, default=6, help="calls per stateful scenario at most (6)")
    parser.add_argument("--no-coverage", action="store_true", help="skip the coverage phase")
    parser.add_argument("--roles", default="", help="comma-separated subset of the roles (default: all)")
    parser.add_argument("--operations", default="", help="comma-separated parts of operation labels (default: all)")
    parser.add_argument("--seed", type=int, default=None, help="the generation seed (default: the tests' one)")
    parser.add_argument("--skip-setup", action="store_true", help="the database is prepared (migrate only)")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--timeout", type=float, default=45, help="give up after so many minutes (default 45)")
    args = parser.parse_args()
    started = time.monotonic()

    if not urllib.parse.urlsplit(args.database_url).scheme.startswith("postgres"):
        sys.exit("the fuzzing run needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…")

    def give_up(*_):
        raise SystemExit(f"gave up after {args.timeout:.0f} minutes (--timeout)")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(args.timeout * 60))

    private_root = tempfile.mkdtemp(prefix="portal-fuzz-")
    try:
        env = bench_env(args.database_url, args.redis_url, private_root)
        if not args.skip_setup:
            ensure_database(args.database_url, recreate=args.recreate)
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "load_communes")
        else:
            manage(env, "migrate", "--no-input", "-v", "0")
        os.environ.update(env)
        return fuzz(args, started)
    finally:
        signal.alarm(0)
        shutil.rmtree(private_root, ignore_errors=True)


def fuzz(args, started: float) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import portal.wsgi  # noqa: F401 (sets Django up again, logging included: before the levels below)

    for name in ("django.request", "django.security"):  # 4xx by the thousand, on purpose
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from django.db import transaction

    from tests.api.fuzzing import ROLES, SEED, Fuzzer, Tally, build_world, in_process_app

    roles = [role.strip() for role in args.roles.split(",") if role.strip()] or list(ROLES)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        sys.exit(f"unknown role(s) {unknown}; the roles are {', '.join(ROLES)}")
    phases = ("examples", "fuzzing") if args.no_coverage else ("examples", "coverage", "fuzzing")
    parts = [part.strip() for part in args.operations.split(",") if part.strip()]

    def chosen(operation) -> bool:
        return not parts or any(part in operation.label for part in parts)

    seed = SEED if args.seed is None else args.seed
    say(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    tally = Tally()
    with transaction.atomic():
        built = time.monotonic()
        world = build_world()
        say(f"data: {world.summary()} ({time.monotonic() - built:.1f} s)")
        for role in roles:
            say(f"  {role}: may see {len(world.may_see(role))} of {len(world.dossiers)} dossiers")
        with in_process_app() as app:
            with contextlib.redirect_stderr(io.StringIO()):  # drf-spectacular's warnings about the schema
                fuzzer = Fuzzer(app, world, max_examples=args.examples, seed=seed, max_steps=args.steps)
            operations = sum(1 for operation in fuzzer.operations if chosen(operation))
            say(
                f"{operations} operations × {len(roles)} roles; phases {', '.join(phases)}, "
                f"{args.examples} generated cases per operation and role; stateful: {args.stateful_examples} "
                f"scenarios of ≤ {args.steps} calls per role; seed {seed}"
            )
            for role in roles:
                before = tally.cases()
                fuzzer.run_role(role, tally, phases=phases, operations=chosen)
                if args.stateful_examples and not parts:  # the scenarios chain any operations
                    fuzzer.run_stateful(role, tally, max_examples=args.stateful_examples)
                found = sum(f.count for f in tally.findings.values() if f.role == role)
                say(f"  {role}: {tally.cases() - before:,} cases, {found} failing, {tally.seconds[role]:.0f} s")
        transaction.set_rollback(True)

    say("")
    for line in status_table(tally, roles):
        say(line)
    say("")
    by_check = tally.by_check()
    distinct = Counter(finding.check for finding in tally.findings.values())
    say("| check | failing cases | distinct failures |")
    say("|---|---:|---:|")
    for check in fuzzer.checks:
        name = check.__name__
        say(f"| {name} | {by_check[name]:,} | {distinct[name]} |")
    say(f"| (errors outside the checks) | {len(tally.errors)} | {len(tally.errors)} |")
    if tally.findings or tally.errors:
        say("")
        say(tally.report())
    elapsed = time.monotonic() - started
    say(
        f"\ntotal {tally.cases():,} cases in {elapsed:.0f} s ({elapsed / 60:.1f} min); load average after: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    return 1 if tally.findings or tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
