"""The stored deadline facts of every dossier can be derived again from its history (the audit trail is the truth).

A deterministic random walk drives 48 dossiers through the real services at frozen moments spread over 2026
(receptions before Tết, on the make-up Saturday 22/8, around Hùng Kings' day, 30/4, National Day and 24/11, at
night and on weekends; supplement pauses that span holidays; stops, refusals, withdrawals, extensions). Then, for
EVERY dossier, ``deadlines.replay`` recomputes received_at, due_at, supplement_count, finished_at and timeliness
from its audit events alone, and they must equal the stored columns. Independent checks — the pause rows against
the events, the working time on the clock, the daily code sequence — guard the replay itself.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import deadlines, services
from dossiers.models import AuditEvent, Dossier, Pause
from dossiers.tests.factories import APPLICANT, file_online, procedure_version, receive_at_counter
from procedures.calendar import working_calendar

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SEED = 20260216
DOSSIERS = 48


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


#: Days off in the period (hand-listed from the ``holidays`` package, VN) — to check that pauses span some.
HOLIDAYS = {
    *(datetime.date(2026, 2, d) for d in range(16, 21)),  # Tết 2026
    datetime.date(2026, 4, 27),  # Hùng Kings (observed)
    datetime.date(2026, 4, 30),
    datetime.date(2026, 5, 1),
    datetime.date(2026, 8, 31),  # swapped with Saturday 22/8
    datetime.date(2026, 9, 1),
    datetime.date(2026, 9, 2),
    datetime.date(2026, 11, 24),
    datetime.date(2027, 1, 1),
    *(datetime.date(2027, 2, d) for d in range(4, 11)),  # Tết 2027
}

#: Starting moments chosen around the calendar's hard cases; the rest are drawn at random over 2026.
STARTS = [
    at(2026, 2, 11, 9, 0),  # Wednesday before Tết
    at(2026, 2, 12, 14, 0),
    at(2026, 2, 13, 16, 30),  # Friday before Tết, after 15:00
    at(2026, 2, 14, 10, 0),  # Saturday before Tết
    at(2026, 2, 10, 11, 45),  # lunch
    at(2026, 4, 24, 15, 20),  # before Hùng Kings
    at(2026, 4, 29, 11, 45),  # before 30/4 – 1/5
    at(2026, 8, 21, 16, 10),
    at(2026, 8, 22, 8, 0),  # the make-up Saturday
    at(2026, 8, 22, 13, 0),
    at(2026, 8, 28, 13, 0),  # before 31/8 – 2/9
    at(2026, 11, 20, 10, 0),
    at(2026, 11, 23, 17, 30),  # evening before 24/11
    at(2026, 11, 23, 7, 0),
    at(2026, 12, 31, 15, 0),  # before New Year 2027
    at(2026, 1, 2, 6, 30),  # before 07:00
    at(2026, 9, 3, 7, 0),
    at(2026, 12, 28, 9, 0),
]

WEIGHTS = {
    "filed": [("receive", 8), ("refuse", 1), ("withdraw", 1)],
    "received": [("transfer", 9), ("withdraw", 1), ("extend", 1)],
    "transferred": [("assign", 1)],
    "processing": [
        ("decide", 7),
        ("request_supplement", 6),
        ("request_payment", 1),
        ("stop", 1),
        ("withdraw", 1),
        ("extend", 1),
    ],
    "supplement_requested": [("supplement", 8), ("stop", 1), ("withdraw", 1), ("extend", 1)],
    "payment_requested": [("confirm_payment", 5), ("stop", 1)],
    "withdrawal_requested": [("confirm_withdrawal", 1)],
    "result_ready": [("return", 3), (None, 1)],
    "returned": [("rate", 1), (None, 1)],
}
GAPS_MINUTES = [5, 20, 45, 90, 180, 20 * 60, 26 * 60, 2 * 1440, 4 * 1440]
#: The applicant may take long to supplement: pauses of up to two weeks span the holidays.
PAUSE_MINUTES = [30, 3 * 60, 26 * 60, 4 * 1440, 8 * 1440, 13 * 1440]


@dataclass
class Team:
    centre: object
    reception: object
    handler: object
    leader: object


def _act(moment, service, **kwargs) -> Dossier:
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


def _start(rng: random.Random, index: int) -> datetime.datetime:
    if index < len(STARTS):
        return STARTS[index]
    day = datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    clock = rng.choice([(5, 50), (7, 0), (9, 15), (11, 30), (12, 10), (13, 30), (14, 59), (15, 0), (16, 45), (18, 20)])
    return at(day.year, day.month, day.day, *clock)


def _walk(rng: random.Random, index: int, world, teams: list[Team], codes: list[str]) -> Dossier:
    team = teams[index % 3 == 2]  # every third dossier goes to the other centre
    code = codes[index % len(codes)]
    now = _start(rng, index)
    applicant = {**APPLICANT, "id_number": world.citizen.id_number}
    if rng.random() < 0.5:
        with time_machine.travel(now, tick=False):
            dossier = file_online(world.citizen, team.centre, code=code)
    else:
        dossier = _act(
            now,
            receive_at_counter,
            actor=team.reception,
            procedure_code=code,
            applicant=applicant,
            reception_centre_id=team.centre.pk,
        )
    for _step in range(30):
        choices = WEIGHTS.get(dossier.state)
        if not choices:
            break  # refused, stopped, withdrawn
        action = rng.choices([a for a, _w in choices], weights=[w for _a, w in choices])[0]
        # the dossiers that start just before a holiday hurry to a supplement request, so the pause spans it
        hurry = index < len(STARTS) and dossier.supplement_count == 0
        if hurry and dossier.state == "processing" and rng.random() < 0.7:
            action = "request_supplement"
        if action is None:
            break
        if action == "extend" and dossier.extension_count:
            continue
        gaps = PAUSE_MINUTES if action == "supplement" else [5, 20, 45, 90] if hurry else GAPS_MINUTES
        now += datetime.timedelta(minutes=rng.choice(gaps) + rng.randrange(60))
        if action == "decide" and dossier.due_at is not None and rng.random() < 0.5:
            # aim around the due moment, so that every class shows up (scheduling only; nothing is expected here)
            target = dossier.due_at - datetime.timedelta(minutes=rng.choice([0, 0, 1, 30, 90, 240, -1, -60]))
            now = max(now, target)
        pk = dossier.pk
        if action == "receive":
            dossier = _act(now, services.dossier_receive, dossier_id=pk, actor=team.reception)
        elif action == "refuse":
            dossier = _act(now, services.dossier_refuse, dossier_id=pk, actor=team.reception, reason="Sai thẩm quyền")
        elif action == "withdraw":
            dossier = _act(now, services.dossier_withdraw, dossier_id=pk, actor=world.citizen, reason="Không cần nữa")
        elif action == "confirm_withdrawal":
            dossier = _act(now, services.dossier_confirm_withdrawal, dossier_id=pk, actor=team.reception)
        elif action == "transfer":
            dossier = _act(now, services.dossier_transfer, dossier_id=pk, actor=team.reception)
        elif action == "assign":
            dossier = _act(now, services.dossier_assign, dossier_id=pk, actor=team.leader, handler_id=team.handler.pk)
        elif action == "request_supplement":
            dossier = _act(
                now,
                services.dossier_request_supplement,
                dossier_id=pk,
                actor=team.handler,
                reason="Thiếu giấy tờ",
                missing_components=["Giấy chứng sinh"],
            )
        elif action == "supplement":
            actor = world.citizen if rng.random() < 0.5 else team.reception
            dossier = _act(now, services.dossier_supplement, dossier_id=pk, actor=actor)
        elif action == "request_payment":
            dossier = _act(now, services.dossier_request_payment, dossier_id=pk, actor=team.handler, amount_vnd=50_000)
        elif action == "confirm_payment":
            dossier = _act(now, services.dossier_confirm_payment, dossier_id=pk, actor=team.reception)
        elif action == "stop":
            dossier = _act(now, services.dossier_stop, dossier_id=pk, actor=team.leader, reason="Không đủ điều kiện")
        elif action == "decide":
            dossier = _act(
                now,
                services.dossier_decide,
                dossier_id=pk,
                actor=team.leader,
                outcome="approved",
                result_document="Kết quả số 1",
            )
        elif action == "return":
            dossier = _act(now, services.dossier_return, dossier_id=pk, actor=team.reception)
        elif action == "rate":
            dossier = _act(now, services.dossier_rate, dossier_id=pk, actor=world.citizen, rating="satisfied")
            break  # rated once; the life is over
        elif action == "extend":
            new_due = max(now, dossier.due_at) + datetime.timedelta(days=rng.choice([1, 3, 7]))
            dossier = _act(
                now, services.dossier_extend, dossier_id=pk, actor=team.leader, reason="Xin lỗi", new_due_at=new_due
            )
        else:  # pragma: no cover
            raise AssertionError(action)
    return dossier


@pytest.fixture
def walked(world) -> list[Dossier]:
    # besides 1.001193 (3 working days): a 1-working-day procedure and a 10-calendar-day one
    procedure_version(code="1.000001", name="Thủ tục một ngày làm việc", time_value="1")
    procedure_version(code="1.000002", name="Thủ tục mười ngày", time_value="10", time_unit="days")
    teams = [
        Team(world.centre, world.reception, world.handler, world.leader),
        Team(world.other_centre, world.other_reception, world.other_handler, world.other_leader),
    ]
    rng = random.Random(SEED)
    codes = ["1.001193", "1.001193", "1.000001", "1.000002"]
    ids = [_walk(rng, index, world, teams, codes).pk for index in range(DOSSIERS)]
    return list(Dossier.objects.filter(pk__in=ids).select_related("procedure_version", "reception_centre"))


def test_every_dossier_replays_to_its_stored_deadline_facts(walked):
    """One walk (building it costs seconds), four checks."""
    _check_replay(walked)
    _check_classification_rules(walked)
    _check_pauses_and_clock(walked)
    _check_codes(walked)


def _check_replay(walked):
    calendar = working_calendar()
    mismatches = []
    for dossier in walked:
        events = list(AuditEvent.objects.filter(dossier=dossier).order_by("at", "id").values_list("action", "at"))
        version = dossier.procedure_version
        replayed = deadlines.replay(calendar, events, time_value=version.time_value, time_unit=version.time_unit)
        stored = deadlines.Replayed(
            received_at=dossier.received_at,
            due_at=dossier.due_at,
            supplement_count=dossier.supplement_count,
            finished_at=dossier.finished_at,
            timeliness=dossier.timeliness,
            processing_seconds=dossier.processing_seconds,
        )
        if replayed != stored:
            mismatches.append((dossier.pk, [a for a, _ in events], stored, replayed))
    assert mismatches == []
    # the walk really is varied: all three classes, the unclassified ends, several supplements
    states = Counter(d.state for d in walked)
    classes = Counter(d.timeliness for d in walked if d.timeliness)
    assert {"early", "on_time", "late"} <= set(classes) and min(classes.values()) >= 3, classes
    assert {"refused", "stopped", "withdrawn", "result_ready", "returned"} <= set(states), states
    assert sum(d.supplement_count >= 2 for d in walked) >= 3
    assert sum(d.extension_count for d in walked) >= 2


def _check_classification_rules(walked):
    for dossier in walked:
        if dossier.state in ("result_ready", "returned", "stopped"):
            assert dossier.timeliness in ("early", "on_time", "late"), dossier.pk
            assert dossier.finished_at is not None
            if dossier.supplement_count > 1 or dossier.finished_at > dossier.due_at:
                assert dossier.timeliness == "late", dossier.pk
            else:
                assert dossier.timeliness in ("early", "on_time"), dossier.pk
            if dossier.finished_at <= dossier.due_at - datetime.timedelta(hours=5):
                # no session is longer than 4.5 h: finished 5 h before the due moment is before its session
                assert dossier.timeliness == "early" or dossier.supplement_count > 1, dossier.pk
        elif dossier.state in ("refused", "withdrawn"):
            assert dossier.timeliness == "" and dossier.finished_at is not None
        else:
            assert dossier.timeliness == "" and dossier.finished_at is None


def _check_pauses_and_clock(walked):
    calendar = working_calendar()
    ends = {"supplement", "stop", "decide", "confirm_withdrawal"}
    spanning_holidays = 0
    checked_clock = 0
    for dossier in walked:
        events = list(AuditEvent.objects.filter(dossier=dossier).order_by("at", "id").values_list("action", "at"))
        pauses = list(Pause.objects.filter(dossier=dossier).order_by("started_at", "id"))
        starts = [moment for action, moment in events if action == "request_supplement"]
        assert [p.started_at for p in pauses] == starts
        assert dossier.supplement_count == len(pauses)
        for pause in pauses:
            # the pause ends at the first event after its start that resumes or finishes the dossier
            following = [m for a, m in events if a in ends and m >= pause.started_at]
            assert pause.ended_at == (following[0] if following else None)
            if pause.ended_at and any(pause.started_at.date() <= d <= pause.ended_at.date() for d in HOLIDAYS):
                spanning_holidays += 1
        if dossier.received_at is None or dossier.procedure_version.time_unit == "days":
            continue
        if any(p.ended_at is None or p.remaining_seconds == 0 for p in pauses):
            continue  # the clock is still stopped, or stopped when already overdue
        # working time on the clock = working time from reception to the due moment minus the paused working time;
        # it must be exactly the procedure's time (3 working days = 24 h, 1 working day = 8 h)
        paused = sum((calendar.working_time_between(p.started_at, p.ended_at) for p in pauses), datetime.timedelta())
        on_clock = calendar.working_time_between(dossier.received_at, dossier.due_at) - paused
        hours = {"1.001193": 24, "1.000001": 8}[dossier.procedure.code]
        assert on_clock == datetime.timedelta(hours=hours), dossier.pk
        assert dossier.procedure_version.time_value * 8 == Decimal(hours)
        checked_clock += 1
    assert spanning_holidays >= 3
    assert checked_clock >= 20


def _check_codes(walked):
    numbers = defaultdict(list)
    for dossier in walked:
        if dossier.received_at is None:
            assert dossier.code is None and dossier.reference.startswith("TN-")
            continue
        day = dossier.received_at.astimezone(TZ).date()
        prefix = f"{dossier.reception_centre.agency_code}-{day:%y%m%d}-"
        assert dossier.code.startswith(prefix), dossier.code
        numbers[prefix].append(int(dossier.code.removeprefix(prefix)))
    for prefix, issued in numbers.items():
        assert sorted(issued) == list(range(1, len(issued) + 1)), prefix
    assert any(len(issued) > 1 for issued in numbers.values())
    assert any(prefix.endswith("-260822-") for prefix in numbers)  # the make-up Saturday
