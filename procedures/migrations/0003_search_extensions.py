"""Catalogue search on PostgreSQL: the ``unaccent`` and ``pg_trgm`` extensions and a trigram index on the folded name.

Everything here is PostgreSQL-only and invisible to Django's model state, so ``makemigrations --check`` stays clean
and the embedded SQLite default migrates as before (the operations do nothing there).

* ``procedures_version_name_trgm``: GIN trigram index on ``name_folded`` — serves ``LIKE '%…%'`` and the
  word-similarity operator (``%>``) that ``procedures.search`` uses.
* ``procedures_version_unfolded``: a tiny partial index on the rows whose ``name_folded`` is still empty, so the
  ``unaccent(lower(name))`` fallback for such rows does not force a sequential scan.
"""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

INDEXES = [
    (
        "procedures_version_name_trgm",
        "CREATE INDEX IF NOT EXISTS procedures_version_name_trgm "
        "ON procedures_procedureversion USING gin (name_folded gin_trgm_ops)",
    ),
    (
        "procedures_version_unfolded",
        "CREATE INDEX IF NOT EXISTS procedures_version_unfolded "
        "ON procedures_procedureversion (id) WHERE name_folded = ''",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_default_working_sessions")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
