"""On PostgreSQL a trigger refuses UPDATE and DELETE on audit events, whatever the client (the model refuses too)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dossiers_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dossiers_auditevent_append_only
    BEFORE UPDATE OR DELETE ON dossiers_auditevent
    FOR EACH ROW EXECUTE FUNCTION dossiers_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS dossiers_auditevent_append_only ON dossiers_auditevent;
DROP FUNCTION IF EXISTS dossiers_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
