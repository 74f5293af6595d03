"""The staff desk's queues and search (issue 12): the applicant's name folded for a search with or without
diacritics, and the moment the last supplement arrived ("supplement returned by the citizen").

Existing rows are filled in: the folded name by ``portal.common.text.fold`` (in batches), ``supplemented_at`` from
each dossier's last ``supplement`` audit event.
"""

from django.db import migrations, models
from django.db.models import Max, OuterRef, Subquery

BATCH = 2000


def fill(apps, schema_editor):
    from portal.common.text import fold

    Dossier = apps.get_model("dossiers", "Dossier")
    AuditEvent = apps.get_model("dossiers", "AuditEvent")
    last_id = 0
    while True:
        rows = list(Dossier.objects.filter(pk__gt=last_id).order_by("pk").only("pk", "applicant_name")[:BATCH])
        if not rows:
            break
        for row in rows:
            row.applicant_name_folded = fold(row.applicant_name)[:200]
        Dossier.objects.bulk_update(rows, ["applicant_name_folded"])
        last_id = rows[-1].pk
    supplemented = (
        AuditEvent.objects.filter(dossier=OuterRef("pk"), action="supplement")
        .values("dossier")
        .annotate(last=Max("at"))
        .values("last")
    )
    Dossier.objects.filter(supplement_count__gt=0).update(supplemented_at=Subquery(supplemented))


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0006_dossier_return_method")]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="applicant_name_folded",
            field=models.CharField(blank=True, default="", editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="dossier",
            name="supplemented_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="bổ sung lúc"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
