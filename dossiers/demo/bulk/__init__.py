"""Benchmark data, not a demo: any number of dossiers, fast — ``manage.py seed_demo --dossiers 2000000``.

Measuring the portal at the province's scale needs millions of realistic rows; playing them through the services
(as ``dossiers.demo.seed`` does for the demo's few hundred) would take hours. Rows are generated in Python and
written in bulk — PostgreSQL ``COPY … FROM STDIN`` fed by a generating thread (SQLite: ``executemany``) — in one
transaction, in reception order. They are consistent with the model and the workflow:

* every centre (the 148 commune centres, the provincial centre and its three branches) receives, over the last
  ``days`` days, commune-level procedures of its own commune (and, now and then, of another one: reception is
  non-geographic) and provincial procedures of their department; each row carries the facts the indicators read;
* codes are ``{agency}-{yymmdd}-{nnnn}``, gap-free per centre and day in reception order, continuing the numbers
  already issued, and ``DailySequence`` is brought up to date (one upsert per centre and day);
* received / due / finished moments follow the working calendar in force: every working-time computation is the
  calendar's (``procedures.calendar.working_calendar()``) through ``dossiers.deadlines`` — the appointment, the time
  left at a supplement pause and the due moment after it, early / on time / late (more than one supplement request
  is late) — so the rows agree with what the services would have computed (the tests check a sample);
* state, national status code and the moments agree: an unfinished dossier is in the state the anchor finds it in
  (received, transferred, processing, paused for a supplement, waiting for fees, asking to withdraw), a finished one
  refused, withdrawn, stopped, decided or returned (and perhaps rated).

What bulk rows do not have (on purpose): one audit event per dossier — its last transition — instead of the whole
history; no control-slip rows, documents or paper components; an open ``Pause`` only for dossiers paused now; no
account behind online filings (``filed_by`` empty) and no assigned handler. The indicators read the dossier row
itself, so the rest would only slow the load down.

Speed: for a large load on PostgreSQL (at least :data:`REBUILD_THRESHOLD` rows, and more than the table holds) the
secondary indexes, unique and foreign-key constraints of the dossier and audit tables are dropped inside the
transaction and rebuilt at its end — what ``pg_restore`` does. DDL is transactional: if anything fails, the rollback
leaves the tables, indexes and constraints exactly as they were.
"""

from __future__ import annotations

import time as wallclock
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from communes.models import ReferenceDataLoad
from dossiers.demo.bulk.rows import DOSSIER_COLUMNS, EVENT_COLUMNS, PAUSE_COLUMNS, WRITTEN, Chunk, Generator
from dossiers.demo.bulk.writer import Writer, threaded
from dossiers.models import DailySequence
from procedures.models import ProcedureVersion

__all__ = ["BulkResult", "bulk_marker", "demo_bulk"]

#: Below this many rows (or when the table already holds more) indexes are kept and maintained row by row.
REBUILD_THRESHOLD = 100_000
MARKER_PREFIX = "demo-bulk:"


@dataclass
class BulkResult:
    count: int
    seed: int
    days: int = 0
    centres: int = 0
    events: int = 0
    pauses: int = 0
    skipped: bool = False
    marker: str = ""
    seconds: float = 0.0
    rebuilt_indexes: int = 0
    rebuild_seconds: float = 0.0
    states: dict = field(default_factory=dict)
    first_id: int = 0


def _quotas(count: int, days: int) -> list[int]:
    base, extra = divmod(count, days)
    return [base + (1 if index < extra else 0) for index in range(days)]


def bulk_marker(seed: int, count: int) -> str:
    return f"{MARKER_PREFIX}seed={seed}:n={count}"


def demo_bulk(
    *,
    count: int,
    seed: int = 2026,
    anchor_day: date | None = None,
    days: int = 365,
    progress: Callable[..., Iterable] | None = None,
    rebuild_indexes: bool | None = None,
) -> BulkResult:
    """Write ``count`` more dossiers received over the ``days`` days before ``anchor_day`` (today).

    Idempotent per (seed, count): a second identical run finds its marker and returns. ``rebuild_indexes`` forces
    (or forbids) the drop-and-rebuild of indexes on PostgreSQL; by default it is done for large loads.
    """
    started = wallclock.monotonic()
    if set(WRITTEN) != set(DOSSIER_COLUMNS):
        raise RuntimeError(f"dossiers.demo.bulk is out of date with Dossier: {set(WRITTEN) ^ set(DOSSIER_COLUMNS)}")
    result = BulkResult(count=count, seed=seed, days=days)
    marker = bulk_marker(seed, count)
    if ReferenceDataLoad.objects.filter(name=marker).exists():
        result.skipped, result.marker = True, marker
        result.seconds = wallclock.monotonic() - started
        return result
    anchor_day = anchor_day or timezone.localdate()
    # not before the catalogue (the merged province's procedures are in force from 1 July 2025)
    since = (
        ProcedureVersion.objects.filter(is_applied=True)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
    )
    first_day = max(anchor_day - timedelta(days=days), since.first() or anchor_day)
    result.days = (anchor_day - first_day).days
    generator = Generator(seed=seed, anchor_day=anchor_day, first_day=first_day)
    reception_days = generator.days
    if not reception_days:
        raise ValueError("seed_demo --dossiers: no working day in the window")
    filed_only = count // 300
    quotas = _quotas(count - filed_only, len(reception_days))
    result.centres = len(generator.centres.items)
    issued: dict[tuple[int, date], int] = {
        (centre, day): last
        for centre, day, last in DailySequence.objects.filter(day__gte=first_day, day__lt=anchor_day).values_list(
            "centre_id", "day", "last"
        )
    }
    writer = Writer()
    states: Counter = Counter()
    with transaction.atomic(), connection.cursor() as cursor:
        first_id = writer.reserve_ids(cursor, count)
        result.first_id = first_id
        rebuild: list[str] = []
        if writer.postgres:
            if rebuild_indexes is None:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [writer.dossiers])
                rebuild_indexes = count >= REBUILD_THRESHOLD and count > cursor.fetchone()[0]
            if rebuild_indexes:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                rebuild = writer.drop_secondary(cursor)

        def chunks() -> Iterator[Chunk]:
            next_id = first_id
            last = reception_days[-1]
            for day, quota in zip(reception_days, quotas, strict=True):
                extra = filed_only if day == last else 0
                chunk = generator.chunk(day, quota, extra, next_id, issued)
                next_id += quota + extra
                yield chunk

        stream = threaded(chunks()) if writer.postgres else chunks()
        for chunk in progress(stream, total=len(reception_days)) if progress else stream:
            writer.write(cursor, writer.dossiers, WRITTEN, chunk.dossiers)
            writer.write(cursor, writer.events, EVENT_COLUMNS, chunk.events)
            writer.write(cursor, writer.pauses, PAUSE_COLUMNS, chunk.pauses)
            writer.sequences_upsert(cursor, chunk.lasts)
            states.update(chunk.states)
            result.events += len(chunk.events)
            result.pauses += len(chunk.pauses)
        rebuilding = wallclock.monotonic()
        for statement in rebuild:
            cursor.execute(statement)
        result.rebuilt_indexes = len(rebuild)
        result.rebuild_seconds = wallclock.monotonic() - rebuilding
        ReferenceDataLoad.objects.update_or_create(
            name=marker,
            defaults={
                "source_version": f"seed={seed};n={count};days={days}",
                "summary": {
                    "anchor": anchor_day.isoformat(),
                    "first_id": first_id,
                    "states": dict(sorted(states.items())),
                },
            },
        )
    if writer.postgres and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {writer.dossiers}, {writer.events}, {writer.pauses}, {writer.sequences}")
    result.states = dict(sorted(states.items()))
    result.seconds = wallclock.monotonic() - started
    return result
