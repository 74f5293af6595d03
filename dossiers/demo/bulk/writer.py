"""Bulk writes: ``COPY`` on PostgreSQL (fed by a generating thread), ``executemany`` elsewhere."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import date

from django.db import connection, models
from django.utils.dateparse import parse_datetime

from dossiers.demo.bulk.rows import EVENT_COLUMNS, NULL, PAUSE_COLUMNS, WRITTEN, Chunk
from dossiers.models import AuditEvent, DailySequence, Dossier, Pause


class Writer:
    """Bulk writes on the current connection: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.dossiers = Dossier._meta.db_table
        self.events = AuditEvent._meta.db_table
        self.pauses = Pause._meta.db_table
        self.sequences = DailySequence._meta.db_table
        self.converters = {}
        for model, columns in ((Dossier, WRITTEN), (AuditEvent, EVENT_COLUMNS), (Pause, PAUSE_COLUMNS)):
            by_column = {f.column: f for f in model._meta.concrete_fields}
            self.converters[model._meta.db_table] = [_converter(by_column[column]) for column in columns]

    def reserve_ids(self, cursor, n: int) -> int:
        """The first of ``n`` fresh dossier ids (the table is locked against other writers until commit)."""
        table = self.dossiers
        if self.postgres:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(
                f"SELECT GREATEST(nextval(pg_get_serial_sequence('{table}', 'id')), "  # noqa: S608 (our table)
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}))"
            )
            first = cursor.fetchone()[0]
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + n - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 (our table)
        return cursor.fetchone()[0]

    def write(self, cursor, table: str, columns: list[str], lines: list[str]) -> None:
        if not lines:
            return
        if self.postgres:
            raw = cursor.cursor
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, io.StringIO("".join(lines)))
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write("".join(lines))
            return
        converters = self.converters[table]
        rows = [
            [convert(value) for convert, value in zip(converters, line[:-1].split("\t"), strict=True)] for line in lines
        ]
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 (our table)
        cursor.executemany(sql, rows)

    def sequences_upsert(self, cursor, lasts: dict[tuple[int, date], int]) -> None:
        if not lasts:
            return
        table = self.sequences
        keys = sorted(lasts)
        if self.postgres:
            cursor.execute(
                f"INSERT INTO {table} (centre_id, day, last) "  # noqa: S608 (our table)
                "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
                f"ON CONFLICT (centre_id, day) DO UPDATE SET last = GREATEST({table}.last, EXCLUDED.last)",
                [[k[0] for k in keys], [k[1] for k in keys], [lasts[k] for k in keys]],
            )
            return
        cursor.executemany(
            f"INSERT INTO {table} (centre_id, day, last) VALUES (%s, %s, %s) "  # noqa: S608 (our table)
            f"ON CONFLICT (centre_id, day) DO UPDATE SET last = max({table}.last, excluded.last)",
            [(centre, day.isoformat(), lasts[(centre, day)]) for centre, day in keys],
        )

    # PostgreSQL only: drop what a bulk load maintains row by row, rebuild it in one pass at the end.

    def drop_secondary(self, cursor) -> list[str]:
        """Drop the secondary indexes, unique and foreign-key constraints of the dossier and audit tables.

        Returns the statements that rebuild them (indexes first, then constraints, which validate in one pass).
        """
        tables = [self.dossiers, self.events]
        # Deferred checks already queued in this transaction must run first: a table with pending trigger events
        # cannot be altered. Then back to the constraints' own (deferred) timing.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
              FROM pg_constraint c
             WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
             ORDER BY c.contype DESC, c.conname
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
             WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition, _kind in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        rebuild = [definition for _name, definition in indexes]
        rebuild += [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition, _ in constraints
        ]
        return rebuild


def _converter(model_field) -> Callable[[str], object]:
    """COPY text → a value for ``executemany`` (SQLite)."""
    if isinstance(model_field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: None if value == NULL else adapt(parse_datetime(value))
    if isinstance(model_field, models.BooleanField):
        return lambda value: value == "t"
    if isinstance(model_field, models.IntegerField | models.ForeignKey | models.AutoField):
        return lambda value: None if value == NULL else int(value)
    return lambda value: None if value == NULL else value


def threaded(chunks: Iterator[Chunk], depth: int = 3) -> Iterator[Chunk]:
    """Generate the next days in a thread while the database takes this one (COPY releases the GIL)."""
    pipe: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce():
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        pipe.put(chunk, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # re-raised in the consuming thread
            failure.append(exc)
        finally:
            pipe.put(done)

    worker = threading.Thread(target=produce, name="seed-demo-generator", daemon=True)
    worker.start()
    try:
        while True:
            item = pipe.get()
            if item is done:
                break
            yield item
        if failure:
            raise failure[0]
    finally:
        stop.set()
        worker.join(timeout=5)
