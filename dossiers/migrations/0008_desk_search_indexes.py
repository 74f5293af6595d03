"""The desk's search on PostgreSQL (issue 12): GIN trigram indexes on the applicant's folded name and on the dossier
code, so that ``LIKE '%…%'`` on either does not read every dossier of the province (the province office searches
all of them; a commune's clerk, only their centre's, which the other indexes already narrow).

PostgreSQL-only and invisible to Django's model state, like ``procedures/migrations/0003`` (whose ``pg_trgm`` they
use): ``makemigrations --check`` stays clean and the embedded SQLite default migrates as before. The bulk loader
drops and rebuilds them with the others (it reads the definitions from the catalogue).
"""

from django.db import migrations

INDEXES = [
    (
        "dossier_name_folded_trgm",
        "CREATE INDEX IF NOT EXISTS dossier_name_folded_trgm ON dossiers_dossier USING gin (applicant_name_folded gin_trgm_ops)",
    ),
    (
        "dossier_code_trgm",
        "CREATE INDEX IF NOT EXISTS dossier_code_trgm ON dossiers_dossier USING gin (upper(code) gin_trgm_ops)",
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
    dependencies = [("dossiers", "0007_desk_queue_columns"), ("procedures", "0003_search_extensions")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
