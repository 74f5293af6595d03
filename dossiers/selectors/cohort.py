"""The dossiers behind a number of the province dashboard: a period's *cohort* and the condition of each measure.

One definition serves two readers: ``stats.services`` counts each measure's condition to build the aggregates, and
the desk's dossier list (``/can-bo/hang-doi/tat-ca/?measure=…&from=…``) filters by the same condition, so a number
on the dashboard and the list it links to can never disagree (the tests compare them).

A dossier's cohort day is when it was received — or, refused at reception, when it was refused (it never was
received, and the province still answers for the refusal). Every measure but ``refused`` counts received dossiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communes.models import FormerProvince
from communes.selectors import commune_committee_by_code, processing_unit_by_key
from dossiers.models import Document, DocumentKind, Dossier, Rating
from dossiers.workflow import CLOCK_RUNNING_STATES, FINISHED_STATES, State
from procedures.models import Level
from procedures.selectors import field_by_slug

#: A dossier's moment in the cohort.
COHORT_MOMENT = Coalesce("received_at", "finished_at")
IN_COHORT = Q(received_at__isnull=False) | Q(state=State.REFUSED.value)
_FINISHED = [state.value for state in FINISHED_STATES]
_RUNNING = sorted(state.value for state in CLOCK_RUNNING_STATES)


def _has(kind: str) -> Exists:
    return Exists(Document.objects.filter(dossier=OuterRef("pk"), kind=kind))


def _conditions() -> dict[str, Q]:
    """Each counted measure's condition, before the cohort's "received" (added by :func:`measure_condition`)."""
    late = Q(timeliness="late")
    return {
        "received": Q(),
        "online": Q(channel="online"),
        "direct": Q(channel="direct"),
        "post": Q(channel="post"),
        "full_online": Q(procedure_version__online_level="full"),
        # Decision 766, group 3a: dossiers filed online of procedures offered fully online (toàn trình)
        "online_full": Q(channel="online", procedure_version__online_level="full"),
        "in_progress": ~Q(state__in=_FINISHED),
        "finished": Q(state__in=_FINISHED),
        "resolved": Q(state__in=[State.RESULT_READY.value, State.RETURNED.value]),
        "returned": Q(state=State.RETURNED.value),
        "refused": Q(state=State.REFUSED.value),
        "withdrawn": Q(state=State.WITHDRAWN.value),
        "stopped": Q(state=State.STOPPED.value),
        "early": Q(timeliness="early"),
        "on_time": Q(timeliness="on_time"),
        "late": late,
        "supplemented": Q(supplement_count__gt=0),
        "processed": Q(processing_seconds__isnull=False),
        "fee_due": Q(fee_vnd__gt=0),
        "paid": Q(paid_at__isnull=False),
        "online_paid": Q(paid_online=True),
        "digitised": Q(_has(DocumentKind.COMPONENT)),
        "e_result": Q(_has(DocumentKind.RESULT)),
        # Decision 766, 4.2: components on file and an electronic result
        "digitised_result": Q(_has(DocumentKind.COMPONENT)) & Q(_has(DocumentKind.RESULT)),
        "rated": ~Q(rating=""),
        "satisfied": Q(rating__in=[Rating.VERY_SATISFIED, Rating.SATISFIED]),
        "not_satisfied": Q(rating=Rating.NOT_SATISFIED),
        # Decision 766, 5.4 (as far as our records go): finished, neither late nor rated "not satisfied"
        "handled_well": Q(state__in=_FINISHED) & ~late & ~Q(rating=Rating.NOT_SATISFIED),
        # brought in from an old system (issue 14)
        "transitional": ~Q(legacy_code=""),
    }


#: The measures a list of dossiers can be asked for (the counted ones), in the dashboard's order.
COUNTED = tuple(_conditions())


def measure_condition(name: str) -> Q:
    """The dossiers a counted measure counts, inside a cohort (``KeyError`` for an unknown name)."""
    condition = _conditions()[name]
    if name == "refused":  # on the day of the refusal: never received
        return condition
    return Q(received_at__isnull=False) & condition


def overdue_condition(now: datetime | None = None) -> Q:
    """Clock running and the due moment (the form 04 date, else the appointment) passed; on a queryset annotated by
    :func:`with_effective_due`."""
    return Q(state__in=_RUNNING, effective_due__lt=now or timezone.now())


def with_effective_due(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.annotate(effective_due=Coalesce("extended_due_at", "due_at"))


def overdue_count() -> int:
    """Dossiers overdue now, all units (the metrics' gauge ``portal_dossiers_overdue``)."""
    return with_effective_due(Dossier.objects.filter(received_at__isnull=False)).filter(overdue_condition()).count()


@dataclass(frozen=True)
class Cohort:
    """The dossiers of a period (local dates, inclusive) and of some units, fields, level and former province."""

    date_from: date
    date_to: date
    units: frozenset[int] | None = None  # None: every unit
    fields: frozenset[int] | None = None
    level: str = ""
    area: str = ""
    transitional: str = ""  # "only" | "exclude" | "" (both)

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.date_from, time.min, tzinfo=tz)
        return start, datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)

    def keys(self) -> Q:
        """Everything but the period."""
        condition = Q()
        if self.units is not None:
            condition &= Q(processing_unit_id__in=self.units)
        if self.fields is not None:
            condition &= Q(field_id__in=self.fields)
        if self.level:
            condition &= Q(level=self.level)
        if self.area:
            condition &= Q(processing_unit__commune__former_province=self.area) | Q(
                processing_unit__commune__isnull=True, reception_centre__former_province=self.area
            )
        if self.transitional == "only":
            condition &= ~Q(legacy_code="")
        elif self.transitional == "exclude":
            condition &= Q(legacy_code="")
        return condition

    def of(self, queryset: QuerySet[Dossier], measure: str = "received") -> QuerySet[Dossier]:
        """The dossiers of ``queryset`` in the cohort that ``measure`` counts (``"overdue_now"``: overdue now)."""
        start, end = self.bounds()
        queryset = queryset.annotate(cohort_moment=COHORT_MOMENT).filter(
            IN_COHORT, self.keys(), cohort_moment__gte=start, cohort_moment__lt=end
        )
        if measure == "overdue_now":
            return with_effective_due(queryset).filter(Q(received_at__isnull=False) & overdue_condition())
        return queryset.filter(measure_condition(measure))


#: Each measure in words (the dashboard's headers, its exports, and the desk's list of the dossiers behind a number).
MEASURE_LABELS = {
    "received": pgettext_lazy("measure", "Tiếp nhận"),
    "online": _("Nộp trực tuyến"),
    "direct": _("Nộp trực tiếp"),
    "post": _("Nộp qua bưu chính"),
    "full_online": _("Của TTHC toàn trình"),
    "online_full": _("Trực tuyến toàn trình"),
    "in_progress": _("Đang giải quyết"),
    "finished": _("Đã kết thúc"),
    "resolved": _("Đã có kết quả"),
    "returned": _("Đã trả kết quả"),
    "refused": _("Từ chối tiếp nhận"),
    "withdrawn": _("Rút hồ sơ"),
    "stopped": _("Dừng xử lý"),
    "early": _("Xong trước hạn"),
    "on_time": _("Xong đúng hạn"),
    "late": _("Xong trễ hạn"),
    "supplemented": _("Có yêu cầu bổ sung"),
    "processed": _("Có thời gian giải quyết"),
    "fee_due": _("Có phí, lệ phí"),
    "paid": _("Đã nộp phí"),
    "online_paid": _("Thanh toán trực tuyến"),
    "digitised": _("Đã số hóa thành phần"),
    "e_result": _("Có kết quả điện tử"),
    "digitised_result": _("Số hóa thành phần và kết quả"),
    "rated": _("Được đánh giá"),
    "satisfied": _("Hài lòng"),
    "not_satisfied": _("Không hài lòng"),
    "handled_well": _("Đã giải quyết, không trễ, không bị chê"),
    "transitional": _("Hồ sơ chuyển tiếp từ hệ thống cũ"),
    "overdue_now": _("Đang quá hạn"),
}
assert set(MEASURE_LABELS) == {*COUNTED, "overdue_now"}


#: Transitional dossiers (from the old systems): only them, or all but them.
TRANSITIONAL = {
    "only": _("Chỉ hồ sơ chuyển tiếp"),
    "exclude": _("Không gồm hồ sơ chuyển tiếp"),
}


@dataclass(frozen=True)
class CohortQuery:
    """A dashboard number's dossiers as the desk's list receives them in its address (``?measure=late&from=…``)."""

    cohort: Cohort
    measure: str
    chips: tuple[str, ...]  # the filters in words


def cohort_query(params) -> CohortQuery | None:
    """The cohort described by ``params`` (``from``, ``to``, ``measure``; optional ``unit`` key, ``commune`` code,
    ``field`` slug, ``level``, ``area``); ``None`` when there is none; ``ValueError`` for a malformed one."""
    if not (params.get("from") or params.get("measure")):
        return None
    try:
        date_from, date_to = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
    except ValueError:
        raise ValueError("period") from None
    measure = params.get("measure") or "received"
    if measure not in MEASURE_LABELS or date_to < date_from:
        raise ValueError("measure")
    chips = [f"{MEASURE_LABELS[measure]}", f"{date_from:%d/%m/%Y} – {date_to:%d/%m/%Y}"]
    units = None
    for name, named in (("unit", processing_unit_by_key), ("commune", commune_committee_by_code)):
        if params.get(name):
            unit = named(params[name])
            if unit is None:
                raise ValueError(name)
            units = frozenset({unit.pk})
            chips.append(unit.name)
    fields = None
    if params.get("field"):
        found = field_by_slug(params["field"])
        if found is None:
            raise ValueError("field")
        fields = frozenset({found.pk})
        chips.append(found.name)
    level, area = params.get("level", ""), params.get("area", "")
    transitional = params.get("transitional", "")
    if transitional:
        if transitional not in TRANSITIONAL:
            raise ValueError("transitional")
        chips.append(str(TRANSITIONAL[transitional]))
    if level:
        if level not in Level.values:
            raise ValueError("level")
        chips.append(str(Level(level).label))
    if area:
        if area not in FormerProvince.values:
            raise ValueError("area")
        chips.append(str(FormerProvince(area).label))
    return CohortQuery(Cohort(date_from, date_to, units, fields, level, area, transitional), measure, tuple(chips))
