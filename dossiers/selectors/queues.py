"""The staff desk's queues (issue 12): which dossiers wait for whom, counted and listed from the same scoped
selector as the API (``dossiers_visible_to``), so that "who sees what" has one source of truth.

A queue is data: a slug (its address), its words, the roles it is for, and a condition on the dossier row —
every fact it needs is an indexed column of the dossier (state, the three places, handler, due moments,
``supplemented_at``, ``paid_at``). The counts of every queue a person has are one query (conditional aggregates
over the union of their conditions); a queue's page is one more.

* **cho-tiep-nhan** — filed online, waiting for reception (reception officers of the centre filed at);
* **chua-chuyen** — received, not yet transferred to the processing unit (reception);
* **cho-phan-cong** — transferred, waiting for the leader to assign a handler (leaders of the unit);
* **cua-toi** — assigned to me and not finished (handlers);
* **sap-den-han** — the clock runs and the due moment is within ``REMINDER_DUE_SOON_HOURS`` working hours (the
  threshold of the reminders, per level);
* **qua-han** — the clock runs and the due moment has passed (a paused dossier's clock is stopped: not overdue);
* **da-bo-sung** — processing again after the citizen's supplement, nothing done since (handlers and leaders);
* **da-nop-phi** — processing again after the fees were paid (handlers and leaders);
* **cho-tra** — result ready, to return at (or post from) my centre (reception of the return centre);
* **xin-rut** — the applicant asked to withdraw (reception of the centre, leaders of the unit).

Due soon and overdue are for every staff member over their own scope (the province office: the whole province).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dossiers.models import Dossier
from dossiers.selectors import LIST_RELATED, Access, access_for, dossiers_visible_to
from dossiers.workflow import CLOCK_RUNNING_STATES, FINISHED_STATES, State
from portal.common.text import fold

EFFECTIVE_DUE = Coalesce("extended_due_at", "due_at")
_RUNNING = sorted(state.value for state in CLOCK_RUNNING_STATES)
_FINISHED = sorted(state.value for state in FINISHED_STATES)
_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Moments:
    """The moments the time queues compare with, computed once per request: now, and per level the moment a due
    moment becomes "soon" (now + the level's threshold in working hours)."""

    now: datetime
    soon_by_level: dict[str, datetime]
    soon_default: datetime

    @classmethod
    def at(cls, now: datetime | None = None) -> Moments:
        from procedures.calendar import working_calendar

        now = now or timezone.now()
        calendar = working_calendar()
        hours = dict(settings.REMINDER_DUE_SOON_HOURS)
        default_hours = hours.pop("*", calendar.working_day_length.total_seconds() / 3600)
        return cls(
            now=now,
            soon_by_level={level: calendar.add_working_hours(now, value) for level, value in hours.items()},
            soon_default=calendar.add_working_hours(now, default_hours),
        )

    def due_soon(self) -> Q:
        running = Q(state__in=_RUNNING, due_at__isnull=False)
        arms = [Q(level=level, effective_due__lte=moment) for level, moment in self.soon_by_level.items()]
        other_levels = ~Q(level__in=list(self.soon_by_level)) if self.soon_by_level else Q()
        arms.append(other_levels & Q(effective_due__lte=self.soon_default))
        return running & Q(effective_due__gte=self.now) & functools.reduce(operator.or_, arms)

    def overdue(self) -> Q:
        return Q(state__in=_RUNNING, due_at__isnull=False, effective_due__lt=self.now)


def _staff_scope(access: Access, *, returns: bool = True) -> Q | None:
    """What ``access`` sees as staff (never as the applicant of their own dossiers); ``None``: everything.
    ``returns=False`` leaves out the dossiers a centre only returns (the deadline queues: a dossier's clock is the
    business of the centre that received it and of the unit that processes it)."""
    if access.sees_everything:
        return None
    condition = _NOTHING
    if access.reception_centres:
        centres = access.reception_centres
        condition |= Q(reception_centre_id__in=centres)
        if returns:
            condition |= Q(return_centre_id__in=centres)
    units = access.handler_units | access.leader_units
    if units:
        condition |= Q(processing_unit_id__in=units)
    return condition


def _both(first: Q | None, second: Q) -> Q:
    return second if first is None else first & second


@dataclass(frozen=True)
class Queue:
    slug: str
    label: str
    hint: str
    #: the condition for this person, or ``None`` when the queue is not theirs
    condition: Callable[[Access, Moments], Q | None]
    #: bulk actions offered on the queue's page ("transfer", "return", "receipts")
    bulk: tuple[str, ...] = ()


def _filed(access: Access, moments: Moments) -> Q | None:
    if not access.reception_centres:
        return None
    return Q(state=State.FILED, reception_centre_id__in=access.reception_centres)


def _received(access: Access, moments: Moments) -> Q | None:
    if not access.reception_centres:
        return None
    return Q(state=State.RECEIVED, reception_centre_id__in=access.reception_centres)


def _to_assign(access: Access, moments: Moments) -> Q | None:
    if not access.leader_units:
        return None
    return Q(state=State.TRANSFERRED, processing_unit_id__in=access.leader_units)


def _mine(access: Access, moments: Moments) -> Q | None:
    if not access.handler_units:
        return None
    return Q(handler_id=access.user_id, processing_unit_id__in=access.handler_units) & ~Q(state__in=_FINISHED)


def _due_soon(access: Access, moments: Moments) -> Q | None:
    return _both(_staff_scope(access, returns=False), moments.due_soon())


def _overdue(access: Access, moments: Moments) -> Q | None:
    return _both(_staff_scope(access, returns=False), moments.overdue())


def _processing_units(access: Access) -> frozenset[int]:
    return access.handler_units | access.leader_units


def _supplemented(access: Access, moments: Moments) -> Q | None:
    units = _processing_units(access)
    if not units:
        return None
    newest = Q(paid_at__isnull=True) | Q(supplemented_at__gt=F("paid_at"))
    return Q(state=State.PROCESSING, processing_unit_id__in=units, supplemented_at__isnull=False) & newest


def _paid(access: Access, moments: Moments) -> Q | None:
    units = _processing_units(access)
    if not units:
        return None
    newest = Q(supplemented_at__isnull=True) | Q(paid_at__gt=F("supplemented_at"))
    return Q(state=State.PROCESSING, processing_unit_id__in=units, paid_at__isnull=False) & newest


def _to_return(access: Access, moments: Moments) -> Q | None:
    if not access.reception_centres:
        return None
    return Q(state=State.RESULT_READY, return_centre_id__in=access.reception_centres)


def _withdrawal(access: Access, moments: Moments) -> Q | None:
    condition = _NOTHING
    if access.reception_centres:
        condition |= Q(reception_centre_id__in=access.reception_centres)
    if access.leader_units:
        condition |= Q(processing_unit_id__in=access.leader_units)
    if condition is _NOTHING:
        return None
    return Q(state=State.WITHDRAWAL_REQUESTED) & condition


QUEUES: dict[str, Queue] = {
    queue.slug: queue
    for queue in [
        Queue(
            "cho-tiep-nhan",
            _("Nộp trực tuyến, chờ tiếp nhận"),
            _("Kiểm tra hồ sơ nộp trực tuyến: tiếp nhận hoặc từ chối."),
            _filed,
        ),
        Queue(
            "chua-chuyen",
            _("Đã tiếp nhận, chưa chuyển xử lý"),
            _("Chuyển cho cơ quan giải quyết trong ngày (nhận sau 15 giờ: sáng hôm sau)."),
            _received,
            bulk=("transfer", "receipts"),
        ),
        Queue(
            "cho-phan-cong",
            _("Chờ phân công"),
            _("Phân công cán bộ xử lý cho hồ sơ đã chuyển đến đơn vị."),
            _to_assign,
        ),
        Queue("cua-toi", _("Được giao cho tôi"), _("Hồ sơ bạn đang xử lý."), _mine),
        Queue(
            "sap-den-han",
            _("Sắp đến hạn"),
            _("Hồ sơ còn ít thời gian làm việc trước hạn trả kết quả."),
            _due_soon,
        ),
        Queue("qua-han", pgettext_lazy("queue", "Quá hạn"), _("Hồ sơ đã quá hạn trả kết quả mà chưa xong."), _overdue),
        Queue(
            "da-bo-sung",
            _("Công dân đã bổ sung"),
            _("Người nộp đã bổ sung giấy tờ; tiếp tục xử lý."),
            _supplemented,
        ),
        Queue("da-nop-phi", _("Đã nộp phí, lệ phí"), _("Nghĩa vụ tài chính đã xong; tiếp tục xử lý."), _paid),
        Queue(
            "cho-tra",
            _("Có kết quả, chờ trả"),
            _("Trả kết quả cho người nộp tại quầy hoặc qua bưu chính."),
            _to_return,
            bulk=("return", "receipts"),
        ),
        Queue(
            "xin-rut",
            _("Công dân xin rút hồ sơ"),
            _("Xác nhận việc rút hồ sơ theo yêu cầu của người nộp."),
            _withdrawal,
        ),
    ]
}

#: Not a queue of work: every dossier the person sees as staff, for the search box.
ALL = "tat-ca"


@dataclass(frozen=True)
class QueueCount:
    queue: Queue
    count: int


def queues_of(user, *, moments: Moments | None = None) -> list[tuple[Queue, Q]]:
    """The person's queues with their conditions, in the order of ``QUEUES`` (none for a citizen)."""
    access = access_for(user)
    if not access.is_staff_member:
        return []
    moments = moments or Moments.at()
    found = []
    for queue in QUEUES.values():
        condition = queue.condition(access, moments)
        if condition is not None:
            found.append((queue, condition))
    return found


def _annotated(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return queryset.annotate(effective_due=EFFECTIVE_DUE)


def queue_counts(user, *, moments: Moments | None = None) -> list[QueueCount]:
    """Each of the person's queues with its count: one query, whatever the number of queues and dossiers."""
    queues = queues_of(user, moments=moments)
    if not queues:
        return []
    union = functools.reduce(operator.or_, (condition for _queue, condition in queues))
    counts = (
        _annotated(dossiers_visible_to(user))
        .filter(union)
        .aggregate(**{f"q{i}": Count("pk", filter=condition) for i, (_queue, condition) in enumerate(queues)})
    )
    return [QueueCount(queue, counts[f"q{i}"] or 0) for i, (queue, _condition) in enumerate(queues)]


_DIGITS = re.compile(r"^\+?[\d\s.\-]+$")


def search_condition(text: str) -> Q | None:
    """Dossiers matching a search box: a code or provisional reference (or part of one), a CCCD / tax code, a phone
    (with or without separators, +84 or 0), or the applicant's name with or without diacritics (NFC or NFD)."""
    from dossiers.lookup import normalise_phone

    text = (text or "").strip()
    if not text:
        return None
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        condition = Q(applicant_id_number=digits) | Q(applicant_phone=normalise_phone(text))
        if len(digits) >= 4:  # part of a code: "0001", "261205-0001"
            condition |= Q(code__contains=re.sub(r"\s+", "", text))
        return condition
    code = re.sub(r"\s+", "", text).upper()
    # references and the old systems' codes (transitional dossiers) are stored upper case
    condition = Q(code__icontains=code) | Q(reference=code) | Q(legacy_code=code)
    folded = fold(text)
    if folded:
        condition |= Q(applicant_name_folded__contains=folded)
    return condition


def queue_dossiers(user, slug: str, *, search: str = "", moments: Moments | None = None) -> QuerySet[Dossier]:
    """One queue's dossiers (``ALL``: everything the person sees as staff), most urgent first — by the effective due
    moment, then the filing moment (an online filing has no due moment yet) — with what a list row shows joined.
    ``OutOfScope``-like emptiness for a queue that is not theirs: an empty queryset."""
    access = access_for(user)
    base = _annotated(dossiers_visible_to(user)).select_related(*LIST_RELATED, "handler")
    if slug == ALL:
        scope = _staff_scope(access)
        queryset = base if scope is None else base.filter(scope)
        if not access.is_staff_member:
            queryset = base.none()
    else:
        queue = QUEUES.get(slug)
        condition = queue.condition(access, moments or Moments.at()) if queue and access.is_staff_member else None
        queryset = base.filter(condition) if condition is not None else base.none()
    found = search_condition(search)
    if found is not None:
        queryset = queryset.filter(found)
    return queryset.order_by(F("effective_due").asc(nulls_last=True), "filed_at", "id")
