"""Writing new rows with PostgreSQL's ``COPY … FROM STDIN`` (the import's first pass: ~100,000 dossiers, their records
and events). Ids are drawn from the table's sequence first (``nextval``, no lock: receptions go on meanwhile), so the
rows can point at each other; each value is written in COPY's text format straight from the model instance, without
Django's per-value preparation. Elsewhere (SQLite) ``bulk_create``."""

from __future__ import annotations

import datetime
import decimal
import io
import json

from django.db import connection
from django.utils import timezone

BATCH = 1000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    raise TypeError(f"no COPY text for {type(value).__name__}")


def insert(model, objects: list) -> None:
    """Insert ``objects`` (new instances of ``model``); their ``pk`` is set."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    table = model._meta.db_table
    fields = list(model._meta.concrete_fields)
    stamps = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(objects)],
        )
        for item, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            item.pk = pk
        buffer = io.StringIO()
        for item in objects:
            for name in stamps:
                if getattr(item, name) is None or name == "updated_at":
                    setattr(item, name, now)
            buffer.write("\t".join(_text(getattr(item, f.attname)) for f in fields))
            buffer.write("\n")
            item._state.adding = False
            item._state.db = connection.alias
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        cursor.cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN", buffer)
