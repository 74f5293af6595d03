"""On PostgreSQL, every statement that writes a reference table stamps it in ``portal_referenceversion`` with a new
number from a sequence (never reused, even by a write that is rolled back).

The per-process reference caches (``portal.common.refcache``) compare these stamps to know when to drop what they
keep. A test checks that every table a cache depends on carries the trigger.
"""

from django.db import migrations

TABLES = [
    "communes_commune",
    "communes_servicecentre",
    "communes_processingunit",
    "procedures_procedure",
    "procedures_procedurefield",
    "procedures_procedureversion",
    "procedures_component",
    "accounts_membership",
]

FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS portal_reference_stamp;
CREATE OR REPLACE FUNCTION portal_reference_written() RETURNS trigger AS $$
BEGIN
    INSERT INTO portal_referenceversion ("table", stamp) VALUES (TG_TABLE_NAME, nextval('portal_reference_stamp'))
    ON CONFLICT ("table") DO UPDATE SET stamp = EXCLUDED.stamp;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER portal_reference_written
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION portal_reference_written();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=schema_editor.quote_name(table)), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS portal_reference_written ON {schema_editor.quote_name(table)}", params=None
        )
    schema_editor.execute("DROP FUNCTION IF EXISTS portal_reference_written()", params=None)
    schema_editor.execute("DROP SEQUENCE IF EXISTS portal_reference_stamp", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_reference_versions"),
        ("accounts", "0002_membership"),
        ("communes", "0001_initial"),
        ("procedures", "0003_search_extensions"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
