"""Keeping the dashboard's aggregates in step with the dossiers.

* :func:`stats_refresh` — incremental, every ``STATS_REFRESH_SECONDS`` (Celery beat; default 30 s): the keys of
  the dossiers changed since the last refresh (``updated_at``, less a margin for transactions that committed late)
  are recomputed from the dossiers themselves — their daily rows, then the monthly rows they add up to — in one
  transaction; the refresh's mark (``Refresh.as_of``: the moment the run started) is what the dashboard shows as
  "số liệu tính đến". A step, an upload or a rating touches ``Dossier.updated_at``; nothing else is needed.
* :func:`stats_rebuild` — from scratch (``manage.py stats_rebuild``): every row recomputed.

Recomputing a key rather than adding deltas makes every refresh idempotent and self-healing: running it twice, or
over a key that did not change, gives the same rows; the property test (``stats/tests/test_refresh.py``) checks the
rows against a recomputation after random sequences of filings and steps.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dossiers.models import Dossier
from dossiers.selectors.cohort import COHORT_MOMENT, IN_COHORT, measure_condition
from stats.models import (
    HISTOGRAM,
    HISTOGRAM_DAYS,
    MEASURES,
    DailyCounts,
    DailyProcedureSets,
    DayTotals,
    FieldDay,
    FieldMonth,
    MonthlyCounts,
    MonthlyProcedureSets,
    Refresh,
    UnitDay,
    UnitMonth,
)

logger = logging.getLogger(__name__)

DAY_SECONDS = 8 * 3600  # a working day of the histogram (DOMAIN.md §4: 8 working hours)
BATCH = 5000
KEY = ("processing_unit_id", "field_id", "level", "area", "is_transitional")


def _area() -> Coalesce:
    """The former province: of the processing unit's commune, else of the reception centre."""
    return Coalesce(
        F("processing_unit__commune__former_province"),
        F("reception_centre__former_province"),
        Value(""),
    )


def _count(condition: Q) -> Count:
    return Count("id", filter=condition)


def _histogram() -> dict:
    bounds = [0, *(int(days * DAY_SECONDS) for days in HISTOGRAM_DAYS)]
    measures = {}
    for i, name in enumerate(HISTOGRAM):
        condition = Q(processing_seconds__isnull=False, processing_seconds__gte=bounds[i] if i else -1)
        if i < len(HISTOGRAM_DAYS):
            condition &= Q(processing_seconds__lt=bounds[i + 1])
        measures[name] = _count(measure_condition("received") & condition)
    return measures


def measure_expressions() -> dict:
    """Each measure of a key's cohort as an aggregate over its dossiers (the one definition the refresh, the rebuild
    and the tests share; the counted ones are ``dossiers.selectors.cohort``'s conditions, which the desk's dossier
    list filters by too)."""
    histogram = _histogram()
    expressions = {}
    for name in MEASURES:
        if name == "processing_total":  # working seconds, summed
            expressions[name] = Coalesce(Sum("processing_seconds", filter=measure_condition("received")), Value(0))
        elif name in histogram:
            expressions[name] = histogram[name]
        else:
            expressions[name] = _count(measure_condition(name))
    return expressions


def _grouped(dossiers):
    return (
        dossiers.filter(IN_COHORT)
        .annotate(
            day=TruncDate(COHORT_MOMENT),
            area=_area(),
            is_transitional=ExpressionWrapper(~Q(legacy_code=""), output_field=BooleanField()),
        )
        .values("day", *KEY)
        .annotate(**measure_expressions())
        .order_by()
    )


def daily_rows(dossiers) -> list[DailyCounts]:
    """The daily rows of the dossiers of ``dossiers`` (a queryset) received or refused, grouped by day and key."""
    return [DailyCounts(**row) for row in _grouped(dossiers)]


def to_bitmap(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "little")


def from_bitmap(data) -> int:
    return int.from_bytes(bytes(data), "little")


def procedure_sets(dossiers) -> list[DailyProcedureSets]:
    """Per day and unit, the procedures with a received dossier carrying a fee, and with one paid online."""
    pairs = (
        dossiers.filter(measure_condition("received"))
        .filter(Q(fee_vnd__gt=0) | Q(paid_online=True))
        .annotate(day=TruncDate(COHORT_MOMENT))
        .values("day", "processing_unit_id", "procedure_id")
        .annotate(fee=Count("id", filter=Q(fee_vnd__gt=0)), paid=Count("id", filter=Q(paid_online=True)))
        .order_by()
    )
    bits: dict = defaultdict(lambda: [0, 0])
    for row in pairs.iterator(chunk_size=20_000):
        target = bits[(row["day"], row["processing_unit_id"])]
        if row["fee"]:
            target[0] |= 1 << row["procedure_id"]
        if row["paid"]:
            target[1] |= 1 << row["procedure_id"]
    return [
        DailyProcedureSets(day=day, processing_unit_id=unit, with_fee=to_bitmap(fee), paid_online=to_bitmap(paid))
        for (day, unit), (fee, paid) in bits.items()
    ]


def _replace_month_sets(month: date, units: Iterable[int] | None) -> None:
    """The monthly procedure sets of ``month`` (for ``units``, or all) as the unions of its daily ones."""
    following = (month + timedelta(days=32)).replace(day=1)
    daily = DailyProcedureSets.objects.filter(day__gte=month, day__lt=following)
    monthly = MonthlyProcedureSets.objects.filter(month=month)
    if units is not None:
        daily = daily.filter(processing_unit_id__in=units)
        monthly = monthly.filter(processing_unit_id__in=units)
    monthly.delete()
    union: dict = defaultdict(lambda: [0, 0])
    for unit, fee, paid in daily.values_list("processing_unit_id", "with_fee", "paid_online"):
        union[unit][0] |= from_bitmap(fee)
        union[unit][1] |= from_bitmap(paid)
    MonthlyProcedureSets.objects.bulk_create(
        [
            MonthlyProcedureSets(
                month=month, processing_unit_id=unit, with_fee=to_bitmap(fee), paid_online=to_bitmap(paid)
            )
            for unit, (fee, paid) in union.items()
        ],
        batch_size=1000,
    )


def _month(day: date) -> date:
    return day.replace(day=1)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    return start, start + timedelta(days=1)


@transaction.atomic
def _replace_days(units_by_day: dict[date, set[int]]) -> int:
    """Recompute the daily rows of these (day, processing unit) pairs, then the monthly rows of their months."""
    written = 0
    months: dict[date, set[int]] = defaultdict(set)
    for day, units in units_by_day.items():
        start, end = _day_bounds(day)
        DailyCounts.objects.filter(day=day, processing_unit_id__in=units).delete()
        DailyProcedureSets.objects.filter(day=day, processing_unit_id__in=units).delete()
        dossiers = Dossier.objects.annotate(moment=COHORT_MOMENT).filter(
            moment__gte=start, moment__lt=end, processing_unit_id__in=units
        )
        rows = daily_rows(dossiers)
        DailyCounts.objects.bulk_create(rows, batch_size=1000)
        DailyProcedureSets.objects.bulk_create(procedure_sets(dossiers), batch_size=1000)
        written += len(rows)
        months[_month(day)] |= units
        _replace_day_totals(day)
        _replace_rollups(day, units)
    for month, units in months.items():
        _replace_month(month, units)
        _replace_month_sets(month, units)
        _replace_month_rollups(month, units)
    return written


def _replace_month(month: date, units: Iterable[int] | None) -> None:
    """The monthly rows of ``month`` (for ``units``, or all) as the sums of its daily rows."""
    following = (month + timedelta(days=32)).replace(day=1)
    daily = DailyCounts.objects.filter(day__gte=month, day__lt=following)
    monthly = MonthlyCounts.objects.filter(month=month)
    if units is not None:
        daily = daily.filter(processing_unit_id__in=units)
        monthly = monthly.filter(processing_unit_id__in=units)
    monthly.delete()
    sums = daily.values(*KEY).annotate(**{name: Sum(name) for name in MEASURES}).order_by()
    MonthlyCounts.objects.bulk_create([MonthlyCounts(month=month, **row) for row in sums], batch_size=1000)


def _replace_day_totals(day: date) -> None:
    """The province's totals of ``day`` by level and area, as the sums of its daily rows."""
    DayTotals.objects.filter(day=day).delete()
    sums = DailyCounts.objects.filter(day=day).values("level", "area").annotate(**{n: Sum(n) for n in MEASURES})
    DayTotals.objects.bulk_create([DayTotals(day=day, **row) for row in sums.order_by()])


def _sums() -> dict:
    return {name: Sum(name) for name in MEASURES}


def _replace_rollups(day: date | None, units: Iterable[int] | None) -> None:
    """The per-unit sums of ``day``'s daily rows (for ``units``, or all) and its per-field sums (``day=None``: every
    day, from scratch)."""
    daily, unit_days, field_days = DailyCounts.objects.all(), UnitDay.objects.all(), FieldDay.objects.all()
    if day is not None:
        daily, unit_days, field_days = daily.filter(day=day), unit_days.filter(day=day), field_days.filter(day=day)
    by_unit = daily
    if units is not None:
        by_unit = daily.filter(processing_unit_id__in=units)
        unit_days = unit_days.filter(processing_unit_id__in=units)
    unit_days.delete()
    field_days.delete()
    rows = by_unit.values("day", "processing_unit_id").annotate(**_sums()).order_by()
    UnitDay.objects.bulk_create([UnitDay(**row) for row in rows], batch_size=BATCH)
    rows = daily.values("day", "field_id").annotate(**_sums()).order_by()
    FieldDay.objects.bulk_create([FieldDay(**row) for row in rows], batch_size=BATCH)


def _replace_month_rollups(month: date, units: Iterable[int] | None) -> None:
    following = (month + timedelta(days=32)).replace(day=1)
    unit_days = UnitDay.objects.filter(day__gte=month, day__lt=following)
    unit_months = UnitMonth.objects.filter(month=month)
    if units is not None:
        unit_days = unit_days.filter(processing_unit_id__in=units)
        unit_months = unit_months.filter(processing_unit_id__in=units)
    unit_months.delete()
    rows = unit_days.values("processing_unit_id").annotate(**_sums()).order_by()
    UnitMonth.objects.bulk_create([UnitMonth(month=month, **row) for row in rows], batch_size=BATCH)
    FieldMonth.objects.filter(month=month).delete()
    rows = FieldDay.objects.filter(day__gte=month, day__lt=following).values("field_id").annotate(**_sums())
    FieldMonth.objects.bulk_create([FieldMonth(month=month, **row) for row in rows.order_by()], batch_size=BATCH)


def _mark() -> Refresh:
    mark = Refresh.objects.select_for_update().first()
    return mark if mark is not None else Refresh.objects.create(as_of=datetime(2000, 1, 1, tzinfo=UTC))


def stats_refresh(*, now: datetime | None = None) -> dict:
    """Recompute the keys of the dossiers changed since the last refresh (less ``STATS_REFRESH_MARGIN_SECONDS``:
    a transaction that began before the last run and committed after it is caught by the next). Two refreshes at
    once take turns on the mark's row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        mark = _mark()
        since = mark.as_of - timedelta(seconds=settings.STATS_REFRESH_MARGIN_SECONDS)
        changed = (
            Dossier.objects.filter(IN_COHORT, updated_at__gte=since)
            .annotate(day=TruncDate(COHORT_MOMENT))
            .values_list("day", "processing_unit_id")
            .distinct()
        )
        units_by_day: dict[date, set[int]] = defaultdict(set)
        for day, unit in changed:
            units_by_day[day].add(unit)
        written = _replace_days(units_by_day) if units_by_day else 0
        mark.as_of = now
        mark.save(update_fields=["as_of"])
    return {"days": len(units_by_day), "keys": sum(len(units) for units in units_by_day.values()), "rows": written}


def stats_rebuild(*, now: datetime | None = None) -> dict:
    """Every row from scratch, in one transaction (the dashboard reads the old rows until it commits)."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        mark = _mark()
        DailyCounts.objects.all().delete()
        MonthlyCounts.objects.all().delete()
        DayTotals.objects.all().delete()
        DailyProcedureSets.objects.all().delete()
        MonthlyProcedureSets.objects.all().delete()
        UnitMonth.objects.all().delete()
        FieldMonth.objects.all().delete()
        written, months = 0, set()
        grouped = _grouped(Dossier.objects.all()).iterator(chunk_size=BATCH)
        while batch := [DailyCounts(**row) for row in islice(grouped, BATCH)]:  # streamed: memory stays flat
            DailyCounts.objects.bulk_create(batch, batch_size=BATCH)
            written += len(batch)
            months.update(_month(row.day) for row in batch)
        DailyProcedureSets.objects.bulk_create(procedure_sets(Dossier.objects.all()), batch_size=BATCH)
        _replace_rollups(None, None)
        for month in sorted(months):
            _replace_month(month, None)
            _replace_month_sets(month, None)
            _replace_month_rollups(month, None)
        sums = DailyCounts.objects.values("day", "level", "area").annotate(**{n: Sum(n) for n in MEASURES})
        DayTotals.objects.bulk_create([DayTotals(**row) for row in sums.order_by()], batch_size=2000)
        mark.as_of = now
        mark.rebuilt_at = now
        mark.rebuild_seconds = time.monotonic() - started
        mark.save()
    logger.info("stats rebuilt: %d daily rows in %.1f s", written, mark.rebuild_seconds)
    return {"rows": written, "seconds": mark.rebuild_seconds}


def refresh_if_stale() -> None:
    """With ``STATS_REFRESH_ON_READ`` (no beat runs: the embedded default), refresh the aggregates when a reader
    finds them older than ``STATS_REFRESH_SECONDS``; otherwise nothing (beat's ``stats.refresh`` keeps them)."""
    if not settings.STATS_REFRESH_ON_READ:
        return
    mark = as_of()
    if mark is None or timezone.now() - mark > timedelta(seconds=settings.STATS_REFRESH_SECONDS):
        stats_refresh()


def as_of() -> datetime | None:
    mark = Refresh.objects.first()
    return mark.as_of if mark is not None else None
