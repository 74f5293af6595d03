"""The province dashboard's aggregates (issue 13): counts of the dossiers received on a day (and in a month), by
processing unit, field, level and area (the former province), kept in step with the dossiers by
``stats.services.stats_refresh``.

A row holds what the dashboard and the Decision 766 panel need of the dossiers of its key — its *cohort*: how many
were received, by which channel, how many are still in progress or finished and how, early / on time / late, their
processing time (a sum and a histogram, for the average and the 90th percentile), fees, digitisation and ratings.
Nothing here is a source of truth: every row can be recomputed from the dossiers (``stats_rebuild``), and the
property test proves that the incremental refresh leaves exactly what a recomputation gives.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Upper bounds of the processing-time histogram, in working days (8 working hours each); the last bucket is open.
HISTOGRAM_DAYS = (0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 45, 60, 90)
HISTOGRAM = [f"h{i:02d}" for i in range(len(HISTOGRAM_DAYS) + 1)]

#: The counted measures, in order (the rows' columns besides the key).
MEASURES = [
    "received",
    "online",
    "direct",
    "post",
    "full_online",
    "in_progress",
    "finished",
    "resolved",
    "returned",
    "refused",
    "withdrawn",
    "stopped",
    "early",
    "on_time",
    "late",
    "supplemented",
    "processed",
    "processing_total",
    *HISTOGRAM,
    "fee_due",
    "paid",
    "online_paid",
    "digitised",
    "e_result",
    "rated",
    "satisfied",
    "not_satisfied",
    # Decision 766 (added later; see dossiers.selectors.cohort)
    "online_full",
    "digitised_result",
    "handled_well",
    # dossiers brought in from the old systems (issue 14)
    "transitional",
]


class Area(models.TextChoices):
    """The former province of the dossier: of its processing unit's commune, else of its reception centre."""

    PHU_THO = "phu_tho", _("Phú Thọ (cũ)")
    VINH_PHUC = "vinh_phuc", _("Vĩnh Phúc (cũ)")
    HOA_BINH = "hoa_binh", _("Hòa Bình (cũ)")


class MeasureColumns(models.Model):
    locals().update({name: models.BigIntegerField(default=0) for name in MEASURES})

    class Meta:
        abstract = True


class Measures(MeasureColumns):
    level = models.CharField(max_length=12)
    area = models.CharField(max_length=12, choices=Area.choices)

    class Meta:
        abstract = True


class Counts(Measures):
    processing_unit = models.ForeignKey("communes.ProcessingUnit", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("procedures.ProcedureField", on_delete=models.CASCADE, related_name="+")
    #: the dossiers of the row came from an old system (issue 14): the dashboard can show them apart or leave them out
    is_transitional = models.BooleanField(default=False)

    class Meta:
        abstract = True


class DailyCounts(Counts):
    """The dossiers received on ``day`` (local date), by unit, field, level and area."""

    day = models.DateField(db_index=True)

    class Meta:
        verbose_name = _("số liệu theo ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "processing_unit", "field", "level", "area", "is_transitional"], name="stats_daily_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.processing_unit_id} {self.field_id}"


class MonthlyCounts(Counts):
    """The sums of the daily rows of a month (``month``: its first day): a year is twelve of these per key."""

    month = models.DateField(db_index=True)

    class Meta:
        verbose_name = _("số liệu theo tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "processing_unit", "field", "level", "area", "is_transitional"],
                name="stats_monthly_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.processing_unit_id} {self.field_id}"


class DayTotals(Measures):
    """The province's totals of a day by level and area only (the sums of that day's daily rows): what the dashboard
    reads when no unit and no field is chosen — a year is at most 2,200 of these."""

    day = models.DateField(db_index=True)

    class Meta:
        verbose_name = _("số liệu toàn tỉnh theo ngày")
        constraints = [models.UniqueConstraint(fields=["day", "level", "area"], name="stats_day_totals_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.level} {self.area}"


class UnitDay(MeasureColumns):
    """The sums of a day's daily rows per processing unit (every field, level and area): what a breakdown by unit or
    commune, a unit's summary and the rankings read when no field, level or area is chosen."""

    day = models.DateField(db_index=True)
    processing_unit = models.ForeignKey("communes.ProcessingUnit", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("số liệu theo đơn vị và ngày")
        constraints = [models.UniqueConstraint(fields=["day", "processing_unit"], name="stats_unit_day_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.processing_unit_id}"


class UnitMonth(MeasureColumns):
    month = models.DateField(db_index=True)
    processing_unit = models.ForeignKey("communes.ProcessingUnit", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("số liệu theo đơn vị và tháng")
        constraints = [models.UniqueConstraint(fields=["month", "processing_unit"], name="stats_unit_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.processing_unit_id}"


class FieldDay(MeasureColumns):
    """The sums of a day's daily rows per field (every unit, level and area): a breakdown by field, a portfolio's
    summary."""

    day = models.DateField(db_index=True)
    field = models.ForeignKey("procedures.ProcedureField", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("số liệu theo lĩnh vực và ngày")
        constraints = [models.UniqueConstraint(fields=["day", "field"], name="stats_field_day_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.field_id}"


class FieldMonth(MeasureColumns):
    month = models.DateField(db_index=True)
    field = models.ForeignKey("procedures.ProcedureField", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("số liệu theo lĩnh vực và tháng")
        constraints = [models.UniqueConstraint(fields=["month", "field"], name="stats_field_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.field_id}"


class Refresh(models.Model):
    """The refresh's mark (one row): the aggregates hold every dossier change made before ``as_of``."""

    as_of = models.DateTimeField(_("số liệu tính đến"))
    rebuilt_at = models.DateTimeField(_("dựng lại toàn bộ lúc"), null=True, blank=True)
    rebuild_seconds = models.FloatField(_("thời gian dựng lại (giây)"), null=True, blank=True)

    class Meta:
        verbose_name = _("mốc cập nhật số liệu")
        verbose_name_plural = _("mốc cập nhật số liệu")

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d %H:%M:%S}"


class Portfolio(models.Model):
    """A leader's portfolio (each vice-chair follows some fields, some units): their dashboard opens filtered to it.
    Empty sets mean "every" (a portfolio of fields only, or of units only)."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="portfolio")
    fields = models.ManyToManyField("procedures.ProcedureField", blank=True, related_name="+")
    units = models.ManyToManyField("communes.ProcessingUnit", blank=True, related_name="+")

    class Meta:
        verbose_name = _("phạm vi theo dõi")
        verbose_name_plural = _("phạm vi theo dõi")

    def __str__(self) -> str:
        return str(self.user)


class ProcedureSets(models.Model):
    """Which procedures had, among a unit's dossiers received on a day (or in a month), one with a fee and one paid
    online — as bitmaps (bit *n*: the procedure with primary key *n*), so that "procedures with at least one …" over
    any period and any set of units is an OR of a few rows (Decision 766, 3.5a and 3.5b)."""

    processing_unit = models.ForeignKey("communes.ProcessingUnit", on_delete=models.CASCADE, related_name="+")
    with_fee = models.BinaryField(default=b"")
    paid_online = models.BinaryField(default=b"")

    class Meta:
        abstract = True


class DailyProcedureSets(ProcedureSets):
    day = models.DateField(db_index=True)

    class Meta:
        verbose_name = _("thủ tục có hồ sơ theo ngày")
        constraints = [models.UniqueConstraint(fields=["day", "processing_unit"], name="stats_daily_sets_key")]

    def __str__(self) -> str:
        return f"{self.day} {self.processing_unit_id}"


class MonthlyProcedureSets(ProcedureSets):
    month = models.DateField(db_index=True)

    class Meta:
        verbose_name = _("thủ tục có hồ sơ theo tháng")
        constraints = [models.UniqueConstraint(fields=["month", "processing_unit"], name="stats_monthly_sets_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.processing_unit_id}"
