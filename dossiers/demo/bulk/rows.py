"""The rows of the bulk generator: one reception day at a time, in PostgreSQL ``COPY`` text format."""

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
from dossiers.demo.bulk.timeline import Timeline, text_of
from dossiers.demo.texts import FAMILY, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M, MOBILE_PREFIXES, ORGANISATIONS
from dossiers.models import Dossier
from dossiers.workflow import NATIONAL_STATUS, State
from procedures.calendar import working_calendar
from procedures.models import Level, ProcedureVersion, TimeUnit
from procedures.worktime import HOURS_PER_WORKING_DAY

DOSSIER_COLUMNS = [f.column for f in Dossier._meta.concrete_fields]
EVENT_COLUMNS = ["dossier_id", "at", "actor_id", "actor_role", "action", "from_state", "to_state", "reason", "payload"]
PAUSE_COLUMNS = ["dossier_id", "started_at", "ended_at", "remaining_seconds", "reason", "missing_components"]
#: The dossier columns this module writes, in order (checked against the model: a new column must be added here).
WRITTEN = [
    "id", "created_at", "updated_at", "code", "reference", "version", "procedure_version_id", "procedure_id",
    "field_id", "level", "state", "status_code", "channel", "applicant_kind", "applicant_name", "applicant_id_number",
    "applicant_phone", "applicant_email", "applicant_address", "organisation_name", "filed_by_id",
    "reception_centre_id", "return_centre_id", "processing_unit_id", "handler_id", "filed_at", "received_at", "due_at",
    "extended_due_at", "paused_at", "remaining_seconds", "transferred_at", "finished_at", "returned_at",
    "supplement_count", "extension_count", "timeliness", "outcome", "result_document", "closing_reason", "fee_vnd",
    "paid_at", "paid_online", "rating", "rating_comment", "rated_at", "legacy_code", "legacy_unit",
]  # fmt: skip
NULL = r"\N"  # COPY text format; every generated value is a string without tab, newline or backslash
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
    seconds: int | None  # working seconds of the processing time; None for calendar days and months
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
        seconds = None
        if v.time_unit == TimeUnit.WORKING_DAYS:
            seconds = int(Decimal(v.time_value) * HOURS_PER_WORKING_DAY * 3600)
        elif v.time_unit == TimeUnit.WORKING_HOURS:
            seconds = int(Decimal(v.time_value) * 3600)
        if v.level == Level.PROVINCIAL and not v.processing_unit_id:
            continue
        versions.append(
            _Version(
                head=f"{v.pk}\t{v.procedure_id}\t{v.field_id}\t{v.level}",
                level=v.level,
                unit=str(v.processing_unit_id) if v.processing_unit_id else None,
                seconds=seconds,
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
        self.timeline = Timeline(calendar, first_day, anchor_day + timedelta(days=800))
        self.anchor_day = anchor_day
        self.anchor = self.timeline.start_of(anchor_day)  # "now": no working second before it is in the future
        self.anchor_moment = datetime.combine(anchor_day, time(0, 0), tzinfo=calendar.tz)
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
        self.organisations = list(ORGANISATIONS)
        self.calendar_dues: dict[tuple, int] = {}

    def _name(self) -> str:
        rng = self.rng
        female = rng.random() < 0.5
        middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
        return f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN_F if female else GIVEN_M)}"

    def due(self, version: _Version, received: int) -> int:
        if version.seconds is not None:
            return received + version.seconds
        key = (version.time_value, version.time_unit, self.timeline.day(received))
        due = self.calendar_dues.get(key)
        if due is None:
            moment = self.calendar.due_moment(
                self.timeline.moment(received), time_value=version.time_value, time_unit=version.time_unit
            )
            due = self.calendar_dues[key] = self.timeline.from_due_moment(moment)
        return due

    def chunk(self, k: int, quota: int, filed_only: int, first_id: int, issued: dict) -> Chunk:
        """The rows received on working day ``k`` (plus ``filed_only`` filings not received yet), ids from
        ``first_id``, codes continuing ``issued`` (updated)."""
        records = [self.dossier(k) for _ in range(quota)]
        records += [self.filed(k) for _ in range(filed_only)]
        records.sort(key=lambda record: record[0])
        timeline = self.timeline
        dossiers, events, pauses, lasts, states = [], [], [], {}, Counter()
        for offset, (_key, centre, created, updated, rest, event, pause, state) in enumerate(records):
            dossier_id = first_id + offset
            code = NULL
            if centre is not None:
                key = (centre.id, timeline.days[k])
                number = issued.get(key, 0) + 1
                issued[key] = lasts[key] = number
                code = f"{centre.agency}-{timeline.yymmdd[k]}-{number:04d}"
            dossiers.append(f"{dossier_id}\t{created}\t{updated}\t{code}\tTN-0{dossier_id:010d}\t{rest}\n")
            events.append(f"{dossier_id}\t{event}\t\t{BULK_PAYLOAD}\n")
            if pause is not None:
                pauses.append(f"{dossier_id}\t{pause}\n")
            states[state] += 1
        return Chunk(dossiers, events, pauses, lasts, states)

    def _applicant(self, version: _Version) -> tuple[str, str]:
        """(applicant columns from applicant_kind to organisation_name, tab-joined)."""
        rng = self.rng
        name = self.names[int(rng.random() * 4096)]
        phone = f"{MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]}{int(rng.random() * 10**7):07d}"
        if version.level == Level.PROVINCIAL and rng.random() < 0.35:
            organisation = self.organisations[int(rng.random() * len(self.organisations))]
            return f"organisation\t{name}\t{int(rng.random() * 10**10):010d}\t{phone}\t\t\t{organisation}"
        province = ("025", "026", "017", "001", "022")[int(rng.random() * 5)]
        birth = f"{int(rng.random() * 4)}{int(rng.random() * 100):02d}{int(rng.random() * 10**6):06d}"
        return f"person\t{name}\t{province}{birth}\t{phone}\t\t\t"

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

    def filed(self, k: int) -> tuple:
        """Filed online in the last day and a half, not received yet (state 1, no code)."""
        rng = self.rng
        centre, version, unit = self._place()
        filed = text_of(self.anchor_moment - timedelta(seconds=300 + int(rng.random() * 36 * 3600)))
        state = State.FILED.value
        rest = (
            f"1\t{version.head}\t{state}\t1\tonline\t{self._applicant(version)}\t{NULL}\t{centre.id}\t{centre.id}\t"
            f"{unit}\t{NULL}\t{filed}\t" + "\t".join([NULL] * 8) + f"\t0\t0\t\t\t\t\t{version.fee}\t{NULL}\tf\t\t\t"
            f"{NULL}\t\t"
        )
        event = _event("applicant", "file", "", state, filed)
        return ((k + 1) * self.timeline.length, None, filed, filed, rest, event, None, state)

    def dossier(self, k: int) -> tuple:
        """One dossier received on working day ``k``; the anchor ("now") stops its story wherever it has reached.

        Returns (sort key, centre to number it at or None, created, updated, other columns, event, pause, state).
        """
        rng, timeline, anchor = self.rng, self.timeline, self.anchor
        text = timeline.text
        centre, version, unit = self._place()
        online = version.online and rng.random() < 0.38
        channel = "online" if online else ("post" if rng.random() < 0.06 else "direct")
        applicant = self._applicant(version)
        length = timeline.length
        received = k * length + 300 + int(rng.random() * (length - 900))
        if online:
            filed = text_of(timeline.moment(received) - timedelta(seconds=1200 + int(rng.random() * 40 * 3600)))
            if rng.random() < 0.03:  # refused at reception: no code, no appointment, not classified
                at = text(received)
                state = State.REFUSED.value
                rest = (
                    f"2\t{version.head}\t{state}\t3\tonline\t{applicant}\t{NULL}\t{centre.id}\t{centre.id}\t{unit}\t"
                    f"{NULL}\t{filed}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{at}\t{NULL}\t0\t0\t\t\t\t"
                    f"{REFUSE_REASON}\t{version.fee}\t{NULL}\tf\t\t\t{NULL}\t\t"
                )
                return (received, None, filed, at, rest, _event("reception", "refuse", "filed", state, at), None, state)
        else:
            filed = text(received)
        due = self.due(version, received)
        # The story: (role, action, from, to, working second) while it happens before the anchor.
        version_count = 2 if online else 1
        state, last = (
            State.RECEIVED,
            ("reception", "receive" if online else "receive_at_counter", "filed" if online else "", received),
        )
        transferred = received + 300 + int(rng.random() * 6900)
        assigned = transferred + 600 + int(rng.random() * 17400)
        paused_at = remaining = returned = paid_at = finished = None
        rated_at = None
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
                asked = moment + 1800 + int(rng.random() * 34200)
                if asked >= anchor:
                    going = False
                    break
                requests += 1
                version_count += 1
                left = due - asked if due > asked else 0
                back_day = timeline.day(asked) + 1 + int(rng.random() * 6)
                back = back_day * length + 600 + int(rng.random() * (length - 1200))
                if back >= anchor:
                    state, last = State.SUPPLEMENT_REQUESTED, ("handler", "request_supplement", "processing", asked)
                    paused_at, remaining = asked, left
                    going = False
                    break
                version_count += 1
                last = ("applicant", "supplement", "supplement_requested", back)
                if left > 0:
                    due = back + left
                moment = back
        if going and version.has_fee and rng.random() < 0.6:  # fees requested, then paid
            asked = moment + 1200 + int(rng.random() * 13200)
            paid = asked + 1800 + int(rng.random() * 52200)
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
                asked = moment + 3600 + int(rng.random() * 28800)
                confirmed = asked + 1800 + int(rng.random() * 27000)
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
                    late = requests > 1 or timeline.moment(decided) > timeline.due_moment(due)
                    if late:
                        timeliness = "late"
                    else:
                        timeliness = "early" if decided < timeline.session_start_of_due(due) else "on_time"
                    finished = decided
                    if fate < 0.03:
                        state, last, reason = State.STOPPED, ("leader", "stop", "processing", decided), STOP_REASON
                    else:
                        state, last = State.RESULT_READY, ("leader", "decide", "processing", decided)
                        if fate > 0.975:
                            outcome, reason = "denied", DENY_REASON
                        else:
                            outcome, result = (
                                "approved",
                                f"Số {1 + int(rng.random() * 9999)}/{timeline.days[timeline.day(decided)].year}",
                            )
                        back = decided + 1200 + int(rng.random() * 88800)
                        if back < anchor:
                            state, last, version_count = (
                                State.RETURNED,
                                ("return_desk", "return", "result_ready", back),
                                version_count + 1,
                            )
                            returned = back
                            if rng.random() < 0.35:
                                rated = timeline.moment(back) + timedelta(seconds=600 + int(rng.random() * 240000))
                                if rated < self.anchor_moment:
                                    version_count += 1
                                    weights = (0.15, 0.65) if late else (0.6, 0.95)
                                    roll = rng.random()
                                    rating = (
                                        "very_satisfied"
                                        if roll < weights[0]
                                        else ("satisfied" if roll < weights[1] else "not_satisfied")
                                    )
                                    rated_at = text_of(rated)
                                    updated = rated_at
        role, action, from_state, at = last
        updated = updated or text(at)
        state_value = state.value
        n = NULL
        rest = (
            f"{version_count}\t{version.head}\t{state_value}\t{NATIONAL_STATUS[state]}\t{channel}\t{applicant}\t{n}\t"
            f"{centre.id}\t{centre.id}\t{unit}\t{n}\t{filed}\t{text(received)}\t{timeline.text_due(due)}\t{n}\t"
            f"{n if paused_at is None else text(paused_at)}\t{n if remaining is None else remaining}\t"
            f"{text(transferred) if state is not State.RECEIVED else n}\t{n if finished is None else text(finished)}\t"
            f"{n if returned is None else text(returned)}\t{requests}\t0\t{timeliness}\t{outcome}\t{result}\t{reason}\t"
            f"{version.fee}\t{n if paid_at is None else text(paid_at)}\t{paid_online}\t{rating}\t\t"
            f"{n if rated_at is None else rated_at}\t\t"
        )
        if rating:
            event = _event("applicant", "rate", "returned", "returned", rated_at)
        else:
            event = _event(role, action, from_state, state_value, updated)
        pause = None
        if paused_at is not None:
            pause = f"{text(paused_at)}\t{n}\t{remaining}\t{PAUSE_REASON}\t{PAUSE_MISSING}"
        return (received, centre, filed, updated, rest, event, pause, state_value)

    def _decision(self, start: int, due: int, requests: int) -> int:
        """When the decision is signed: early, on time or late against the due moment, as drawn."""
        rng, timeline = self.rng, self.timeline
        roll = rng.random()
        target = "late" if requests > 1 else ("early" if roll < 0.55 else ("on_time" if roll < 0.85 else "late"))
        if target == "early":
            threshold = timeline.session_start_of_due(due)
            if threshold - start >= 900:
                return start + 300 + int(rng.random() * (threshold - start - 300) * 0.8)
            target = "on_time"
        if target == "on_time":
            low = max(timeline.session_start_of_due(due), start + 300)
            if due - low > 60:
                return low + int(rng.random() * (due - low))
        return max(due, start) + 1800 + int(rng.random() * 142200)


def _event(role: str, action: str, from_state: str, to_state: str, at: str) -> str:
    """The audit event's columns between ``dossier_id`` and ``reason`` (no actor: ``actor_id`` is NULL)."""
    return f"{at}\t{NULL}\t{role}\t{action}\t{from_state}\t{to_state}"
