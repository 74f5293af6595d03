"""The deadline sweep at 100,000, 250,000 and 500,000 open dossiers, against the bare SQL of its writes, in one run.

What it does, all on loopback, bounded in time, stopping by itself:

1. prepares a PostgreSQL database (``BENCH_DATABASE_URL``, default
   ``postgres://postgres@127.0.0.1:5432/portal_bench_sweep``; created when missing): ``migrate``, ``load_communes``,
   ``load_catalogue``; then, in this process, the staff the reminders go to (bulk dossiers have none): per
   processing unit 1 leader (commune committees) or 2 (departments) and 3 handlers, 2 reception officers per centre,
   2 province-office users, all with an e-mail address;
2. for each size, loads dossiers with the bulk generator (``dossiers.demo.bulk.demo_bulk``, the code behind
   ``manage.py seed_demo --dossiers N``), incrementally — more dossiers over the same 30 days before the same anchor
   (one seed, another count) — until the database holds the size in *open* dossiers (clock running, or paused for a
   supplement; about a third of what the generator writes over 30 days), and gives the assigned ones a handler of
   their unit;
3. clears every reminder mark and the outbox, ``VACUUM ANALYZE``, ``CHECKPOINT``, then times (``time.perf_counter``
   around ``sweep_deadlines(now=…)`` only) a **first sweep** at the anchor (midnight: the generator's "now"), which
   reads the due-soon, overdue, not-transferred and unanswered-supplement dossiers and writes their outbox rows, and a
   **second sweep** at the same moment, which must write nothing. Celery is not eager and Redis db 11 is the
   broker: the sweep queues the delivery tasks as in production, and no worker delivers them (the db is purged at
   the end);
4. checks: the second sweep wrote no row; no notice is in the outbox twice; the dossiers reminded of each kind are
   exactly those the plain SQL counts (and, for "not transferred", the reception rule in Python);
5. prints, per size, the dossiers read, the rows written by kind, the seconds and dossiers/s of both sweeps and where
   their time went (SQL statements by kind, commits, queuing the deliveries, the rest: Python), the scaling ratio
   (dossiers/s at the largest size ÷ at the smallest; "linear or better" is ≥ 0.8) and the times at the largest size
   against the targets (first sweep < 60 s, second < 10 s), with two bare-SQL baselines measured the same run: the
   first sweep's writes (``INSERT … SELECT`` of its outbox rows into a copy of the outbox with the same indexes, and
   one ``UPDATE`` of the reminded dossiers' marks), and the second sweep's reads (``SELECT count(*)`` with the
   candidates' conditions).

Benchmarks are not tests: the script prints, it does not gate CI. Exit status 1 when a check fails.

    .venv/bin/python bench/sweep.py                     # full run (~10 min, most of it loading 1.6M dossiers)
    .venv/bin/python bench/sweep.py --skip-setup        # reuse the database; more open dossiers than the first
                                                        # size: they are deleted and loaded again
    .venv/bin/python bench/sweep.py --skip-setup --sizes 500000   # one size, on what a full run left
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from serving import ensure_database, manage  # bench/serving.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_sweep"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
SIZES = (100_000, 250_000, 500_000)
#: "Today" of the generated data and the moment of both sweeps (its midnight): a Wednesday, no holiday near.
ANCHOR = date(2026, 11, 18)
DAYS = 30
#: Open dossiers per generated one over 30 days (measured: 0.31–0.33); the loads adjust to what they find.
OPEN_FRACTION_GUESS = 0.32
#: One seed for every load (each with its own count, which makes it another load): the same procedures are the
#: popular ones in all of them, so the share of open dossiers — and of candidates among them — stays the same.
SEED = 7100
STAFF_PREFIX = "bench-sweep-"
HANDLERS_PER_UNIT = 3
TARGET_FIRST, TARGET_SECOND, TARGET_SCALING = 60.0, 10.0, 0.8
#: the processing unit's handler is set for the dossiers past the assignment
ASSIGNED_STATES = ("processing", "supplement_requested", "payment_requested", "withdrawal_requested")


def bench_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # as in production: the sweep queues the delivery tasks in the broker (no worker runs here)
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # as in production, SMS is configured: applicants with a phone get an SMS row (nothing is sent: no worker)
        "SMS_BACKEND": "notifications.channels.sms.FileBackend",
        "ADDRESS_CONVERTER_PRELOAD": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def say(message: str = "") -> None:
    print(message, flush=True)


# --- Data ---------------------------------------------------------------------------------------------------


def create_staff() -> Counter:
    """The staff the reminders go to (idempotent): bulk dossiers come without accounts."""
    from django.db import transaction

    from communes.models import ProcessingUnit, ProcessingUnitKind, ServiceCentre
    from portal.accounts.models import Membership, StaffRole, User

    counts = Counter()
    if User.objects.filter(username__startswith=STAFF_PREFIX).exists():
        for role in Membership.objects.filter(user__username__startswith=STAFF_PREFIX).values_list("role", flat=True):
            counts[role] += 1
        return counts
    people: list[tuple[User, dict]] = []

    def person(username: str, full_name: str, **membership) -> None:
        user = User(
            username=f"{STAFF_PREFIX}{username}",
            full_name=full_name,
            email=f"{username}@bench.phutho.gov.vn",
            password="!",  # noqa: S106 (unusable: nobody logs in)
            language="vi",
        )
        people.append((user, membership))

    for unit in ProcessingUnit.objects.order_by("pk"):
        leaders = 1 if unit.kind == ProcessingUnitKind.COMMUNE_COMMITTEE else 2
        for n in range(leaders):
            person(
                f"leader-{unit.pk}-{n}", f"Lãnh đạo {n + 1} {unit.name}", role=StaffRole.LEADER, processing_unit=unit
            )
        for n in range(HANDLERS_PER_UNIT):
            person(
                f"handler-{unit.pk}-{n}",
                f"Chuyên viên {n + 1} {unit.name}",
                role=StaffRole.HANDLER,
                processing_unit=unit,
            )
    for centre in ServiceCentre.objects.order_by("pk"):
        for n in range(2):
            person(
                f"reception-{centre.pk}-{n}",
                f"Tiếp nhận {n + 1} {centre.name}",
                role=StaffRole.RECEPTION,
                centre=centre,
            )
    for n in range(2):
        person(f"province-{n}", f"Văn phòng UBND tỉnh {n + 1}", role=StaffRole.PROVINCE)
    with transaction.atomic():
        users = User.objects.bulk_create([user for user, _ in people])
        Membership.objects.bulk_create(
            [Membership(user=user, **membership) for user, (_, membership) in zip(users, people, strict=True)]
        )
    for _, membership in people:
        counts[membership["role"]] += 1
    return counts


def open_count() -> int:
    from dossiers.models import Dossier

    return Dossier.objects.filter(state__in=open_states()).count()


def open_states() -> list[str]:
    from dossiers.workflow import CLOCK_RUNNING_STATES, State

    return sorted({state.value for state in CLOCK_RUNNING_STATES} | {State.SUPPLEMENT_REQUESTED.value})


def total_count() -> int:
    from dossiers.models import Dossier

    return Dossier.objects.count()


def clear_dossiers() -> None:
    """Back to no dossier at all (the database holds more open dossiers than the size asked for)."""
    from django.db import connection

    from communes.models import ReferenceDataLoad
    from dossiers.demo.bulk import MARKER_PREFIX
    from dossiers.models import AuditEvent, DailySequence, Dossier, Pause
    from notifications.models import Notification

    tables = [m._meta.db_table for m in (Notification, AuditEvent, Pause, DailySequence, Dossier)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    ReferenceDataLoad.objects.filter(name__startswith=MARKER_PREFIX).delete()


def load_to(target: int) -> tuple[int, float]:
    """Generate dossiers until ``target`` are open (within 2 %); returns (generated, seconds)."""
    from communes.models import ReferenceDataLoad
    from dossiers.demo.bulk import bulk_marker, demo_bulk

    generated, seconds = 0, 0.0
    while True:
        now_open, total = open_count(), total_count()
        missing = target - now_open
        if missing <= target * 0.02:
            return generated, seconds
        fraction = now_open / total if total and now_open else OPEN_FRACTION_GUESS
        count = max(math.ceil(missing / fraction), 1000)
        while ReferenceDataLoad.objects.filter(name=bulk_marker(SEED, count)).exists():
            count += 1  # a load of that size was done: this one is another
        say(f"  generating {count:,} dossiers ({now_open:,} open of {total:,}) …")
        result = demo_bulk(count=count, seed=SEED, anchor_day=ANCHOR, days=DAYS)
        generated += result.count
        seconds += result.seconds
        say(
            f"  … {result.count:,} in {result.seconds:.1f} s ({result.count / result.seconds:,.0f}/s; indexes "
            f"rebuilt in {result.rebuild_seconds:.1f} s)"
        )


def assign_handlers() -> int:
    """Dossiers past the assignment get a handler of their processing unit (bulk dossiers have none)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH handlers AS (
                SELECT m.processing_unit_id AS unit_id, m.user_id,
                       row_number() OVER (PARTITION BY m.processing_unit_id ORDER BY m.user_id) - 1 AS slot
                FROM accounts_membership m JOIN accounts_user u ON u.id = m.user_id
                WHERE m.role = 'handler' AND u.username LIKE %s
            )
            UPDATE dossiers_dossier d SET handler_id = h.user_id
            FROM handlers h
            WHERE d.handler_id IS NULL AND d.state = ANY(%s)
              AND h.unit_id = d.processing_unit_id AND h.slot = d.id %% %s
            """,
            [f"{STAFF_PREFIX}%", list(ASSIGNED_STATES), HANDLERS_PER_UNIT],
        )
        return cursor.rowcount


def reset_marks() -> None:
    """No reminder written yet: every mark cleared, the outbox empty; then VACUUM ANALYZE (as autovacuum would)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE dossiers_dossier SET remind_due_soon_for = NULL, remind_overdue_for = NULL,
                   remind_escalated_for = NULL, remind_transfer_at = NULL, remind_supplement_for = NULL
               WHERE remind_due_soon_for IS NOT NULL OR remind_overdue_for IS NOT NULL
                  OR remind_escalated_for IS NOT NULL OR remind_transfer_at IS NOT NULL
                  OR remind_supplement_for IS NOT NULL"""
        )
        cursor.execute("TRUNCATE notifications_notification")
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE notifications_notification")
        cursor.execute("CHECKPOINT")  # the sweep, like the baseline, starts with no dirty page of anyone else's


# --- Measuring ----------------------------------------------------------------------------------------------


@dataclass
class Sweep:
    seconds: float
    scanned: int
    created: Counter
    reminded: Counter
    queued_tasks: int
    spent: Counter  # seconds by part (Breakdown)

    @property
    def rate(self) -> float:
        return self.scanned / self.seconds if self.seconds else 0.0


@dataclass
class Size:
    target: int
    open: int
    total: int
    first: Sweep
    second: Sweep
    baseline_write: float
    baseline_read: float
    outbox_rows: int
    problems: list[str] = field(default_factory=list)


def the_moment() -> datetime:
    from procedures.calendar import working_calendar

    return datetime.combine(ANCHOR, datetime.min.time(), tzinfo=working_calendar().tz)


def queued(redis_url: str, queue: str) -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen(queue)


class Breakdown:
    """Where a sweep's time goes, measured around it: its SQL statements by kind (Django's ``execute_wrapper``), its
    commits (which run the outbox's deferred foreign-key checks) and the queuing of the delivery tasks after each
    commit; the rest is Python (candidates into models, contexts, rows, the ``COPY`` text and its transfer)."""

    PARTS = {
        "SELECT": "reads",
        "INSERT": "outbox INSERT",
        "UPDATE": "marks UPDATE",
    }

    def __init__(self):
        self.spent: Counter = Counter()

    def __enter__(self):
        from django.db import connection

        from notifications import services as delivery

        self.connection, self.delivery = connection, delivery
        self.original_commit, self.original_publish = connection._commit, delivery.publish
        self.wrapper = connection.execute_wrapper(self._statement)
        self.wrapper.__enter__()
        connection._commit = self._timed("commits", self.original_commit)
        delivery.publish = self._timed("queuing deliveries", self.original_publish)
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        self.connection._commit = self.original_commit
        self.delivery.publish = self.original_publish

    def _timed(self, part: str, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[part] += time.perf_counter() - started

        return timed

    def _statement(self, execute, sql, params, many, context):
        part = self.PARTS.get(sql.lstrip().split(None, 1)[0].upper(), "other SQL")
        return self._timed(part, execute)(sql, params, many, context)


def timed_sweep(redis_url: str) -> Sweep:
    from django.conf import settings

    from dossiers.services.reminders import sweep_deadlines

    queue = settings.NOTIFY_QUEUE or settings.CELERY_TASK_DEFAULT_QUEUE
    before = queued(redis_url, queue)
    with Breakdown() as breakdown:
        started = time.perf_counter()
        report = sweep_deadlines(now=the_moment())
        seconds = time.perf_counter() - started
    spent = breakdown.spent
    spent["Python, COPY"] = seconds - sum(spent.values())
    return Sweep(
        seconds,
        report.scanned,
        Counter(report.created),
        Counter(report.reminded),
        queued(redis_url, queue) - before,
        spent,
    )


def breakdown_line(sweep: Sweep) -> str:
    return ", ".join(f"{part} {seconds:.1f} s" for part, seconds in sweep.spent.most_common())


def expected_reminders() -> Counter:
    """What the sweep must have reminded, by kind, counted without it: plain SQL over the dossiers, the sweep's
    thresholds (the calendar's), and the reception rule (``deadlines.transfer_allowance``) for "not transferred"."""
    from django.db.models import Q
    from django.db.models.functions import Coalesce

    from dossiers import deadlines
    from dossiers.models import Dossier
    from dossiers.services.reminders import RUNNING
    from dossiers.services.reminders import Sweep as Sweeper
    from dossiers.workflow import State
    from notifications.models import Kind

    sweeper = Sweeper(now=the_moment(), dry_run=True)
    now = sweeper.now
    # a running state with a stopped clock (paused for a supplement, then a withdrawal asked) is not due
    running = Dossier.objects.filter(state__in=RUNNING, paused_at__isnull=True).annotate(
        eff=Coalesce("extended_due_at", "due_at")
    )
    explicit = {level: horizon for level, horizon in sweeper.horizons.items() if level != "*"}
    soon = Q(eff__gt=now) & ~Q(level__in=list(explicit)) & Q(eff__lte=sweeper.horizons["*"])
    for level, horizon in explicit.items():
        soon |= Q(eff__gt=now, level=level, eff__lte=horizon)
    expected = Counter(
        {
            Kind.DUE_SOON: running.filter(soon).count(),
            Kind.OVERDUE: running.filter(eff__lte=now).count(),
            Kind.ESCALATION: running.filter(eff__lte=sweeper.escalation_cut).count(),
            Kind.SUPPLEMENT_REMINDER: Dossier.objects.filter(
                state=State.SUPPLEMENT_REQUESTED, paused_at__lte=sweeper.supplement_cut
            ).count(),
            Kind.NOT_TRANSFERRED: sum(
                1
                for received in Dossier.objects.filter(state=State.RECEIVED, received_at__lte=now).values_list(
                    "received_at", flat=True
                )
                if now > deadlines.transfer_allowance(sweeper.calendar, received)
            ),
        }
    )
    return +expected


def outbox_checks() -> tuple[int, int, Counter]:
    """(rows, notices written twice, rows by kind) — a notice is its kind, dossier, due moment, recipient/address,
    channel."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, count(*) FROM notifications_notification GROUP BY kind")
        by_kind = Counter(dict(cursor.fetchall()))
        cursor.execute(
            """SELECT count(*) FROM (
                SELECT 1 FROM notifications_notification
                GROUP BY kind, dossier_id, due_ref, recipient_id, address, channel HAVING count(*) > 1
            ) twice"""
        )
        twice = cursor.fetchone()[0]
    return sum(by_kind.values()), twice, by_kind


def baselines() -> tuple[float, float]:
    """The bare SQL of the sweep's work, on the same data, rolled back:

    * writes — ``INSERT … SELECT`` of the outbox rows the first sweep wrote into a copy of the outbox table (same
      columns, defaults and indexes, the unique dedupe key among them), and one ``UPDATE`` of the marks of the
      dossiers they are about;
    * reads — ``SELECT count(*)`` of the running dossiers due by the due-soon horizon (the candidates' index).
    """
    from django.db import connection, transaction

    from dossiers.services.reminders import RUNNING
    from dossiers.services.reminders import Sweep as Sweeper

    horizon = max(Sweeper(now=the_moment(), dry_run=True).horizons.values())
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # the sweeps' dirty pages are not this measurement's to write
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_outbox (LIKE notifications_notification INCLUDING DEFAULTS INCLUDING INDEXES)"
            )
            started = time.perf_counter()
            cursor.execute("INSERT INTO bench_outbox SELECT * FROM notifications_notification")
            cursor.execute(
                """UPDATE dossiers_dossier SET remind_due_soon_for = remind_due_soon_for,
                        remind_overdue_for = remind_overdue_for, remind_escalated_for = remind_escalated_for
                    WHERE id IN (SELECT DISTINCT dossier_id FROM notifications_notification)"""
            )
            writes = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT count(*) FROM dossiers_dossier WHERE state = ANY(%s) AND paused_at IS NULL "
            "AND COALESCE(extended_due_at, due_at) <= %s",
            [list(RUNNING), horizon],
        )
        cursor.fetchone()
        reads = time.perf_counter() - started
    return writes, reads


class _Rollback(Exception):
    pass


def measure(target: int, redis_url: str) -> Size:
    say(f"\n== {target:,} open dossiers ==")
    generated, seconds = load_to(target)
    handled = assign_handlers()
    now_open, total = open_count(), total_count()
    say(
        f"  database: {total:,} dossiers, {now_open:,} open ({now_open / total:.1%}); "
        f"{generated:,} generated now in {seconds:.1f} s; {handled:,} given a handler"
    )
    reset_marks()
    say("  marks cleared, outbox emptied, VACUUM ANALYZE done")

    first = timed_sweep(redis_url)
    rows_after_first, twice, by_kind = outbox_checks()
    say(
        f"  first sweep:  {first.scanned:>8,} dossiers read, {sum(first.created.values()):>8,} rows written in "
        f"{first.seconds:6.2f} s = {first.rate:8,.0f} dossiers/s; {first.queued_tasks:,} delivery tasks queued"
    )
    say(
        "                "
        + ", ".join(
            f"{kind} {n:,} rows / {first.reminded[kind]:,} dossiers" for kind, n in sorted(first.created.items())
        )
    )
    say(f"                time: {breakdown_line(first)}")
    second = timed_sweep(redis_url)
    rows_after_second, twice_after, _ = outbox_checks()
    say(
        f"  second sweep: {second.scanned:>8,} dossiers read, {sum(second.created.values()):>8,} rows written in "
        f"{second.seconds:6.2f} s = {second.rate:8,.0f} dossiers/s; {second.queued_tasks:,} delivery tasks queued"
    )
    say(f"                time: {breakdown_line(second)}")

    problems = []
    if sum(second.created.values()) or rows_after_second != rows_after_first or second.queued_tasks:
        problems.append(
            f"the second sweep wrote {sum(second.created.values())} rows (outbox {rows_after_first} → "
            f"{rows_after_second}), queued {second.queued_tasks} tasks"
        )
    if twice or twice_after:
        problems.append(f"{max(twice, twice_after)} notices are in the outbox more than once")
    if rows_after_first != sum(first.created.values()) or by_kind != first.created:
        problems.append(f"the outbox holds {dict(by_kind)}, the sweep reported {dict(first.created)}")
    expected = expected_reminders()
    if expected != first.reminded:
        problems.append(f"dossiers reminded {dict(first.reminded)}, expected {dict(expected)}")
    else:
        say(f"  checks: reminded = counted by SQL ({', '.join(f'{k} {n:,}' for k, n in sorted(expected.items()))})")

    write_base, read_base = baselines()
    say(
        f"  baselines: bare writes (INSERT … SELECT {rows_after_first:,} rows + UPDATE of their dossiers) "
        f"{write_base:.2f} s; bare read (count of the candidates' index range) {read_base * 1000:.0f} ms"
    )
    for problem in problems:
        say(f"  CHECK FAILED: {problem}")
    return Size(target, now_open, total, first, second, write_base, read_base, rows_after_first, problems)


# --- Report -------------------------------------------------------------------------------------------------


def report(sizes: list[Size]) -> None:
    say("\n== Summary ==")
    say(
        f"{'open':>9} {'total':>10} {'read':>8} {'rows':>8} {'1st s':>7} {'1st d/s':>8} {'open/s':>8} "
        f"{'× bare':>7} {'2nd s':>7} {'2nd read':>8} {'2nd d/s':>8}"
    )
    for s in sizes:
        say(
            f"{s.open:>9,} {s.total:>10,} {s.first.scanned:>8,} {s.outbox_rows:>8,} {s.first.seconds:>7.2f} "
            f"{s.first.rate:>8,.0f} {s.open / s.first.seconds:>8,.0f} {s.first.seconds / s.baseline_write:>7.1f} "
            f"{s.second.seconds:>7.2f} {s.second.scanned:>8,} {s.second.rate:>8,.0f}"
        )
    say(
        "  read: dossiers the sweep read; rows: outbox rows written; d/s: dossiers read per second; open/s: open "
        "dossiers per second of the first sweep;\n  × bare: first sweep ÷ the bare SQL of its writes (INSERT … "
        "SELECT of the same rows + one UPDATE of their dossiers)"
    )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = large.first.rate / small.first.rate
        per_open = (large.open / large.first.seconds) / (small.open / small.first.seconds)
        verdict = "linear or better" if ratio >= TARGET_SCALING else "WORSE than linear"
        say(
            f"scaling: first sweep dossiers/s at {large.open:,} open ÷ at {small.open:,} = {ratio:.2f} ({verdict}; "
            f"target ≥ {TARGET_SCALING}); open dossiers/s ratio {per_open:.2f}"
        )
    largest = sizes[-1]
    met_first = largest.first.seconds < TARGET_FIRST
    met_second = largest.second.seconds < TARGET_SECOND
    say(
        f"at {largest.open:,} open: first sweep {largest.first.seconds:.1f} s (target < {TARGET_FIRST:.0f} s: "
        f"{'met' if met_first else 'NOT met'}), second sweep {largest.second.seconds:.2f} s (target < "
        f"{TARGET_SECOND:.0f} s: {'met' if met_second else 'NOT met'}); the bare SQL of the first sweep's writes "
        f"{largest.baseline_write:.1f} s (sweep = {largest.first.seconds / largest.baseline_write:.1f} × bare), of "
        f"the second's read {largest.baseline_read * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in SIZES),
        help="open dossiers at each step, ascending (default 100000,250000,500000)",
    )
    parser.add_argument("--skip-setup", action="store_true", help="the database is prepared (migrate only)")
    parser.add_argument("--recreate", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--timeout", type=float, default=45, help="give up after so many minutes (default 45)")
    args = parser.parse_args()
    if not urllib.parse.urlsplit(args.database_url).scheme.startswith("postgres"):
        sys.exit("the benchmark runs against PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    sizes = [int(n) for n in args.sizes.split(",")]
    if sizes != sorted(sizes) or not all(1000 <= n <= 2_000_000 for n in sizes):
        sys.exit("--sizes: ascending, each between 1,000 and 2,000,000 open dossiers")

    def give_up(*_):
        raise SystemExit(f"gave up after {args.timeout:.0f} minutes (--timeout)")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(args.timeout * 60))

    env = bench_env(args.database_url, args.redis_url)
    started = time.monotonic()
    if not args.skip_setup:
        ensure_database(args.database_url, recreate=args.recreate)
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "load_communes")
        manage(env, "load_catalogue", "--no-progress")
    else:  # the code may have new migrations since the database was prepared
        manage(env, "migrate", "--no-input", "-v", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(args.redis_url)
    broker.flushdb()  # this benchmark's broker db: tasks an interrupted run left
    say(
        f"sweep settings: batch {settings.SWEEP_BATCH_SIZE}, due soon {dict(settings.REMINDER_DUE_SOON_HOURS)} h, "
        f"escalation {settings.REMINDER_ESCALATION_DAYS} working days, supplement {settings.REMINDER_SUPPLEMENT_DAYS}"
        f"; now = {the_moment().isoformat()}; data: {DAYS} days before it; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    staff = create_staff()
    say("staff: " + ", ".join(f"{role} {n}" for role, n in sorted(staff.items())))
    if open_count() > sizes[0] * 1.05:
        say(f"the database holds {open_count():,} open dossiers, more than {sizes[0]:,}: starting again from none")
        clear_dossiers()

    results: list[Size] = []
    try:
        for target in sizes:
            results.append(measure(target, args.redis_url))
    finally:
        signal.alarm(0)
        broker.flushdb()  # the delivery tasks no worker will ever take
        broker.close()
    report(results)
    say(f"\ntotal {time.monotonic() - started:.0f} s; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    problems = [problem for size in results for problem in size.problems]
    if problems:
        say(f"{len(problems)} check(s) failed")
        sys.exit(1)
    say("all checks passed")


if __name__ == "__main__":
    main()
