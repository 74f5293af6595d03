"""The rows of the bulk generator: one reception day at a time, in PostgreSQL ``COPY`` text format.

Every moment is an aware datetime and every working-time question goes to the working calendar in force
(``procedures.calendar.working_calendar()``, a ``procedures.worktime.WorkingCalendar``), through the functions of
``dossiers.deadlines`` that the services call: the appointment, the time left at a pause, the due moment after it, the
timeliness of the decision. A step comes so many minutes after the previous one, at the next working moment when that
falls outside a session (``next_working_moment``). Receptions happen on five-minute marks, so that the appointment of
a reception moment and a processing time is computed once and reused for the day's other receptions at that mark
(:meth:`Generator.due`; at two million rows, three appointments in four come from that cache).

Past ~400 lines on purpose: the generator writes four tables' rows from one pass over a day and shares its caches
and column lists between them; it is benchmark data, read by ``seed_demo --dossiers N`` only.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q

from communes.models import CentreKind, ProcessingUnit, ProcessingUnitKind, ServiceCentre
from dossiers import deadlines
from dossiers.demo.texts import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M, MOBILE_PREFIXES, ORGANISATIONS
from dossiers.models import Dossier
from dossiers.workflow import NATIONAL_STATUS, State
from portal.common.text import fold
from procedures.calendar import working_calendar
from procedures.models import Level, ProcedureVersion, TimeUnit

DOSSIER_COLUMNS = [f.column for f in Dossier._meta.concrete_fields]
EVENT_COLUMNS = ["dossier_id", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "reason", "payload"]
PAUSE_COLUMNS = ["dossier_id", "started_at", "ended_at", "remaining_seconds", "reason", "missing_components"]
#: The dossier columns this module writes, in order (checked against the model: a new column must be added here).
WRITTEN = [
    "id", "created_at", "updated_at", "code", "reference", "version", "procedure_version_id", "procedure_id",
    "field_id", "level", "state", "status_code", "channel", "applicant_kind", "applicant_name", "applicant_id_number",
    "applicant_phone", "applicant_email", "applicant_address", "organisation_name", "applicant_name_folded",
    "filed_by_id", "reception_centre_id", "return_centre_id", "processing_unit_id", "handler_id", "filed_at",
    "received_at", "due_at",
    "extended_due_at", "paused_at", "remaining_seconds", "transferred_at", "finished_at", "returned_at",
    "supplement_count", "extension_count", "timeliness", "outcome", "result_document", "closing_reason", "fee_vnd",
    "paid_at", "paid_online", "rating", "rating_comment", "rated_at", "legacy_code", "legacy_unit",
    "remind_due_soon_for", "remind_overdue_for", "remind_escalated_for", "remind_transfer_at",
    "remind_supplement_for", "return_method", "return_address", "supplemented_at", "processing_seconds",
]  # fmt: skip
NULL = r"\N"  # COPY text format; every generated value is a string without tab, newline or backslash
#: The deadline watch's marks (``dossiers.services.reminders``): none yet — the first sweep reads every dossier
NO_REMINDERS = "\t".join([NULL] * 5)
#: The result returned at the counter of the return centre (no postal address)
#: ... and, for a dossier that never got that far, no supplement arrived and no processing time (refused at reception)
AT_COUNTER = f"counter\t\t{NULL}\t{NULL}"
BULK_PAYLOAD = json.dumps({"bulk": True})
PAUSE_REASON = "Thiếu giấy tờ theo quy định"
PAUSE_MISSING = json.dumps(["Tờ khai"], ensure_ascii=False)
REFUSE_REASON = "Hồ sơ không đúng thành phần theo quy định; đã hướng dẫn bằng văn bản"
STOP_REASON = "Người nộp không thực hiện yêu cầu của cơ quan giải quyết"
DENY_REASON = "Không đủ điều kiện theo quy định"

# --- Reference data --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Version:
    head: str  # "procedure_version_id\tprocedure_id\tfield_id\tlevel"
    level: str
    unit: str | None
    time_value: Decimal
    time_unit: str
    fee: str
    has_fee: bool
    online: bool


@dataclass(frozen=True)
class _Centre:
    id: int
    agency: str
    committee: str | None  # the People's Committee of the centre's commune
    provincial: bool


class _Weighted:
    """Fast weighted choice: cumulative weights, one ``random()`` and a bisect per draw."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _zipf(items: list, rng: random.Random, exponent: float = 0.9) -> _Weighted:
    """A few procedures take most dossiers (as in real life); which ones is decided by the seed."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    return _Weighted(shuffled, [1 / (rank + 1) ** exponent for rank in range(len(shuffled))])


def _versions(first_day: date, anchor_day: date) -> list[_Version]:
    timed = (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS, TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS)
    rows = (
        ProcedureVersion.objects.filter(
            is_applied=True, time_unit__in=timed, time_value__isnull=False, effective_from__lte=first_day
        )
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=anchor_day))
        .exclude(change="abolished")
        .order_by("pk")
    )
    versions = []
    for v in rows:
        if v.level == Level.PROVINCIAL and not v.processing_unit_id:
            continue
        versions.append(
            _Version(
                head=f"{v.pk}\t{v.procedure_id}\t{v.field_id}\t{v.level}",
                level=v.level,
                unit=str(v.processing_unit_id) if v.processing_unit_id else None,
                time_value=Decimal(v.time_value),
                time_unit=v.time_unit,
                fee=NULL if v.fee_vnd is None else str(v.fee_vnd),
                has_fee=bool(v.fee_vnd),
                online=v.channel_online,
            )
        )
    return versions


# --- Generating ------------------------------------------------------------------------------------------


@dataclass
class Chunk:
    """One reception day's rows, ready for COPY (lines) or for executemany (SQLite converts them back)."""

    dossiers: list[str]
    events: list[str]
    pauses: list[str]
    lasts: dict[tuple[int, date], int]
    states: Counter


class Generator:
    """Builds the rows of each reception day. Every random draw comes from one ``random.Random(seed)``."""

    def __init__(self, *, seed: int, anchor_day: date, first_day: date):
        self.rng = rng = random.Random(seed)
        self.calendar = calendar = working_calendar()
        self.anchor_day = anchor_day
        self.anchor = datetime.combine(anchor_day, time(0, 0), tzinfo=calendar.tz)  # "now": nothing happens after
        span = range((anchor_day - first_day).days)
        self.days = [day for n in span if calendar.is_working_day(day := first_day + timedelta(days=n))]
        self.day_minutes = int(calendar.working_day_length.total_seconds()) // 60
        versions = _versions(first_day, anchor_day)
        commune = [v for v in versions if v.level == Level.COMMUNE]
        provincial = [v for v in versions if v.level == Level.PROVINCIAL]
        if not commune or not provincial:
            raise ValueError("seed_demo --dossiers: the catalogue is empty (manage.py load_catalogue first)")
        self.commune_versions, self.provincial_versions = _zipf(commune, rng), _zipf(provincial, rng)
        committees = dict(
            ProcessingUnit.objects.filter(kind=ProcessingUnitKind.COMMUNE_COMMITTEE).values_list("commune_id", "pk")
        )
        centres, weights = [], []
        for centre in ServiceCentre.objects.select_related("commune").order_by("pk"):
            provincial_centre = centre.kind != CentreKind.COMMUNE
            committee = committees.get(centre.commune_id)
            centres.append(
                _Centre(centre.pk, centre.agency_code, str(committee) if committee else None, provincial_centre)
            )
            if provincial_centre:
                weights.append(12.0 if centre.kind == CentreKind.PROVINCIAL else 14.0)
            else:
                weights.append(1.6 if centre.commune and centre.commune.kind == "phuong" else 1.0)
        if not centres or not committees:
            raise ValueError("seed_demo --dossiers: no service centre (manage.py load_communes first)")
        self.centres = _Weighted(centres, weights)
        self.committees = [str(pk) for pk in sorted(committees.values())]
        self.names = [self._name() for _ in range(4096)]
        self.folded = [fold(name) for name in self.names]  # applicant_name_folded
        self.organisations = list(ORGANISATIONS)
        # per reception day: the moment of each working minute, the appointment of each (moment, processing time)
        self._moments: dict[tuple[date, int], datetime] = {}
        self._dues: dict[tuple[datetime, Decimal, str], datetime] = {}

    def _name(self) -> str:
        rng = self.rng
        female = rng.random() < 0.5
        middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
        return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN_F if female else GIVEN_M)}"

    # --- Working time: the calendar's --------------------------------------------------------------------

    def at_minute(self, day: date, minute: int) -> datetime:
        """The moment ``minute`` working minutes into working day ``day``."""
        key = (day, minute)
        moment = self._moments.get(key)
        if moment is None:
            opening = datetime.combine(day, self.calendar.sessions[0][0], tzinfo=self.calendar.tz)
            moment = self._moments[key] = self.calendar.add_working_hours(opening, Decimal(minute) / 60)
        return moment

    def after(self, moment: datetime, minutes: int) -> datetime:
        """The next step: ``minutes`` later on the clock, or the next working moment when that is outside a session."""
        return self.calendar.next_working_moment(moment + timedelta(minutes=minutes))

    def due(self, version: _Version, received: datetime) -> datetime:
        """The appointment (``deadlines.appointment``), once per reception moment and processing time."""
        key = (received, version.time_value, version.time_unit)
        due = self._dues.get(key)
        if due is None:
            due = self._dues[key] = deadlines.appointment(
                self.calendar, received, time_value=version.time_value, time_unit=version.time_unit
            )
        return due

    # --- Rows --------------------------------------------------------------------------------------------

    def chunk(self, day: date, quota: int, filed_only: int, first_id: int, issued: dict) -> Chunk:
        """The rows received on working day ``day`` (plus ``filed_only`` filings not received yet), ids from
        ``first_id``, codes continuing ``issued`` (updated)."""
        self._moments.clear()  # the caches serve one reception day: their size stays bounded
        self._dues.clear()
        records = [self.dossier(day) for _ in range(quota)]
        records += [self.filed() for _ in range(filed_only)]
        records.sort(key=lambda record: record[0])
        yymmdd = f"{day:%y%m%d}"
        dossiers, events, pauses, lasts, states = [], [], [], {}, Counter()
        for offset, (_key, centre, created, updated, rest, event, pause, state) in enumerate(records):
            dossier_id = first_id + offset
            code = NULL
            if centre is not None:
                key = (centre.id, day)
                number = issued.get(key, 0) + 1
                issued[key] = lasts[key] = number
                code = f"{centre.agency}-{yymmdd}-{number:04d}"
            dossiers.append(f"{dossier_id}\t{created}\t{updated}\t{code}\tTN-0{dossier_id:010d}\t{rest}\n")
            events.append(f"{dossier_id}\t{event}\t\t{BULK_PAYLOAD}\n")
            if pause is not None:
                pauses.append(f"{dossier_id}\t{pause}\n")
            states[state] += 1
        return Chunk(dossiers, events, pauses, lasts, states)

    def _applicant(self, version: _Version) -> str:
        """The applicant columns from applicant_kind to organisation_name, tab-joined."""
        rng = self.rng
        pick = int(rng.random() * 4096)
        name, folded = self.names[pick], self.folded[pick]
        phone = f"{MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]}{int(rng.random() * 10**7):07d}"
        if version.level == Level.PROVINCIAL and rng.random() < 0.35:
            organisation = self.organisations[int(rng.random() * len(self.organisations))]
            return f"organisation\t{name}\t{int(rng.random() * 10**10):010d}\t{phone}\t\t\t{organisation}\t{folded}"
        province = ("025", "026", "017", "001", "022")[int(rng.random() * 5)]
        birth = f"{int(rng.random() * 4)}{int(rng.random() * 100):02d}{int(rng.random() * 10**6):06d}"
        return f"person\t{name}\t{province}{birth}\t{phone}\t\t\t\t{folded}"

    def _place(self) -> tuple[_Centre, _Version, str]:
        rng = self.rng
        centre: _Centre = self.centres.pick(rng)
        if centre.provincial or rng.random() < 0.08:
            version: _Version = self.provincial_versions.pick(rng)
            return centre, version, version.unit
        version = self.commune_versions.pick(rng)
        unit = centre.committee
        if unit is None or rng.random() < 0.04:  # non-geographic reception: a matter of another commune
            unit = self.committees[int(rng.random() * len(self.committees))]
        return centre, version, unit

    def filed(self) -> tuple:
        """Filed online in the last day and a half, not received yet (state 1, no code)."""
        rng = self.rng
        centre, version, unit = self._place()
        filed = text_of(self.anchor - timedelta(seconds=300 + int(rng.random() * 36 * 3600)))
        state = State.FILED.value
        rest = (
            f"1\t{version.head}\t{state}\t1\tonline\t{self._applicant(version)}\t{NULL}\t{centre.id}\t{centre.id}\t"
            f"{unit}\t{NULL}\t{filed}\t" + "\t".join([NULL] * 8) + f"\t0\t0\t\t\t\t\t{version.fee}\t{NULL}\tf\t\t\t"
            f"{NULL}\t\t\t{NO_REMINDERS}\t{AT_COUNTER}"
        )
        event = _event("applicant", "file", "", state, filed)
        return (self.anchor, None, filed, filed, rest, event, None, state)

    def dossier(self, day: date) -> tuple:
        """One dossier received on working day ``day``; the anchor ("now") stops its story wherever it has reached.

        Returns (sort key, centre to number it at or None, created, updated, other columns, event, pause, state).
        """
        rng, calendar, anchor = self.rng, self.calendar, self.anchor
        centre, version, unit = self._place()
        online = version.online and rng.random() < 0.38
        channel = "online" if online else ("post" if rng.random() < 0.06 else "direct")
        applicant = self._applicant(version)
        received = self.at_minute(day, 5 * (1 + int(rng.random() * (self.day_minutes // 5 - 2))))
        if online:
            filed = text_of(received - timedelta(seconds=1200 + int(rng.random() * 40 * 3600)))
            if rng.random() < 0.03:  # refused at reception: no code, no appointment, not classified
                at = text_of(received)
                state = State.REFUSED.value
                rest = (
                    f"2\t{version.head}\t{state}\t3\tonline\t{applicant}\t{NULL}\t{centre.id}\t{centre.id}\t{unit}\t"
                    f"{NULL}\t{filed}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{at}\t{NULL}\t0\t0\t\t\t\t"
                    f"{REFUSE_REASON}\t{version.fee}\t{NULL}\tf\t\t\t{NULL}\t\t\t{NO_REMINDERS}\t{AT_COUNTER}"
                )
                return (received, None, filed, at, rest, _event("reception", "refuse", "filed", state, at), None, state)
        else:
            filed = text_of(received)
        due = self.due(version, received)
        # The story: (role, action, from, to, moment) while it happens before the anchor.
        version_count = 2 if online else 1
        state, last = (
            State.RECEIVED,
            ("reception", "receive" if online else "receive_at_counter", "filed" if online else "", received),
        )
        transferred = self.after(received, 5 + int(rng.random() * 115))
        assigned = self.after(transferred, 10 + int(rng.random() * 590))
        paused_at = remaining = returned = paid_at = finished = None
        rated_at = None
        pauses_done: list[tuple[datetime, datetime]] = []  # supplement pauses that ended (the clock stopped)
        requests = 0
        timeliness = outcome = result = reason = rating = ""
        paid_online = "f"
        going = transferred < anchor
        if going:
            state, last, version_count = (
                State.TRANSFERRED,
                ("reception", "transfer", "received", transferred),
                version_count + 1,
            )
            going = assigned < anchor
        if going:
            state, last, version_count = (
                State.PROCESSING,
                ("leader", "assign", "transferred", assigned),
                version_count + 1,
            )
            moment = assigned
            roll = rng.random()
            supplements = 0 if roll < 0.88 else (1 if roll < 0.97 else 2)
            for _ in range(supplements):
                asked = self.after(moment, 30 + int(rng.random() * 1410))
                if asked >= anchor:
                    going = False
                    break
                requests += 1
                version_count += 1
                left = deadlines.remaining_at_pause(calendar, asked, due)
                back_day = calendar.next_working_day(asked.date() + timedelta(days=1 + int(rng.random() * 8)))
                back = self.at_minute(back_day, 10 + int(rng.random() * (self.day_minutes - 20)))
                if back >= anchor:
                    state, last = State.SUPPLEMENT_REQUESTED, ("handler", "request_supplement", "processing", asked)
                    paused_at, remaining = asked, int(left.total_seconds())
                    going = False
                    break
                version_count += 1
                last = ("applicant", "supplement", "supplement_requested", back)
                due = deadlines.due_after_resumption(calendar, back, left, due)
                moment = back
                pauses_done.append((asked, back))
        if going and version.has_fee and rng.random() < 0.6:  # fees requested, then paid
            asked = self.after(moment, 20 + int(rng.random() * 460))
            paid = self.after(asked, 30 + int(rng.random() * 2850))
            if asked >= anchor:
                going = False
            elif paid >= anchor:
                state, last, version_count = (
                    State.PAYMENT_REQUESTED,
                    ("handler", "request_payment", "processing", asked),
                    version_count + 1,
                )
                going = False
            else:
                state, version_count = State.PROCESSING, version_count + 2
                last = ("reception", "confirm_payment", "payment_requested", paid)
                paid_at, moment = paid, paid
                paid_online = "t" if online and rng.random() < 0.7 else "f"
        updated = None
        if going:
            fate = rng.random()
            if fate < 0.015:  # the applicant withdraws, the reception confirms
                asked = self.after(moment, 60 + int(rng.random() * 1380))
                confirmed = self.after(asked, 30 + int(rng.random() * 1170))
                if asked < anchor:
                    state, last, version_count = (
                        State.WITHDRAWAL_REQUESTED,
                        ("applicant", "withdraw", "processing", asked),
                        version_count + 1,
                    )
                    if confirmed < anchor:
                        state, version_count = State.WITHDRAWN, version_count + 1
                        last = ("reception", "confirm_withdrawal", "withdrawal_requested", confirmed)
                        finished = confirmed
            else:
                decided = self._decision(moment, due, requests)
                if decided < anchor:
                    version_count += 1
                    timeliness = deadlines.classify(calendar, decided, due, requests)
                    finished = decided
                    if fate < 0.03:
                        state, last, reason = State.STOPPED, ("leader", "stop", "processing", decided), STOP_REASON
                    else:
                        state, last = State.RESULT_READY, ("leader", "decide", "processing", decided)
                        if fate > 0.975:
                            outcome, reason = "denied", DENY_REASON
                        else:
                            outcome, result = "approved", f"Số {1 + int(rng.random() * 9999)}/{decided.year}"
                        back = self.after(decided, 20 + int(rng.random() * 5740))
                        if back < anchor:
                            state, last, version_count = (
                                State.RETURNED,
                                ("return_desk", "return", "result_ready", back),
                                version_count + 1,
                            )
                            returned = back
                            if rng.random() < 0.35:
                                rated = back + timedelta(seconds=600 + int(rng.random() * 240000))
                                if rated < anchor:
                                    version_count += 1
                                    weights = (0.15, 0.65) if timeliness == "late" else (0.6, 0.95)
                                    roll = rng.random()
                                    rating = (
                                        "very_satisfied"
                                        if roll < weights[0]
                                        else ("satisfied" if roll < weights[1] else "not_satisfied")
                                    )
                                    rated_at = text_of(rated)
                                    updated = rated_at
        role, action, from_state, at = last
        updated = updated or text_of(at)
        supplemented = text_of(pauses_done[-1][1]) if pauses_done else NULL
        processing = NULL
        if finished is not None:
            processing = int(deadlines.processing_time(calendar, received, finished, pauses_done).total_seconds())
        state_value = state.value
        n = NULL
        rest = (
            f"{version_count}\t{version.head}\t{state_value}\t{NATIONAL_STATUS[state]}\t{channel}\t{applicant}\t{n}\t"
            f"{centre.id}\t{centre.id}\t{unit}\t{n}\t{filed}\t{text_of(received)}\t{text_of(due)}\t{n}\t"
            f"{n if paused_at is None else text_of(paused_at)}\t{n if remaining is None else remaining}\t"
            f"{text_of(transferred) if state is not State.RECEIVED else n}\t"
            f"{n if finished is None else text_of(finished)}\t{n if returned is None else text_of(returned)}\t"
            f"{requests}\t0\t{timeliness}\t{outcome}\t{result}\t{reason}\t"
            f"{version.fee}\t{n if paid_at is None else text_of(paid_at)}\t{paid_online}\t{rating}\t\t"
            f"{n if rated_at is None else rated_at}\t\t\t{NO_REMINDERS}\tcounter\t\t{supplemented}\t{processing}"
        )
        if rating:
            event = _event("applicant", "rate", "returned", "returned", rated_at)
        else:
            event = _event(role, action, from_state, state_value, updated)
        pause = None
        if paused_at is not None:
            pause = f"{text_of(paused_at)}\t{n}\t{remaining}\t{PAUSE_REASON}\t{PAUSE_MISSING}"
        return (received, centre, filed, updated, rest, event, pause, state_value)

    def _decision(self, start: datetime, due: datetime, requests: int) -> datetime:
        """When the decision is signed, aiming early, on time or late against the due moment as drawn (what it is,
        ``deadlines.classify`` says)."""
        rng, calendar = self.rng, self.calendar
        roll = rng.random()
        target = "late" if requests > 1 else ("early" if roll < 0.55 else ("on_time" if roll < 0.85 else "late"))
        threshold = calendar.session_start_containing(due)  # before it: early
        if target == "early" and threshold - start > timedelta(minutes=15):
            # a moment of the clock between the two, at the next working moment; when that is the threshold itself
            # (the moment fell in the night or the lunch break just before it), so many working minutes instead
            decided = calendar.next_working_moment(start + (threshold - start) * (0.05 + 0.75 * rng.random()))
            if decided < threshold:
                return decided
            available = int(calendar.working_time_between(start, threshold).total_seconds()) // 60
            if available >= 15:
                minutes = 5 + int(rng.random() * (available - 5) * 0.8)
                return calendar.add_working_hours(start, Decimal(minutes) / 60)
        if target != "late":
            low = max(threshold, start + timedelta(minutes=5))  # inside the session that holds the due moment
            span = int((due - low).total_seconds())
            if span > 60:
                return low + timedelta(seconds=int(rng.random() * span))
        return self.after(max(due, start), 30 + int(rng.random() * 7 * 24 * 60))  # up to a week late


def text_of(moment: datetime) -> str:
    """A moment in COPY text format (``2026-03-02 08:15:00+07:00``)."""
    return moment.isoformat(sep=" ")


def _event(role: str, action: str, from_state: str, to_state: str, at: str) -> str:
    """The audit event's columns between ``dossier_id`` and ``reason`` (no actor: ``actor_id`` is NULL)."""
    return f"{at}\t{NULL}\t{role}\t{action}\t{from_state}\t{to_state}"
