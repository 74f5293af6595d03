"""The province dashboard's numbers, read from the aggregates (``stats.models``) and, for what depends on the clock
(overdue now), from the dossiers' running-due index.

A period ``[date_from, date_to]`` is read as its whole months from the monthly rows and its remaining days from the
daily rows, so a year is twelve monthly rows per key rather than 365 daily ones. The figures of a period are those
of its cohort — the dossiers *received* in it (as Decision 766 counts them): how many, by which channel, how many are
still in progress, finished and how, early / on time / late, their processing time, fees, digitisation, ratings.

Who sees what: the province office and administrators the whole province; a unit's leader their units; anyone's
portfolio (``stats.models.Portfolio``) narrows further. Anything else is refused by the API (403).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import ProcessingUnit
from dossiers.models import Dossier
from dossiers.selectors.cohort import Cohort
from dossiers.workflow import CLOCK_RUNNING_STATES
from procedures.models import ProcedureField
from stats.models import (
    HISTOGRAM,
    HISTOGRAM_DAYS,
    MEASURES,
    Area,
    DailyCounts,
    DayTotals,
    FieldDay,
    FieldMonth,
    MonthlyCounts,
    UnitDay,
    UnitMonth,
)
from stats.services import DAY_SECONDS, as_of

BREAKDOWNS = ("commune", "department", "area", "field", "level", "unit")
_RUNNING = sorted(state.value for state in CLOCK_RUNNING_STATES)


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date  # inclusive
    units: frozenset[int] | None = None  # None: every unit
    fields: frozenset[int] | None = None
    level: str = ""
    area: str = ""
    transitional: str = ""  # "only" | "exclude" | "" (both)

    def cohort(self) -> Cohort:
        return Cohort(self.date_from, self.date_to, self.units, self.fields, self.level, self.area, self.transitional)

    @property
    def province_wide(self) -> bool:
        """No unit, no field and no transitional choice: the day totals (by level and area) answer."""
        return self.units is None and self.fields is None and not self.transitional

    def q(self) -> Q:
        condition = Q()
        if self.units is not None:
            condition &= Q(processing_unit_id__in=self.units)
        if self.fields is not None:
            condition &= Q(field_id__in=self.fields)
        if self.level:
            condition &= Q(level=self.level)
        if self.area:
            condition &= Q(area=self.area)
        if self.transitional:
            condition &= Q(is_transitional=self.transitional == "only")
        return condition


def months_and_days(date_from: date, date_to: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The whole months inside the period (their first days) and the day ranges left over (inclusive)."""
    months, ranges = [], []
    first_full = date_from if date_from.day == 1 else (date_from.replace(day=1) + timedelta(days=32)).replace(day=1)
    cursor = first_full
    while True:
        following = (cursor + timedelta(days=32)).replace(day=1)
        if following - timedelta(days=1) > date_to:
            break
        months.append(cursor)
        cursor = following
    if months:
        if date_from < months[0]:
            ranges.append((date_from, months[0] - timedelta(days=1)))
        if cursor <= date_to:
            ranges.append((cursor, date_to))
    elif date_from <= date_to:
        ranges.append((date_from, date_to))
    return months, ranges


_KEY_COLUMNS = {"unit": "processing_unit_id", "field": "field_id", "level": "level", "area": "area"}


def sources(filters: Filters, by: str | None = None) -> tuple[type, type | None]:
    """The daily and monthly tables that answer ``filters`` and ``by`` with the fewest rows: the per-unit sums when
    only units matter, the per-field sums when only fields do, the province's day totals (by level and area) when
    neither does, else the detailed rows."""
    plain = not filters.level and not filters.area and not filters.transitional
    if filters.province_wide and by in (None, "level", "area"):
        return DayTotals, None  # a few rows a day: no monthly table needed
    if plain and filters.fields is None and by in (None, "unit", "commune", "department"):
        return UnitDay, UnitMonth
    if plain and filters.units is None and by in (None, "field"):
        return FieldDay, FieldMonth
    return DailyCounts, MonthlyCounts


def counts(filters: Filters, by: str | None = None) -> dict:
    """The measures summed over the period, per breakdown value (``by``; ``None``: one total under the key ``None``).
    Two queries at most: the whole months' rows and the remaining days' rows."""
    column = _KEY_COLUMNS.get("unit" if by in ("commune", "department") else by) if by else None
    group = [column] if column else []
    sums = {name: Sum(name) for name in MEASURES}
    daily, monthly = sources(filters, by)
    months, ranges = months_and_days(filters.date_from, filters.date_to)
    if monthly is None:
        months, ranges = [], [(filters.date_from, filters.date_to)]
    parts = []
    if months:
        parts.append(monthly.objects.filter(filters.q(), month__in=months))
    if ranges:
        days = Q()
        for start, end in ranges:
            days |= Q(day__gte=start, day__lte=end)
        parts.append(daily.objects.filter(filters.q()).filter(days))
    totals: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for queryset in parts:
        rows = queryset.values(*group).annotate(**sums).order_by() if group else [queryset.aggregate(**sums)]
        for row in rows:
            key = row[column] if column else None
            target = totals[key]
            for name in MEASURES:
                target[name] += row[name] or 0
    if by == "commune":
        return _by_commune(totals)
    if by == "department":
        return _departments(totals)
    return dict(totals)


def _by_commune(per_unit: dict) -> dict:
    """Commune committees' figures by their commune's code (departments are not a commune: left out)."""
    communes = dict(
        ProcessingUnit.objects.filter(pk__in=list(per_unit), commune__isnull=False).values_list("pk", "commune__code")
    )
    return {communes[unit]: values for unit, values in per_unit.items() if unit in communes}


def _departments(per_unit: dict) -> dict:
    """Departments' and other provincial units' figures (commune committees left out) by unit key."""
    departments = set(
        ProcessingUnit.objects.filter(pk__in=list(per_unit), commune__isnull=True).values_list("pk", flat=True)
    )
    return {unit: values for unit, values in per_unit.items() if unit in departments}


def overdue_now(filters: Filters, by: str | None = None) -> dict:
    """Dossiers whose clock runs and whose due moment (the form 04 date, else the appointment) has passed — of the
    period's cohort — per breakdown value: live, from the running-due index."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(filters.date_from, time.min, tzinfo=tz)
    end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
    queryset = Dossier.objects.annotate(effective_due=Coalesce("extended_due_at", "due_at")).filter(
        state__in=_RUNNING, effective_due__lt=timezone.now(), received_at__gte=start, received_at__lt=end
    )
    queryset = queryset.filter(filters.cohort().keys())  # the dossiers' side of the same filters
    if by is None:
        return {None: queryset.count()}
    if by == "area":
        rows = queryset.values_list(
            Coalesce("processing_unit__commune__former_province", "reception_centre__former_province")
        )
        found: dict = defaultdict(int)
        for (area,) in rows:
            found[area] += 1
        return dict(found)
    column = {
        "commune": "processing_unit__commune__code",
        "unit": "processing_unit_id",
        "department": "processing_unit_id",
        "field": "field_id",
    }.get(by, by)
    return {row[column]: row["n"] for row in queryset.values(column).annotate(n=Count("id")).order_by()}


def p90_days(values: dict) -> float | None:
    """The 90th percentile of the processing time in working days, from the histogram: the upper bound of the bucket
    where the cumulative count reaches 90 % (``None`` when nothing was processed; beyond the last bound, that bound)."""
    total = values["processed"]
    if not total:
        return None
    needed = 0.9 * total
    running = 0
    for name, bound in zip(HISTOGRAM, (*HISTOGRAM_DAYS, HISTOGRAM_DAYS[-1]), strict=True):
        running += values[name]
        if running >= needed:
            return float(bound)
    return float(HISTOGRAM_DAYS[-1])


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Figures:
    """The dashboard's figures of one cohort: the counts and the rates derived from them."""

    values: dict
    overdue: int = 0
    derived: dict = field(default_factory=dict)

    @classmethod
    def of(cls, values: dict, overdue: int = 0) -> Figures:
        classified = values["early"] + values["on_time"] + values["late"]
        derived = {
            "on_time_share": _share(values["early"] + values["on_time"], classified),
            "late_share": _share(values["late"], classified),
            "average_days": round(values["processing_total"] / values["processed"] / DAY_SECONDS, 2)
            if values["processed"]
            else None,
            "p90_days": p90_days(values),
            "online_share": _share(values["online"], values["received"]),
            "full_online_share": _share(values["online_full"], values["received"]),
            "partial_online_share": _share(values["online"] - values["online_full"], values["received"]),
            "digitised_share": _share(values["digitised"], values["received"]),
            "paid_online_share": _share(values["online_paid"], values["paid"]),
            "satisfaction": _share(values["satisfied"], values["rated"]),
        }
        return cls(values=values, overdue=overdue, derived=derived)

    def as_dict(self) -> dict:
        shown = {name: self.values[name] for name in MEASURES if name not in HISTOGRAM}
        return {**shown, "overdue_now": self.overdue, **self.derived}


def summary(filters: Filters) -> dict:
    values = counts(filters).get(None) or dict.fromkeys(MEASURES, 0)
    return {"as_of": as_of(), **Figures.of(values, overdue_now(filters)[None]).as_dict()}


def labels(by: str, keys) -> dict:
    """Each breakdown value's name in words and the filter that selects it (the page links a row's numbers to its
    dossiers with it): ``{key: (label, {parameter: value})}``."""
    keys = [key for key in keys if key is not None]
    if by in ("unit", "department"):
        rows = ProcessingUnit.objects.filter(pk__in=keys).values_list("pk", "name", "key")
        return {pk: (name, {"unit": slug}) for pk, name, slug in rows}
    if by == "commune":
        rows = ProcessingUnit.objects.filter(commune__code__in=keys).values_list("commune__code", "commune__name")
        return {code: (name, {"commune": code}) for code, name in rows}
    if by == "field":
        rows = ProcedureField.objects.filter(pk__in=keys).values_list("pk", "name", "slug")
        return {pk: (name, {"field": slug}) for pk, name, slug in rows}
    if by == "area":
        return {value: (str(label), {"area": value}) for value, label in Area.choices}
    if by == "level":
        from procedures.models import Level

        return {value: (str(label), {"level": value}) for value, label in Level.choices}
    raise ValueError(by)


def breakdown(filters: Filters, by: str) -> list[dict]:
    """One row per value of ``by`` with its figures, best on-time share first (the league tables)."""
    if by not in BREAKDOWNS:
        raise ValueError(by)
    per_key = counts(filters, by)
    overdue = overdue_now(filters, by)
    names = labels(by, per_key)
    rows = []
    for key, values in per_key.items():
        figures = Figures.of(values, overdue.get(key, 0)).as_dict()
        label, params = names.get(key, (str(key), {}))
        rows.append({"key": key, "label": label, "params": params, **figures})
    rows.sort(key=lambda row: (-(row["on_time_share"] or 0), -row["received"], row["label"]))
    return rows


def weekly(filters: Filters) -> list[dict]:
    """Per week (Monday) of the period: received, finished (of that week's cohort) and the on-time share."""
    source, _monthly = sources(filters)
    rows = (
        source.objects.filter(filters.q(), day__gte=filters.date_from, day__lte=filters.date_to)
        .values("day")
        .annotate(**{name: Sum(name) for name in ("received", "finished", "early", "on_time", "late")})
        .order_by("day")
    )
    weeks: dict = defaultdict(lambda: {"received": 0, "finished": 0, "early": 0, "on_time": 0, "late": 0})
    for row in rows:
        week = row["day"] - timedelta(days=row["day"].weekday())
        for name in ("received", "finished", "early", "on_time", "late"):
            weeks[week][name] += row[name] or 0
    result = []
    for week in sorted(weeks):
        values = weeks[week]
        classified = values["early"] + values["on_time"] + values["late"]
        result.append(
            {
                "week": week,
                "received": values["received"],
                "finished": values["finished"],
                "on_time_share": _share(values["early"] + values["on_time"], classified),
            }
        )
    return result


def filter_choices(units: frozenset[int] | None, fields: frozenset[int] | None) -> tuple[list, list]:
    """The dashboard form's units ``(key, name)`` and fields ``(slug, name)``, within a person's scope."""
    unit_choices = ProcessingUnit.objects.filter(is_active=True).order_by("kind", "order", "name")
    if units is not None:
        unit_choices = unit_choices.filter(pk__in=units)
    field_choices = ProcedureField.objects.order_by("name")
    if fields is not None:
        field_choices = field_choices.filter(pk__in=fields)
    return list(unit_choices.values_list("key", "name")), list(field_choices.values_list("slug", "name"))


def scope_label(filters: Filters) -> str:
    """The figures' scope in words: the whole province, or the first units' names."""
    if filters.units is None:
        return _("Toàn tỉnh Phú Thọ")
    names = list(ProcessingUnit.objects.filter(pk__in=filters.units).values_list("name", flat=True)[:4])
    more = len(filters.units) - len(names)
    if more > 0:
        return _("%(names)s và %(n)d đơn vị khác") % {"names": ", ".join(names), "n": more}
    return ", ".join(names)
