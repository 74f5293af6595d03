import datetime

from django.db import migrations

# DOMAIN.md §4: the OpenCPS model, two sessions a day (configurable afterwards in the admin).
DEFAULT_SESSIONS = [(datetime.time(7, 0), datetime.time(11, 30)), (datetime.time(13, 30), datetime.time(17, 0))]


def create_sessions(apps, schema_editor):
    WorkingSession = apps.get_model("procedures", "WorkingSession")
    if not WorkingSession.objects.exists():
        for start, end in DEFAULT_SESSIONS:
            WorkingSession.objects.create(start=start, end=end)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(create_sessions, migrations.RunPython.noop)]
