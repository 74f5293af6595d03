"""How long each finished dossier was processed, in working time with the supplement pauses taken out
(``dossiers.deadlines.processing_time``): national indicator 2.2 and the province dashboard's average and 90th
percentile processing time read it from the row instead of replaying every dossier's history.

Existing finished dossiers are filled in from their reception and finish moments and their pauses, on the working
calendar (the procedures' working sessions and the holidays, as the services compute it).
"""

from django.db import migrations, models

BATCH = 1000


def fill(apps, schema_editor):
    from dossiers import deadlines
    from procedures.calendar import working_calendar

    Dossier = apps.get_model("dossiers", "Dossier")
    Pause = apps.get_model("dossiers", "Pause")
    finished = Dossier.objects.filter(finished_at__isnull=False, received_at__isnull=False).order_by("pk")
    if not finished.exists():
        return
    calendar = working_calendar()
    last_id = 0
    while True:
        rows = list(finished.filter(pk__gt=last_id).only("pk", "received_at", "finished_at")[:BATCH])
        if not rows:
            break
        pauses: dict[int, list] = {}
        for dossier_id, started, ended in Pause.objects.filter(dossier__in=rows).values_list(
            "dossier_id", "started_at", "ended_at"
        ):
            pauses.setdefault(dossier_id, []).append((started, ended))
        for row in rows:
            spent = deadlines.processing_time(calendar, row.received_at, row.finished_at, pauses.get(row.pk, []))
            row.processing_seconds = int(spent.total_seconds())
        Dossier.objects.bulk_update(rows, ["processing_seconds"])
        last_id = rows[-1].pk


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0008_desk_search_indexes"), ("procedures", "0003_search_extensions")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="processing_seconds",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="thời gian giải quyết (giây làm việc)"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
