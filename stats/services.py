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

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dossiers.models import Document, DocumentKind, Dossier, Rating
from dossiers.workflow import FINISHED_STATES, State
from stats.models import HISTOGRAM, HISTOGRAM_DAYS, MEASURES, DailyCounts, DayTotals, MonthlyCounts, Refresh

logger = logging.getLogger(__name__)

DAY_SECONDS = 8 * 3600  # a working day of the histogram (DOMAIN.md §4: 8 working hours)
KEY = ("processing_unit_id", "field_id", "level", "area")
_FINISHED = [state.value for state in FINISHED_STATES]


def _area() -> Coalesce:
    """The former province: of the processing unit's commune, else of the reception centre."""
    return Coalesce(
        F("processing_unit__commune__former_province"),
        F("reception_centre__former_province"),
        Value(""),
    )


def _count(condition: Q | None = None, *, of_received: bool = True) -> Count:
    """How many dossiers of the key meet ``condition`` — among those received (every measure but the refusals)."""
    if of_received:
        condition = Q(received_at__isnull=False) & (condition or Q())
    return Count("id", filter=condition) if condition is not None else Count("id")


def _histogram() -> dict:
    bounds = [0, *(int(days * DAY_SECONDS) for days in HISTOGRAM_DAYS)]
    measures = {}
    for i, name in enumerate(HISTOGRAM):
        condition = Q(processing_seconds__isnull=False, processing_seconds__gte=bounds[i] if i else -1)
        if i < len(HISTOGRAM_DAYS):
            condition &= Q(processing_seconds__lt=bounds[i + 1])
        measures[name] = _count(condition)
    return measures


def measure_expressions() -> dict:
    """Each measure of a key's cohort as an aggregate over its dossiers (the one definition the refresh, the rebuild
    and the tests share)."""
    component = Document.objects.filter(dossier=OuterRef("pk"), kind=DocumentKind.COMPONENT)
    result = Document.objects.filter(dossier=OuterRef("pk"), kind=DocumentKind.RESULT)
    expressions = {
        "received": _count(),
        "online": _count(Q(channel="online")),
        "direct": _count(Q(channel="direct")),
        "post": _count(Q(channel="post")),
        "full_online": _count(Q(procedure_version__online_level="full")),
        "in_progress": _count(~Q(state__in=_FINISHED)),
        "finished": _count(Q(state__in=_FINISHED)),
        "resolved": _count(Q(state__in=[State.RESULT_READY.value, State.RETURNED.value])),
        "returned": _count(Q(state=State.RETURNED.value)),
        "refused": _count(Q(state=State.REFUSED.value), of_received=False),  # on the day of the refusal
        "withdrawn": _count(Q(state=State.WITHDRAWN.value)),
        "stopped": _count(Q(state=State.STOPPED.value)),
        "early": _count(Q(timeliness="early")),
        "on_time": _count(Q(timeliness="on_time")),
        "late": _count(Q(timeliness="late")),
        "supplemented": _count(Q(supplement_count__gt=0)),
        "processed": _count(Q(processing_seconds__isnull=False)),
        "processing_total": Coalesce(Sum("processing_seconds"), Value(0)),  # working seconds, summed
        **_histogram(),
        "fee_due": _count(Q(fee_vnd__gt=0)),
        "paid": _count(Q(paid_at__isnull=False)),
        "online_paid": _count(Q(paid_online=True)),
        "digitised": _count(Q(Exists(component))),
        "e_result": _count(Q(Exists(result))),
        "rated": _count(~Q(rating="")),
        "satisfied": _count(Q(rating__in=[Rating.VERY_SATISFIED, Rating.SATISFIED])),
        "not_satisfied": _count(Q(rating=Rating.NOT_SATISFIED)),
    }
    assert list(expressions) == MEASURES
    return expressions


#: A dossier's day in the aggregates: when it was received — or, refused at reception, when it was refused (it never
#: was received, and the province still answers for the refusal).
COHORT_MOMENT = Coalesce("received_at", "finished_at")
IN_COHORT = Q(received_at__isnull=False) | Q(state=State.REFUSED.value)


def daily_rows(dossiers) -> list[DailyCounts]:
    """The daily rows of the dossiers of ``dossiers`` (a queryset) received or refused, grouped by day and key."""
    grouped = (
        dossiers.filter(IN_COHORT)
        .annotate(day=TruncDate(COHORT_MOMENT), area=_area())
        .values("day", *KEY)
        .annotate(**measure_expressions())
        .order_by()
    )
    return [DailyCounts(**row) for row in grouped]


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
        rows = daily_rows(
            Dossier.objects.annotate(moment=COHORT_MOMENT).filter(
                moment__gte=start, moment__lt=end, processing_unit_id__in=units
            )
        )
        DailyCounts.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        months[_month(day)] |= units
        _replace_day_totals(day)
    for month, units in months.items():
        _replace_month(month, units)
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
        rows = daily_rows(Dossier.objects.all())
        DailyCounts.objects.bulk_create(rows, batch_size=2000)
        for month in sorted({_month(row.day) for row in rows}):
            _replace_month(month, None)
        sums = DailyCounts.objects.values("day", "level", "area").annotate(**{n: Sum(n) for n in MEASURES})
        DayTotals.objects.bulk_create([DayTotals(**row) for row in sums.order_by()], batch_size=2000)
        mark.as_of = now
        mark.rebuilt_at = now
        mark.rebuild_seconds = time.monotonic() - started
        mark.save()
    logger.info("stats rebuilt: %d daily rows in %.1f s", len(rows), mark.rebuild_seconds)
    return {"rows": len(rows), "seconds": mark.rebuild_seconds}


def as_of() -> datetime | None:
    mark = Refresh.objects.first()
    return mark.as_of if mark is not None else None
