"""The pure working-time calendar (DOMAIN.md §4): tables of hand-computed cases, no database.

Every expected value below was worked out by hand from the calendar (weekdays are checked by
``test_weekday_premises``) and the rules: sessions 07:00–11:30 and 13:30–17:00, 8 working hours a day.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from procedures.worktime import (
    DEFAULT_SESSIONS,
    TIMEZONE,
    WorkingCalendar,
    statutory_working_day,
    whole_working_hours,
    working_hours_for,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """An aware Vietnam-time moment, built without the code under test."""
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


# --- Premises of the hand computations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        (date(2026, 3, 2), "Mon"),
        (date(2026, 2, 27), "Fri"),
        (date(2026, 3, 6), "Fri"),
        (date(2026, 3, 7), "Sat"),
        (date(2026, 3, 9), "Mon"),
        (date(2026, 2, 13), "Fri"),
        (date(2026, 2, 23), "Mon"),
        (date(2026, 2, 28), "Sat"),
        (date(2026, 4, 16), "Thu"),
        (date(2026, 4, 24), "Fri"),
        (date(2026, 4, 26), "Sun"),
        (date(2026, 4, 29), "Wed"),
        (date(2026, 5, 4), "Mon"),
        (date(2026, 8, 21), "Fri"),
        (date(2026, 8, 22), "Sat"),
        (date(2026, 8, 24), "Mon"),
        (date(2026, 8, 28), "Fri"),
        (date(2026, 8, 31), "Mon"),
        (date(2026, 9, 3), "Thu"),
        (date(2026, 11, 24), "Tue"),
        (date(2026, 12, 30), "Wed"),
        (date(2027, 1, 4), "Mon"),
        (date(2027, 2, 3), "Wed"),
        (date(2027, 2, 11), "Thu"),
        (date(2027, 11, 24), "Wed"),
        (date(2028, 2, 29), "Tue"),
    ],
)
def test_weekday_premises(day, weekday):
    assert day.strftime("%a") == weekday


# --- Working days -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "worked"),
    [
        (date(2026, 3, 2), True),  # an ordinary Monday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 1, 1), False),  # New Year
        # Tết Bính Ngọ 2026: Monday 16 to Friday 20 February off
        (date(2026, 2, 13), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 18), False),
        (date(2026, 2, 19), False),
        (date(2026, 2, 20), False),
        (date(2026, 2, 23), True),
        # Tết Đinh Mùi 2027: Thursday 4 to Wednesday 10 February off (29 Tết and the observed days)
        (date(2027, 2, 3), True),
        (date(2027, 2, 4), False),
        (date(2027, 2, 5), False),
        (date(2027, 2, 8), False),
        (date(2027, 2, 9), False),
        (date(2027, 2, 10), False),
        (date(2027, 2, 11), True),
        # Hùng Kings' day 2026 falls on Sunday 26/4: Monday 27/4 is the observed day off
        (date(2026, 4, 26), False),
        (date(2026, 4, 27), False),
        (date(2026, 4, 28), True),
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        # National Day 2026: 1 and 2 September
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        # Vietnam Culture Day: a holiday from 2026 only
        (date(2026, 11, 24), False),
        (date(2025, 11, 24), True),
        (date(2027, 11, 24), False),
        # Weekend make-up days: Saturday 22/8/2026 worked for Monday 31/8/2026; Saturday 26/4/2025 for Friday 2/5/2025
        (date(2026, 8, 22), True),
        (date(2026, 8, 23), False),
        (date(2026, 8, 31), False),
        (date(2025, 4, 26), True),
        (date(2025, 5, 2), False),
    ],
)
def test_is_working_day(day, worked):
    assert CAL.is_working_day(day) is worked
    assert statutory_working_day(day) is worked


def test_is_working_day_reads_a_datetime_as_its_local_date():
    # 20:00 UTC on Friday 13/2/2026 is 03:00 on Saturday 14/2 in Vietnam.
    assert CAL.is_working_day(datetime(2026, 2, 13, 20, 0, tzinfo=UTC)) is False
    assert CAL.is_working_day(datetime(2026, 2, 13, 16, 0, tzinfo=UTC)) is True


@pytest.mark.parametrize(
    ("calendar", "day", "worked"),
    [
        (WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 3)})), date(2026, 3, 3), False),
        (WorkingCalendar(extra_days_off=frozenset({date(2026, 8, 22)})), date(2026, 8, 22), False),
        (WorkingCalendar(extra_working_days=frozenset({date(2026, 3, 7)})), date(2026, 3, 7), True),
        (WorkingCalendar(extra_working_days=frozenset({date(2026, 4, 30)})), date(2026, 4, 30), True),
        (WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 3)})), date(2026, 3, 4), True),
    ],
)
def test_admin_exceptions_override_the_law(calendar, day, worked):
    assert calendar.is_working_day(day) is worked


# --- Adding working hours -----------------------------------------------------------------------------------

DEFAULT_CASES = [
    # (start, hours, expected due moment)
    pytest.param(at(2026, 3, 2, 7), 8, at(2026, 3, 2, 17), id="mon-0700+8h-ends-at-1700-same-day"),
    pytest.param(at(2026, 3, 2, 13, 30), Decimal("3.5"), at(2026, 3, 2, 17), id="1330+3.5h-ends-at-1700"),
    pytest.param(at(2026, 3, 2, 7), Decimal("4.5"), at(2026, 3, 2, 11, 30), id="ends-exactly-at-1130"),
    pytest.param(at(2026, 3, 2, 7), 5, at(2026, 3, 2, 14), id="crosses-lunch"),
    pytest.param(at(2026, 3, 2, 11, 30), 1, at(2026, 3, 2, 14, 30), id="start-exactly-at-1130"),
    pytest.param(at(2026, 3, 2, 6), 1, at(2026, 3, 2, 8), id="received-before-0700"),
    pytest.param(at(2026, 3, 2, 12), 2, at(2026, 3, 2, 15, 30), id="received-during-lunch"),
    pytest.param(at(2026, 3, 2, 17), 1, at(2026, 3, 3, 8), id="received-at-1700"),
    pytest.param(at(2026, 3, 2, 18, 30), 8, at(2026, 3, 3, 17), id="received-after-1700"),
    pytest.param(at(2026, 3, 7, 9), 4, at(2026, 3, 9, 11), id="received-on-saturday"),
    pytest.param(at(2026, 3, 8, 10), 8, at(2026, 3, 9, 17), id="received-on-sunday"),
    pytest.param(at(2026, 3, 2, 10), 8, at(2026, 3, 3, 10), id="one-day-from-mid-morning"),
    pytest.param(at(2026, 3, 2, 7), 24, at(2026, 3, 4, 17), id="three-working-days"),
    pytest.param(at(2026, 3, 2, 7), 120, at(2026, 3, 20, 17), id="fifteen-working-days"),
    pytest.param(at(2026, 3, 2, 7), 4, at(2026, 3, 2, 11), id="half-a-day"),
    pytest.param(at(2026, 3, 2, 11), Decimal("1.5"), at(2026, 3, 2, 14, 30), id="fractional-hours"),
    pytest.param(at(2026, 3, 2, 7), Decimal("0.25"), at(2026, 3, 2, 7, 15), id="quarter-hour"),
    pytest.param(at(2026, 3, 2, 7), 0.1, at(2026, 3, 2, 7, 6), id="float-hours"),
    pytest.param(at(2026, 2, 13, 15), 8, at(2026, 2, 23, 15), id="across-tet-2026"),
    pytest.param(at(2027, 2, 3, 16), 2, at(2027, 2, 11, 8), id="across-tet-2027"),
    pytest.param(at(2026, 4, 24, 16), 4, at(2026, 4, 28, 10), id="across-hung-kings-observed"),
    pytest.param(at(2026, 4, 29, 13, 30), 8, at(2026, 5, 4, 11, 30), id="across-30-4-and-1-5-ends-at-1130"),
    pytest.param(at(2026, 8, 21, 13, 30), 8, at(2026, 8, 22, 11, 30), id="saturday-make-up-day-is-worked"),
    pytest.param(at(2026, 8, 28, 16), 2, at(2026, 9, 3, 8), id="monday-31-8-and-national-day-off"),
    pytest.param(at(2026, 11, 23, 17), 1, at(2026, 11, 25, 8), id="culture-day-24-11-off"),
    pytest.param(at(2026, 12, 30, 9), 16, at(2027, 1, 4, 9), id="across-new-year"),
]


@pytest.mark.parametrize(("start", "amount", "expected"), DEFAULT_CASES)
def test_add_working_hours(start, amount, expected):
    due = CAL.add_working_hours(start, amount)
    assert due == expected
    assert due.tzinfo == TIMEZONE
    assert due.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(at(2026, 3, 2, 9), at(2026, 3, 2, 9), id="inside-a-session-unchanged"),
        pytest.param(at(2026, 3, 2, 12), at(2026, 3, 2, 13, 30), id="lunch-to-1330"),
        pytest.param(at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30), id="1130-to-1330"),
        pytest.param(at(2026, 3, 2, 17), at(2026, 3, 3, 7), id="1700-to-next-morning"),
        pytest.param(at(2026, 3, 7, 10), at(2026, 3, 9, 7), id="saturday-to-monday"),
    ],
)
def test_zero_hours_normalises_the_start(start, expected):
    assert CAL.add_working_hours(start, 0) == expected


def test_naive_start_is_local_time_and_aware_start_is_converted():
    naive = datetime(2026, 3, 2, 7, 0)
    utc = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 07:00 in Vietnam
    assert CAL.add_working_hours(naive, 8) == at(2026, 3, 2, 17)
    assert CAL.add_working_hours(utc, 8) == at(2026, 3, 2, 17)
    assert str(CAL.add_working_hours(utc, 8)) == "2026-03-02 17:00:00+07:00"


@pytest.mark.parametrize(
    ("calendar", "start", "amount", "expected"),
    [
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 3)})),
            at(2026, 3, 2, 7),
            16,
            at(2026, 3, 4, 17),
            id="extra-day-off-moves-the-due-moment",
        ),
        pytest.param(
            WorkingCalendar(extra_working_days=frozenset({date(2026, 3, 7)})),
            at(2026, 3, 6, 13, 30),
            8,
            at(2026, 3, 7, 11, 30),
            id="extra-working-saturday-is-used",
        ),
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 8, 22)})),
            at(2026, 8, 21, 13, 30),
            8,
            at(2026, 8, 24, 11, 30),
            id="make-up-saturday-cancelled-by-admin",
        ),
        pytest.param(
            WorkingCalendar(sessions=((time(13, 0), time(17, 0)), (time(8, 0), time(12, 0)))),
            at(2026, 3, 2, 7),
            8,
            at(2026, 3, 2, 17),
            id="configured-sessions-unsorted-08-12-13-17",
        ),
        pytest.param(
            WorkingCalendar(sessions=((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0)))),
            at(2026, 3, 2, 7),
            4,
            at(2026, 3, 2, 12),
            id="configured-sessions-end-at-1200",
        ),
    ],
)
def test_add_working_hours_with_a_configured_calendar(calendar, start, amount, expected):
    assert calendar.add_working_hours(start, amount) == expected


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (-1, ValueError),
        (Decimal("-0.5"), ValueError),
        (float("nan"), ValueError),
        (Decimal("Infinity"), ValueError),
        (True, TypeError),
        ("8", TypeError),
    ],
)
def test_add_working_hours_refuses_bad_amounts(amount, error):
    with pytest.raises(error):
        CAL.add_working_hours(at(2026, 3, 2, 7), amount)


# --- Working time between two moments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        pytest.param(CAL, at(2026, 3, 2, 7), at(2026, 3, 2, 17), hours(8), id="a-full-day"),
        pytest.param(CAL, at(2026, 3, 2, 10), at(2026, 3, 2, 14), hours(2), id="across-lunch"),
        pytest.param(CAL, at(2026, 3, 2, 12), at(2026, 3, 2, 13), hours(0), id="inside-lunch"),
        pytest.param(CAL, at(2026, 3, 2, 17), at(2026, 3, 3, 7), hours(0), id="overnight"),
        pytest.param(CAL, at(2026, 3, 2, 7), at(2026, 3, 9, 7), hours(40), id="a-week"),
        pytest.param(CAL, at(2026, 2, 13, 15), at(2026, 2, 23, 8), hours(3), id="spans-tet-2026"),
        pytest.param(CAL, at(2026, 4, 29, 7), at(2026, 5, 4, 17), hours(16), id="spans-30-4-and-1-5"),
        pytest.param(CAL, at(2026, 8, 21, 7), at(2026, 8, 24, 7), hours(16), id="spans-make-up-saturday"),
        pytest.param(CAL, at(2026, 3, 2, 15), at(2026, 3, 2, 9), hours(0), id="end-before-start"),
        pytest.param(CAL, at(2026, 3, 2, 9), at(2026, 3, 2, 9), hours(0), id="end-equals-start"),
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 3)})),
            at(2026, 3, 2, 7),
            at(2026, 3, 4, 17),
            hours(16),
            id="admin-day-off-excluded",
        ),
    ],
)
def test_working_time_between(calendar, start, end, expected):
    assert calendar.working_time_between(start, end) == expected


def test_working_time_between_mixes_naive_and_aware():
    utc_start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 07:00 in Vietnam
    assert CAL.working_time_between(utc_start, datetime(2026, 3, 2, 17, 0)) == hours(8)


@pytest.mark.parametrize("start", [at(2026, 3, 2, 7), at(2026, 3, 2, 9, 17), at(2026, 2, 13, 15), at(2026, 8, 21, 14)])
@pytest.mark.parametrize("amount", [Decimal("0.5"), 4, 8, Decimal("12.25"), 120])
def test_walking_forward_then_measuring_gives_the_hours_back(start, amount):
    due = CAL.add_working_hours(start, amount)
    assert CAL.working_time_between(start, due) == hours(float(amount))


# --- Subtracting working hours (the mirror of adding: the reminders' "N working hours before") ---------------

SUBTRACT_CASES = [
    # (end, hours, expected: the latest moment that far before `end`)
    pytest.param(at(2026, 3, 2, 10), 2, at(2026, 3, 2, 8), id="inside-a-session"),
    pytest.param(at(2026, 3, 2, 17), 8, at(2026, 3, 2, 7), id="1700-8h-is-0700-same-day"),
    pytest.param(at(2026, 3, 2, 17), Decimal("3.5"), at(2026, 3, 2, 13, 30), id="runs-out-exactly-at-1330"),
    pytest.param(at(2026, 3, 2, 11, 30), Decimal("4.5"), at(2026, 3, 2, 7), id="1130-4.5h-is-0700-not-friday"),
    pytest.param(at(2026, 3, 2, 11, 30), 1, at(2026, 3, 2, 10, 30), id="end-exactly-at-1130"),
    pytest.param(at(2026, 3, 2, 13, 30), 1, at(2026, 3, 2, 10, 30), id="end-exactly-at-1330-counts-from-1130"),
    pytest.param(at(2026, 3, 2, 7), 1, at(2026, 2, 27, 16), id="end-exactly-at-0700-counts-from-friday-1700"),
    pytest.param(at(2026, 3, 2, 14), 1, at(2026, 3, 2, 11), id="across-lunch"),
    pytest.param(at(2026, 3, 2, 12), 1, at(2026, 3, 2, 10, 30), id="end-during-lunch"),
    pytest.param(at(2026, 3, 2, 18, 30), 1, at(2026, 3, 2, 16), id="end-after-1700"),
    pytest.param(at(2026, 3, 2, 6), 1, at(2026, 2, 27, 16), id="end-before-0700-monday"),
    pytest.param(at(2026, 3, 2, 14, 30), Decimal("1.5"), at(2026, 3, 2, 11), id="fractional-hours"),
    pytest.param(at(2026, 3, 2, 7, 15), Decimal("0.25"), at(2026, 3, 2, 7), id="quarter-hour-to-0700"),
    # Monday 09:00 − 8 h: Mon 2 h, Fri afternoon 3.5 h, Fri 11:30 − 2.5 h → Friday 09:00 (not Sunday 09:00)
    pytest.param(at(2026, 3, 9, 9), 8, at(2026, 3, 6, 9), id="across-a-weekend-monday-0900-8h-is-friday-0900"),
    pytest.param(at(2026, 3, 9, 8), 2, at(2026, 3, 6, 16), id="across-a-weekend-short"),
    pytest.param(at(2026, 3, 20, 17), 120, at(2026, 3, 2, 7), id="fifteen-working-days"),
    # Mon 23/2/2026 15:00: Mon 1.5 + 4.5 = 6 h; Tết Mon 16 – Fri 20/2 and the weekends off; Fri 13/2 17:00 − 2 h
    pytest.param(at(2026, 2, 23, 15), 8, at(2026, 2, 13, 15), id="across-tet-2026"),
    pytest.param(at(2027, 2, 11, 8), 2, at(2027, 2, 3, 16), id="across-tet-2027"),
    # Thu 3/9/2026 08:00: Thu 1 h; Wed 2/9, Tue 1/9 (National Day), Mon 31/8 (swapped), Sat–Sun off; Fri 28/8 16:00
    pytest.param(at(2026, 9, 3, 8), 2, at(2026, 8, 28, 16), id="across-national-day-2-9-2026"),
    # Thu 3/9 07:00 − 16 h: Fri 28/8 a whole day, Thu 27/8 8 h → Thu 27/8 07:00
    pytest.param(at(2026, 9, 3, 7), 16, at(2026, 8, 27, 7), id="whole-days-across-national-day"),
    pytest.param(at(2026, 4, 28, 10), 4, at(2026, 4, 24, 16), id="across-hung-kings-observed-monday"),
    pytest.param(at(2026, 5, 4, 11, 30), 8, at(2026, 4, 29, 13, 30), id="across-30-4-and-1-5"),
    pytest.param(at(2026, 11, 25, 8), 2, at(2026, 11, 23, 16), id="culture-day-24-11-off"),
    pytest.param(at(2027, 1, 4, 9), 16, at(2026, 12, 30, 9), id="across-new-year"),
    # Mon 24/8/2026 09:00: Mon 2 h; Sun off; Saturday 22/8 is a make-up working day: 17:00 − 2 h
    pytest.param(at(2026, 8, 24, 9), 4, at(2026, 8, 22, 15), id="make-up-saturday-is-worked"),
    # Sat 22/8 09:00: 2 h that Saturday morning, then Fri 21/8 17:00 − 1 h
    pytest.param(at(2026, 8, 22, 9), 3, at(2026, 8, 21, 16), id="from-the-make-up-saturday"),
]


@pytest.mark.parametrize(("end", "amount", "expected"), SUBTRACT_CASES)
def test_subtract_working_hours(end, amount, expected):
    start = CAL.subtract_working_hours(end, amount)
    assert start == expected
    assert start.tzinfo == TIMEZONE
    assert start.utcoffset() == timedelta(hours=7)
    assert CAL.working_time_between(start, end) == hours(float(amount))


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        pytest.param(at(2026, 3, 2, 9), at(2026, 3, 2, 9), id="inside-a-session-unchanged"),
        pytest.param(at(2026, 3, 2, 17), at(2026, 3, 2, 17), id="1700-is-its-own-session-end"),
        pytest.param(at(2026, 3, 2, 12), at(2026, 3, 2, 11, 30), id="lunch-to-1130"),
        pytest.param(at(2026, 3, 2, 13, 30), at(2026, 3, 2, 11, 30), id="1330-to-1130"),
        pytest.param(at(2026, 3, 8, 10), at(2026, 3, 6, 17), id="sunday-to-friday-1700"),
    ],
)
def test_subtracting_zero_hours_gives_the_last_working_moment_at_or_before(end, expected):
    assert CAL.subtract_working_hours(end, 0) == expected


@pytest.mark.parametrize(
    ("calendar", "end", "amount", "expected"),
    [
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 8, 22)})),
            at(2026, 8, 24, 9),
            4,
            at(2026, 8, 21, 15),
            id="make-up-saturday-cancelled-by-admin",
        ),
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 3)})),
            at(2026, 3, 4, 17),
            16,
            at(2026, 3, 2, 7),
            id="extra-day-off-is-skipped",
        ),
        pytest.param(
            WorkingCalendar(extra_working_days=frozenset({date(2026, 3, 7)})),
            at(2026, 3, 9, 8),
            2,
            at(2026, 3, 7, 16),
            id="extra-working-saturday-is-used",
        ),
        pytest.param(
            WorkingCalendar(sessions=((time(13, 0), time(17, 0)), (time(8, 0), time(12, 0)))),
            at(2026, 3, 2, 14),
            2,
            at(2026, 3, 2, 11),
            id="configured-sessions-08-12-13-17",
        ),
    ],
)
def test_subtract_working_hours_with_a_configured_calendar(calendar, end, amount, expected):
    assert calendar.subtract_working_hours(end, amount) == expected
    assert calendar.working_time_between(expected, end) == hours(amount)


def test_subtract_reads_naive_as_local_and_converts_aware():
    assert CAL.subtract_working_hours(datetime(2026, 3, 2, 17, 0), 8) == at(2026, 3, 2, 7)
    assert CAL.subtract_working_hours(datetime(2026, 3, 2, 10, 0, tzinfo=UTC), 8) == at(2026, 3, 2, 7)  # 17:00 VN


@pytest.mark.parametrize(
    ("amount", "error"),
    [(-1, ValueError), (Decimal("-0.5"), ValueError), (float("nan"), ValueError), (True, TypeError), ("8", TypeError)],
)
def test_subtract_working_hours_refuses_bad_amounts(amount, error):
    with pytest.raises(error):
        CAL.subtract_working_hours(at(2026, 3, 2, 17), amount)


def _random_moments(rng: random.Random, count: int) -> list[datetime]:
    """Moments anywhere in 2025–2028 — nights, lunches, weekends, holidays — to the second, and some exactly on a
    session boundary."""
    first = datetime(2025, 1, 1, tzinfo=VN)
    span = int((datetime(2028, 12, 31, tzinfo=VN) - first).total_seconds())
    moments = []
    for n in range(count):
        moment = first + timedelta(seconds=rng.randrange(span))
        if n % 5 == 0:
            clock = rng.choice([time(7), time(11, 30), time(13, 30), time(17)])
            moment = datetime.combine(moment.date(), clock, tzinfo=VN)
        moments.append(moment)
    return moments


def _random_hours(rng: random.Random) -> Decimal:
    """0.01 h to 200 h (25 working days), to the hundredth of an hour, sometimes whole days."""
    if rng.random() < 0.3:
        return Decimal(8 * rng.randint(1, 25))
    return Decimal(rng.randint(1, 20000)) / 100


def test_subtracting_then_measuring_gives_the_hours_back_and_is_the_latest_such_moment():
    rng = random.Random(20260302)
    for end in _random_moments(rng, 1500):
        amount = _random_hours(rng)
        start = CAL.subtract_working_hours(end, amount)
        wanted = timedelta(microseconds=int(amount * 3_600_000_000))
        assert CAL.working_time_between(start, end) == wanted, (end, amount, start)
        # the latest: one minute later, less than `amount` is left before `end`
        assert CAL.working_time_between(start + timedelta(minutes=1), end) < wanted, (end, amount, start)
        # and it lies inside a working session (a session start counts; a session end never does)
        assert CAL.next_working_moment(start) == start, (end, amount, start)


def test_subtract_undoes_add_and_add_undoes_subtract():
    rng = random.Random(1945)
    for moment in _random_moments(rng, 1500):
        amount = _random_hours(rng)
        # forward then back: the start, as the walk counted it (outside a session: the next session start)
        due = CAL.add_working_hours(moment, amount)
        assert CAL.subtract_working_hours(due, amount) == CAL.next_working_moment(moment), (moment, amount)
        # back then forward: the end itself when it lies in a session (its end included), else the end of the last
        # session before it — the same working time either way
        start = CAL.subtract_working_hours(moment, amount)
        again = CAL.add_working_hours(start, amount)
        assert again <= moment and CAL.working_time_between(again, moment) == timedelta(0), (moment, amount)
        if CAL.is_working_day(moment) and any(begin < moment.time() <= finish for begin, finish in CAL.sessions):
            assert again == moment, (moment, amount)


# --- Calendar days and months (Civil Code Art. 147–148) ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "months", "expected"),
    [
        pytest.param(at(2026, 3, 2, 10), 1, 0, at(2026, 3, 3, 17), id="start-day-not-counted"),
        pytest.param(at(2026, 3, 2, 18), 1, 0, at(2026, 3, 3, 17), id="received-after-hours"),
        pytest.param(at(2026, 3, 2, 10), 4, 0, at(2026, 3, 6, 17), id="ends-on-friday"),
        pytest.param(at(2026, 3, 2, 10), 5, 0, at(2026, 3, 9, 17), id="ends-on-saturday-moves-to-monday"),
        pytest.param(at(2026, 3, 7, 9), 2, 0, at(2026, 3, 9, 17), id="received-on-saturday"),
        pytest.param(at(2026, 4, 16, 10), 15, 0, at(2026, 5, 4, 17), id="ends-on-1-5-moves-past-weekend"),
        pytest.param(at(2026, 2, 6, 9), 10, 0, at(2026, 2, 23, 17), id="ends-in-tet-moves-after-tet"),
        pytest.param(at(2026, 8, 11, 9), 20, 0, at(2026, 9, 3, 17), id="ends-on-31-8-moves-past-national-day"),
        pytest.param(at(2026, 8, 12, 9), 10, 0, at(2026, 8, 22, 17), id="ends-on-make-up-saturday-which-is-worked"),
        pytest.param(at(2026, 3, 2, 10), 0, 0, at(2026, 3, 2, 17), id="zero-is-end-of-the-same-day"),
        pytest.param(at(2026, 1, 31, 9), 0, 1, at(2026, 3, 2, 17), id="month-no-31-feb-28-is-saturday"),
        pytest.param(at(2026, 3, 31, 9), 0, 1, at(2026, 5, 4, 17), id="month-ends-30-4-holiday"),
        pytest.param(at(2026, 1, 15, 9), 0, 2, at(2026, 3, 16, 17), id="two-months-end-on-sunday"),
        pytest.param(at(2026, 5, 12, 9), 0, 3, at(2026, 8, 12, 17), id="three-months-end-on-wednesday"),
        pytest.param(at(2028, 1, 31, 9), 0, 1, at(2028, 2, 29, 17), id="leap-year-29-feb"),
        pytest.param(at(2026, 11, 24, 9), 0, 12, at(2027, 11, 25, 17), id="a-year-ends-on-culture-day"),
        pytest.param(at(2026, 1, 31, 9), 1, 1, at(2026, 3, 2, 17), id="months-then-days"),
    ],
)
def test_add_calendar_period(start, days, months, expected):
    assert CAL.add_calendar_period(start, days=days, months=months) == expected


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        pytest.param(
            WorkingCalendar(extra_days_off=frozenset({date(2026, 3, 6)})),
            at(2026, 3, 2, 10),
            4,
            at(2026, 3, 9, 17),
            id="admin-day-off-on-the-last-day",
        ),
        pytest.param(
            WorkingCalendar(extra_working_days=frozenset({date(2026, 3, 7)})),
            at(2026, 3, 2, 10),
            5,
            at(2026, 3, 7, 17),
            id="admin-working-saturday-ends-the-period",
        ),
        pytest.param(
            WorkingCalendar(sessions=((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30)))),
            at(2026, 3, 2, 10),
            1,
            at(2026, 3, 3, 16, 30),
            id="end-of-day-is-the-last-session-end",
        ),
    ],
)
def test_add_calendar_period_with_a_configured_calendar(calendar, start, days, expected):
    assert calendar.add_calendar_period(start, days=days) == expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"days": -1}, ValueError), ({"months": -2}, ValueError), ({"days": 1.5}, ValueError), ({"days": "3"}, TypeError)],
)
def test_add_calendar_period_refuses_bad_counts(kwargs, error):
    with pytest.raises(error):
        CAL.add_calendar_period(at(2026, 3, 2, 10), **kwargs)


# --- Sessions and the "early" threshold -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(at(2026, 3, 2, 17), at(2026, 3, 2, 13, 30), id="1700-belongs-to-the-afternoon"),
        pytest.param(at(2026, 3, 2, 15), at(2026, 3, 2, 13, 30), id="inside-the-afternoon"),
        pytest.param(at(2026, 3, 2, 13, 30), at(2026, 3, 2, 13, 30), id="at-1330"),
        pytest.param(at(2026, 3, 2, 11, 30), at(2026, 3, 2, 7), id="1130-belongs-to-the-morning"),
        pytest.param(at(2026, 3, 2, 7), at(2026, 3, 2, 7), id="at-0700"),
        pytest.param(at(2026, 3, 2, 12), at(2026, 3, 2, 7), id="lunch-falls-back-to-the-morning"),
        pytest.param(at(2026, 3, 2, 6), at(2026, 2, 27, 13, 30), id="before-opening-falls-back-to-friday"),
        pytest.param(at(2026, 3, 7, 10), at(2026, 3, 6, 13, 30), id="saturday-falls-back-to-friday"),
        pytest.param(at(2026, 2, 23, 6), at(2026, 2, 13, 13, 30), id="falls-back-across-tet"),
    ],
)
def test_session_start_containing(moment, expected):
    assert CAL.session_start_containing(moment) == expected


def test_session_boundary_between_touching_sessions_belongs_to_the_session_it_ends():
    calendar = WorkingCalendar(sessions=((time(7, 0), time(11, 30)), (time(11, 30), time(15, 0))))
    assert calendar.session_start_containing(at(2026, 3, 2, 11, 30)) == at(2026, 3, 2, 7)
    assert calendar.add_working_hours(at(2026, 3, 2, 7), Decimal("4.5")) == at(2026, 3, 2, 11, 30)
    assert calendar.add_working_hours(at(2026, 3, 2, 7), 5) == at(2026, 3, 2, 12)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(at(2026, 3, 2, 9, 15), at(2026, 3, 2, 9, 15), id="inside"),
        pytest.param(at(2026, 3, 2, 6, 59), at(2026, 3, 2, 7), id="just-before-opening"),
        pytest.param(at(2026, 3, 2, 11, 30), at(2026, 3, 2, 13, 30), id="at-1130"),
        pytest.param(at(2026, 3, 2, 17), at(2026, 3, 3, 7), id="at-1700"),
        pytest.param(at(2026, 2, 13, 17, 30), at(2026, 2, 23, 7), id="friday-evening-before-tet"),
        pytest.param(at(2026, 8, 22, 6), at(2026, 8, 22, 7), id="make-up-saturday-morning"),
    ],
)
def test_next_working_moment(moment, expected):
    assert CAL.next_working_moment(moment) == expected


# --- Stated processing times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "value", "unit", "expected"),
    [
        pytest.param(at(2026, 3, 2, 7), 3, "working_days", at(2026, 3, 4, 17), id="3-working-days"),
        pytest.param(at(2026, 3, 2, 7), Decimal("0.5"), "working_days", at(2026, 3, 2, 11), id="half-working-day"),
        pytest.param(at(2026, 3, 2, 7), Decimal("1.5"), "working_days", at(2026, 3, 3, 11), id="1.5-working-days"),
        pytest.param(at(2026, 3, 2, 7), 4, "working_hours", at(2026, 3, 2, 11), id="4-working-hours"),
        pytest.param(at(2026, 4, 16, 10), Decimal("15.00"), "days", at(2026, 5, 4, 17), id="15-calendar-days"),
        pytest.param(at(2026, 1, 31, 9), 1, "months", at(2026, 3, 2, 17), id="1-month"),
    ],
)
def test_due_moment(start, value, unit, expected):
    assert CAL.due_moment(start, time_value=value, time_unit=unit) == expected


@pytest.mark.parametrize(
    ("value", "unit"),
    [(Decimal("1.5"), "days"), (Decimal("0.5"), "months"), (3, "weeks"), (3, ""), (-1, "working_days")],
)
def test_due_moment_refuses_unusable_times(value, unit):
    with pytest.raises(ValueError):
        CAL.due_moment(at(2026, 3, 2, 7), time_value=value, time_unit=unit)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3, "working_days", Decimal(24)),
        (Decimal("0.5"), "working_days", Decimal(4)),
        (Decimal("1.5"), "working_hours", Decimal("1.5")),
        (15, "days", None),
        (1, "months", None),
    ],
)
def test_working_hours_for(value, unit, expected):
    assert working_hours_for(time_value=value, time_unit=unit) == expected


# --- Construction ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sessions": ()},
        {"sessions": ((time(11, 0), time(7, 0)),)},
        {"sessions": ((time(7, 0), time(7, 0)),)},
        {"sessions": ((time(7, 0), time(12, 0)), (time(11, 0), time(17, 0)))},
        {"extra_days_off": frozenset({date(2026, 3, 3)}), "extra_working_days": frozenset({date(2026, 3, 3)})},
    ],
)
def test_invalid_calendars_are_refused(kwargs):
    with pytest.raises(ValueError):
        WorkingCalendar(**kwargs)


def test_default_calendar_is_the_opencps_model_and_is_hashable():
    assert CAL.sessions == DEFAULT_SESSIONS == ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))
    assert CAL.working_day_length == hours(8)
    assert WorkingCalendar(extra_days_off={date(2026, 3, 3)}) == WorkingCalendar(
        extra_days_off=frozenset({date(2026, 3, 3)})
    )
    assert len({CAL, WorkingCalendar()}) == 1


def test_a_calendar_without_any_working_day_fails_loudly_instead_of_looping():
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(800))
    calendar = WorkingCalendar(extra_days_off=every_day)
    with pytest.raises(ValueError, match="no working day"):
        calendar.add_working_hours(at(2026, 1, 1, 7), 1)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (3, "working_days", 24),
        (Decimal("0.5"), "working_days", 4),
        (Decimal("1.5"), "working_days", 12),
        (Decimal("0.3"), "working_days", None),  # 2.4 hours: walked from the stated value, never rounded
        (Decimal("1.5"), "working_hours", None),
        (Decimal("4"), "working_hours", 4),
        (15, "days", None),
        (1, "months", None),
        (None, "working_days", None),
        (Decimal("-1"), "working_days", None),
        (3, "", None),  # a record whose unit could not be read
    ],
)
def test_whole_working_hours_is_what_a_version_stores(value, unit, expected):
    """The one rule for ``ProcedureVersion.working_hours``: the importer, its validation and the admin use it."""
    result = whole_working_hours(time_value=value, time_unit=unit)
    assert result == expected and (result is None or type(result) is int)
