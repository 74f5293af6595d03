"""Pure tests of ``dossiers.deadlines`` on the default working calendar (DOMAIN.md §4). No database.

Every expectation is counted by hand in the comment next to it: sessions 07:00–11:30 (4.5 h) and 13:30–17:00
(3.5 h), 8 h a working day. Days off used below (the ``holidays`` package, VN): Tết 2026 Mon 16 – Fri 20/2/2026;
Tết 2027 Thu 4 – Wed 10/2/2027; Hùng Kings 2026 Sun 26/4 + Mon 27/4 observed; Hùng Kings 2027 Fri 16/4/2027;
30/4 and 1/5; Mon 31/8/2026 (swapped with Saturday 22/8/2026, which is worked); 1–2/9; Tue 24/11/2026;
1/1/2027 (Friday).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from dossiers import deadlines
from procedures.worktime import WorkingCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
H = datetime.timedelta(hours=1)


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


# --- Appointment ---------------------------------------------------------------------------------------------

APPOINTMENTS = [
    # (received, time_value, time_unit, due)
    # Tết 2026. Fri 13/2 10:00, 24 h: Fri 1.5 + 3.5 = 5 h; Sat 14 – Sun 22/2 off (Tết Mon 16 – Fri 20);
    # Mon 23/2 8 h (13); Tue 24/2 8 h (21); Wed 25/2 07:00 + 3 h → 10:00
    pytest.param(at(2026, 2, 13, 10, 0), "3", "working_days", at(2026, 2, 25, 10, 0), id="tet-2026-3d"),
    # Fri 13/2 16:00, 8 h: Fri 16:00–17:00 1 h; next working day Mon 23/2: 4.5 h (5.5) + 13:30 + 2.5 h → 16:00
    pytest.param(at(2026, 2, 13, 16, 0), "1", "working_days", at(2026, 2, 23, 16, 0), id="tet-2026-1d"),
    # Tết 2027. Wed 3/2/2027 09:00, 24 h: Wed 2.5 + 3.5 = 6 h; Thu 4 – Wed 10/2 off; Thu 11/2 8 h (14);
    # Fri 12/2 8 h (22); Sat–Sun; Mon 15/2 07:00 + 2 h → 09:00
    pytest.param(at(2027, 2, 3, 9, 0), "3", "working_days", at(2027, 2, 15, 9, 0), id="tet-2027-3d"),
    # Hùng Kings 2026. Fri 24/4 14:00, 8 h: Fri 3 h; Sat 25, Sun 26 (the holiday), Mon 27 (observed) off;
    # Tue 28/4: 4.5 h (7.5) + 13:30 + 0.5 h → 14:00
    pytest.param(at(2026, 4, 24, 14, 0), "1", "working_days", at(2026, 4, 28, 14, 0), id="hung-kings-2026"),
    # 30/4 and 1/5/2026. Wed 29/4 13:30, 8 h: Wed 3.5 h; Thu 30/4, Fri 1/5, Sat, Sun off; Mon 4/5 07:00 + 4.5 h
    # → 11:30 exactly (a session end: not 13:30)
    pytest.param(at(2026, 4, 29, 13, 30), "1", "working_days", at(2026, 5, 4, 11, 30), id="30-4-and-1-5"),
    # Hùng Kings 2027. Thu 15/4/2027 08:00, 16 h: Thu 3.5 + 3.5 = 7 h; Fri 16/4 off; Sat–Sun; Mon 19/4 8 h (15);
    # Tue 20/4 07:00 + 1 h → 08:00
    pytest.param(at(2027, 4, 15, 8, 0), "2", "working_days", at(2027, 4, 20, 8, 0), id="hung-kings-2027"),
    # 24/11/2026. Mon 23/11 16:00, 8 h: Mon 1 h; Tue 24/11 off; Wed 25/11 4.5 h (5.5) + 13:30 + 2.5 h → 16:00
    pytest.param(at(2026, 11, 23, 16, 0), "1", "working_days", at(2026, 11, 25, 16, 0), id="24-11"),
    # Make-up Saturday 22/8/2026. Fri 21/8 13:30, 16 h: Fri 3.5 h; Sat 22/8 is worked: 8 h (11.5); Sun off;
    # Mon 24/8 07:00 + 4.5 h → 11:30
    pytest.param(at(2026, 8, 21, 13, 30), "2", "working_days", at(2026, 8, 24, 11, 30), id="make-up-saturday"),
    # Received on the make-up Saturday itself at 07:00, 8 h → Sat 22/8 17:00
    pytest.param(at(2026, 8, 22, 7, 0), "1", "working_days", at(2026, 8, 22, 17, 0), id="on-make-up-saturday"),
    # National Day 2026. Fri 28/8 09:00, 16 h: Fri 2.5 + 3.5 = 6 h; Sat, Sun; Mon 31/8 (swapped day off),
    # Tue 1/9, Wed 2/9 off; Thu 3/9 8 h (14); Fri 4/9 07:00 + 2 h → 09:00
    pytest.param(at(2026, 8, 28, 9, 0), "2", "working_days", at(2026, 9, 4, 9, 0), id="national-day-2026"),
    # New Year 2027. Thu 31/12/2026 15:00, 8 h: Thu 2 h; Fri 1/1/2027 off; Sat, Sun; Mon 4/1: 4.5 h (6.5) +
    # 13:30 + 1.5 h → 15:00
    pytest.param(at(2026, 12, 31, 15, 0), "1", "working_days", at(2027, 1, 4, 15, 0), id="new-year-2027"),
    # --- receptions outside working hours
    # before 07:00: Mon 9/3 06:15 counts from 07:00; 07:00 + 8 h → 17:00 the same day
    pytest.param(at(2026, 3, 9, 6, 15), "1", "working_days", at(2026, 3, 9, 17, 0), id="before-07"),
    # at lunch: Tue 10/3 12:00 counts from 13:30; 4 h: 3.5 h to 17:00; Wed 11/3 07:00 + 0.5 h → 07:30
    pytest.param(at(2026, 3, 10, 12, 0), "0.5", "working_days", at(2026, 3, 11, 7, 30), id="at-lunch"),
    # exactly at 11:30 (a session end is not a working moment): from 13:30, 3.5 h → 17:00
    pytest.param(at(2026, 3, 10, 11, 30), "3.5", "working_hours", at(2026, 3, 10, 17, 0), id="at-11-30"),
    # after 17:00: Wed 11/3 17:45 counts from Thu 12/3 07:00; + 8 h → Thu 17:00
    pytest.param(at(2026, 3, 11, 17, 45), "1", "working_days", at(2026, 3, 12, 17, 0), id="after-17"),
    # exactly at 17:00: counts from Thu 12/3 07:00; + 2 h → 09:00
    pytest.param(at(2026, 3, 11, 17, 0), "2", "working_hours", at(2026, 3, 12, 9, 0), id="at-17"),
    # Saturday: Sat 14/3 10:00 counts from Mon 16/3 07:00; + 8 h → Mon 17:00
    pytest.param(at(2026, 3, 14, 10, 0), "1", "working_days", at(2026, 3, 16, 17, 0), id="saturday"),
    # Sunday evening: Sun 15/3 20:00 → Mon 16, Tue 17, Wed 18/3 → Wed 17:00
    pytest.param(at(2026, 3, 15, 20, 0), "3", "working_days", at(2026, 3, 18, 17, 0), id="sunday"),
    # Saturday before Tết: Sat 14/2/2026 09:00 → Mon 23, Tue 24, Wed 25/2 → Wed 17:00
    pytest.param(at(2026, 2, 14, 9, 0), "3", "working_days", at(2026, 2, 25, 17, 0), id="saturday-before-tet"),
    # on a Tết day: Tue 17/2/2026 10:00 counts from Mon 23/2 07:00; + 4 h → 11:00
    pytest.param(at(2026, 2, 17, 10, 0), "4", "working_hours", at(2026, 2, 23, 11, 0), id="on-tet"),
    # Friday evening before Hùng Kings: Fri 24/4 18:00 counts from Tue 28/4 07:00; + 4 h → 11:00
    pytest.param(at(2026, 4, 24, 18, 0), "4", "working_hours", at(2026, 4, 28, 11, 0), id="evening-before-hung"),
    # --- due moments falling exactly on 17:00 (never the next morning)
    # Mon 9/3 07:00 + 8 h → Mon 17:00
    pytest.param(at(2026, 3, 9, 7, 0), "1", "working_days", at(2026, 3, 9, 17, 0), id="17h-one-day"),
    # Mon 9/3 07:00 + 24 h → Mon, Tue, Wed 11/3 17:00 (not Thu 07:00)
    pytest.param(at(2026, 3, 9, 7, 0), "3", "working_days", at(2026, 3, 11, 17, 0), id="17h-three-days"),
    # Mon 9/3 13:30 + 3.5 h → 17:00
    pytest.param(at(2026, 3, 9, 13, 30), "3.5", "working_hours", at(2026, 3, 9, 17, 0), id="17h-afternoon"),
    # Tue 10/3 10:00 + 5 h: 1.5 h to 11:30, 3.5 h to 17:00 → 17:00
    pytest.param(at(2026, 3, 10, 10, 0), "5", "working_hours", at(2026, 3, 10, 17, 0), id="17h-across-lunch"),
    # Fri 13/2/2026 07:00 + 8 h → Fri 13/2 17:00, not after Tết
    pytest.param(at(2026, 2, 13, 7, 0), "1", "working_days", at(2026, 2, 13, 17, 0), id="17h-before-tet"),
    # Mon 23/11/2026 07:00 + 8 h → Mon 23/11 17:00, not Wed 25/11
    pytest.param(at(2026, 11, 23, 7, 0), "1", "working_days", at(2026, 11, 23, 17, 0), id="17h-before-24-11"),
    # Fri 28/8/2026 07:00 + 16 h: Fri 8 h; Mon 31/8 – Wed 2/9 off; Thu 3/9 8 h → Thu 3/9 17:00
    pytest.param(at(2026, 8, 28, 7, 0), "2", "working_days", at(2026, 9, 3, 17, 0), id="17h-across-national-day"),
    # 4.5 working hours from 07:00 end at 11:30, the morning session's end
    pytest.param(at(2026, 3, 9, 7, 0), "4.5", "working_hours", at(2026, 3, 9, 11, 30), id="11h30-exact"),
    # --- calendar days and months (Civil Code Art. 147–148): the start day is not counted, the period ends at
    # the end of its last day, moved to the end of the next working day when that day is not worked
    # Mon 9/3 + 5 days → Sat 14/3, not worked → Mon 16/3 17:00
    pytest.param(at(2026, 3, 9, 10, 0), "5", "days", at(2026, 3, 16, 17, 0), id="days-ending-saturday"),
    # Mon 9/3 + 3 days → Thu 12/3, worked → Thu 17:00
    pytest.param(at(2026, 3, 9, 10, 0), "3", "days", at(2026, 3, 12, 17, 0), id="days-ending-weekday"),
    # Fri 24/4 + 2 days → Sun 26/4; Mon 27/4 (Hùng Kings observed) off → Tue 28/4 17:00
    pytest.param(at(2026, 4, 24, 9, 0), "2", "days", at(2026, 4, 28, 17, 0), id="days-ending-hung-kings"),
    # Wed 11/2/2026 + 10 days → Sat 21/2 → Sun 22 → Mon 23/2 17:00
    pytest.param(at(2026, 2, 11, 9, 0), "10", "days", at(2026, 2, 23, 17, 0), id="days-ending-after-tet"),
    # Fri 21/8/2026 + 1 day → Sat 22/8, a make-up working day → Sat 22/8 17:00
    pytest.param(at(2026, 8, 21, 9, 0), "1", "days", at(2026, 8, 22, 17, 0), id="days-ending-make-up-saturday"),
    # Sat 31/1/2026 + 1 month → 28/2 (no 31/2), a Saturday → Mon 2/3/2026 17:00
    pytest.param(at(2026, 1, 31, 9, 0), "1", "months", at(2026, 3, 2, 17, 0), id="month-ending-saturday"),
]


@pytest.mark.parametrize(("received", "value", "unit", "due"), APPOINTMENTS)
def test_appointment(received, value, unit, due):
    assert deadlines.appointment(CAL, received, time_value=value, time_unit=unit) == due


def test_appointment_of_a_utc_moment_is_counted_in_local_time():
    # 02:00 UTC = 09:00 in Asia/Ho_Chi_Minh (UTC+7). Wed 3/2/2027 09:00 + 24 h → Mon 15/2/2027 09:00 (as above)
    received = datetime.datetime(2027, 2, 3, 2, 0, tzinfo=datetime.UTC)
    due = deadlines.appointment(CAL, received, time_value="3", time_unit="working_days")
    assert due == at(2027, 2, 15, 9, 0)
    assert due.utcoffset() == 7 * H


# --- Supplement pauses ---------------------------------------------------------------------------------------

PAUSES = [
    # (due before the pause, paused at, remaining, resumed at, due after)
    # Tết 2026: received Wed 11/2 09:00 (24 h → due Mon 23/2 09:00). Paused Thu 12/2 14:00: Thu 14:00–17:00 3 h +
    # Fri 13/2 8 h + Mon 23/2 07:00–09:00 2 h = 13 h (Tết itself is not working time). Resumed Tue 24/2 10:00:
    # Tue 1.5 + 3.5 = 5 h; Wed 25/2 8 h → 13 h exactly at 17:00
    pytest.param(
        at(2026, 2, 23, 9, 0),
        at(2026, 2, 12, 14, 0),
        13 * H,
        at(2026, 2, 24, 10, 0),
        at(2026, 2, 25, 17, 0),
        id="across-tet-2026",
    ),
    # Paused on the last day before Tết 2026, resumed on a Tết day (Wed 18/2): the clock restarts Mon 23/2 07:00.
    # Due Mon 23/2 09:00, paused Fri 13/2 16:00: Fri 1 h + Mon 2 h = 3 h → Mon 23/2 10:00
    pytest.param(
        at(2026, 2, 23, 9, 0),
        at(2026, 2, 13, 16, 0),
        3 * H,
        at(2026, 2, 18, 9, 0),
        at(2026, 2, 23, 10, 0),
        id="resumed-during-tet",
    ),
    # Tết 2027: received Mon 1/2/2027 13:30 (8 h → Tue 2/2 11:30). Paused Tue 2/2 08:00: 3.5 h left. Resumed
    # Wed 3/2 15:00: 2 h to 17:00; Thu 4 – Wed 10/2 off; Thu 11/2 07:00 + 1.5 h → 08:30
    pytest.param(
        at(2027, 2, 2, 11, 30),
        at(2027, 2, 2, 8, 0),
        3.5 * H,
        at(2027, 2, 3, 15, 0),
        at(2027, 2, 11, 8, 30),
        id="across-tet-2027",
    ),
    # 24/11/2026: received Fri 20/11 10:00 (24 h: Fri 5, Mon 23 8 (13), Tue 24 off, Wed 25 8 (21), Thu 26
    # 07:00 + 3 → due Thu 26/11 10:00). Paused Mon 23/11 16:00: Mon 1 h + Wed 8 h + Thu 3 h = 12 h. Resumed on
    # the holiday Tue 24/11 09:00 → from Wed 25/11 07:00: Wed 8 h; Thu 07:00 + 4 h → 11:00
    pytest.param(
        at(2026, 11, 26, 10, 0),
        at(2026, 11, 23, 16, 0),
        12 * H,
        at(2026, 11, 24, 9, 0),
        at(2026, 11, 26, 11, 0),
        id="across-24-11",
    ),
    # National Day: due Fri 28/8/2026 17:00, paused Fri 28/8 13:30: 3.5 h left. Resumed Sat 29/8 10:00 (not a
    # working Saturday): Mon 31/8, Tue 1/9, Wed 2/9 off → Thu 3/9 07:00 + 3.5 h → 10:30
    pytest.param(
        at(2026, 8, 28, 17, 0),
        at(2026, 8, 28, 13, 30),
        3.5 * H,
        at(2026, 8, 29, 10, 0),
        at(2026, 9, 3, 10, 30),
        id="across-national-day",
    ),
    # Hùng Kings and 30/4 – 1/5: due Wed 29/4/2026 17:00, paused Fri 24/4 15:00: Fri 2 h + Tue 28/4 8 h +
    # Wed 29/4 8 h = 18 h (Mon 27/4 off). Resumed Wed 29/4 16:00: Wed 1 h; Thu 30/4, Fri 1/5 off;
    # Mon 4/5 8 h (9); Tue 5/5 8 h (17); Wed 6/5 07:00 + 1 h → 08:00
    pytest.param(
        at(2026, 4, 29, 17, 0),
        at(2026, 4, 24, 15, 0),
        18 * H,
        at(2026, 4, 29, 16, 0),
        at(2026, 5, 6, 8, 0),
        id="across-hung-kings-and-30-4",
    ),
    # Paused on a Saturday (the clock was not running anyway): due Wed 18/3/2026 17:00, paused Sat 14/3 → Mon,
    # Tue, Wed = 24 h left; resumed Sun 15/3 → counted from Mon 16/3 07:00 → Wed 18/3 17:00 again
    pytest.param(
        at(2026, 3, 18, 17, 0),
        at(2026, 3, 14, 10, 0),
        24 * H,
        at(2026, 3, 15, 10, 0),
        at(2026, 3, 18, 17, 0),
        id="paused-on-a-weekend",
    ),
    # Paused at lunch Mon 9/3 12:00 with due Mon 9/3 17:00: 3.5 h left; resumed Tue 10/3 11:00: 0.5 h to
    # 11:30, 13:30 + 3 h → 16:30
    pytest.param(
        at(2026, 3, 9, 17, 0),
        at(2026, 3, 9, 12, 0),
        3.5 * H,
        at(2026, 3, 10, 11, 0),
        at(2026, 3, 10, 16, 30),
        id="paused-at-lunch",
    ),
]


@pytest.mark.parametrize(("due", "paused", "remaining", "resumed", "new_due"), PAUSES)
def test_pause_preserves_the_working_time_left(due, paused, remaining, resumed, new_due):
    left = deadlines.remaining_at_pause(CAL, paused, due)
    assert left == remaining
    assert deadlines.due_after_resumption(CAL, resumed, left, due) == new_due


def test_a_pause_after_the_due_moment_leaves_the_dossier_late():
    # Due Mon 9/3/2026 17:00; paused Tue 10/3 09:00 (already overdue): nothing left on the clock, and resuming
    # on Wed 11/3 does not move the due moment
    due = at(2026, 3, 9, 17, 0)
    left = deadlines.remaining_at_pause(CAL, at(2026, 3, 10, 9, 0), due)
    assert left == datetime.timedelta(0)
    assert deadlines.due_after_resumption(CAL, at(2026, 3, 11, 9, 0), left, due) == due


def test_a_pause_exactly_at_the_due_moment_leaves_nothing_on_the_clock():
    due = at(2026, 3, 9, 17, 0)
    left = deadlines.remaining_at_pause(CAL, due, due)
    assert left == datetime.timedelta(0)
    assert deadlines.due_after_resumption(CAL, at(2026, 3, 12, 9, 0), left, due) == due


def test_remaining_seconds_round_trip_as_stored():
    # the service stores whole seconds; 13 h = 46 800 s give the same due moment as the timedelta
    assert deadlines.due_after_resumption(
        CAL, at(2026, 2, 24, 10, 0), datetime.timedelta(seconds=46_800), at(2026, 2, 23, 9, 0)
    ) == at(2026, 2, 25, 17, 0)


# --- Early / on time / late ----------------------------------------------------------------------------------

CLASSIFY = [
    # (finished, due, supplements, expected)
    # due Wed 25/2/2026 10:00 lies in the 07:00–11:30 session: early before 07:00 of that day
    pytest.param(at(2026, 2, 24, 16, 0), at(2026, 2, 25, 10, 0), 0, "early", id="day-before"),
    pytest.param(at(2026, 2, 25, 6, 59), at(2026, 2, 25, 10, 0), 0, "early", id="before-session-start"),
    pytest.param(at(2026, 2, 25, 7, 0), at(2026, 2, 25, 10, 0), 0, "on_time", id="at-session-start"),
    pytest.param(at(2026, 2, 25, 9, 59), at(2026, 2, 25, 10, 0), 0, "on_time", id="a-minute-before"),
    pytest.param(at(2026, 2, 25, 10, 0), at(2026, 2, 25, 10, 0), 0, "on_time", id="exactly-at-due"),
    pytest.param(at(2026, 2, 25, 10, 1), at(2026, 2, 25, 10, 0), 0, "late", id="a-minute-after"),
    # finished before Tết, due on the first working morning after it → early
    pytest.param(at(2026, 2, 13, 16, 0), at(2026, 2, 23, 9, 0), 0, "early", id="before-tet"),
    # due at 17:00: the session containing it starts at 13:30
    pytest.param(at(2026, 3, 9, 13, 30), at(2026, 3, 9, 17, 0), 0, "on_time", id="17h-due-at-13h30"),
    pytest.param(at(2026, 3, 9, 13, 29), at(2026, 3, 9, 17, 0), 0, "early", id="17h-due-at-13h29"),
    pytest.param(at(2026, 3, 9, 12, 0), at(2026, 3, 9, 17, 0), 0, "early", id="17h-due-at-lunch"),
    pytest.param(at(2026, 3, 9, 17, 0), at(2026, 3, 9, 17, 0), 0, "on_time", id="17h-due-at-17h"),
    pytest.param(at(2026, 3, 9, 17, 1), at(2026, 3, 9, 17, 0), 0, "late", id="17h-due-at-17h01"),
    pytest.param(at(2026, 3, 10, 7, 0), at(2026, 3, 9, 17, 0), 0, "late", id="17h-due-next-morning"),
    # due at 11:30 (the morning session's end) belongs to the morning session
    pytest.param(at(2026, 5, 4, 7, 0), at(2026, 5, 4, 11, 30), 0, "on_time", id="11h30-due-at-07h"),
    pytest.param(at(2026, 5, 4, 6, 59), at(2026, 5, 4, 11, 30), 0, "early", id="11h30-due-at-06h59"),
    pytest.param(at(2026, 5, 4, 12, 0), at(2026, 5, 4, 11, 30), 0, "late", id="11h30-due-at-lunch"),
    # due at 14:00: session 13:30–17:00
    pytest.param(at(2026, 4, 28, 12, 0), at(2026, 4, 28, 14, 0), 0, "early", id="14h-due-at-lunch"),
    pytest.param(at(2026, 4, 28, 13, 30), at(2026, 4, 28, 14, 0), 0, "on_time", id="14h-due-at-13h30"),
    # due on the make-up Saturday 22/8/2026 at 17:00
    pytest.param(at(2026, 8, 22, 14, 0), at(2026, 8, 22, 17, 0), 0, "on_time", id="make-up-saturday"),
    # supplements: one keeps the class; more than one is late whatever the time
    pytest.param(at(2026, 2, 24, 16, 0), at(2026, 2, 25, 10, 0), 1, "early", id="one-supplement-early"),
    pytest.param(at(2026, 2, 25, 9, 0), at(2026, 2, 25, 10, 0), 1, "on_time", id="one-supplement-on-time"),
    pytest.param(at(2026, 2, 24, 16, 0), at(2026, 2, 25, 10, 0), 2, "late", id="two-supplements-early"),
    pytest.param(at(2026, 2, 25, 10, 0), at(2026, 2, 25, 10, 0), 2, "late", id="two-supplements-at-due"),
    pytest.param(at(2026, 1, 5, 8, 0), at(2026, 2, 25, 10, 0), 3, "late", id="three-supplements"),
]


@pytest.mark.parametrize(("finished", "due", "supplements", "expected"), CLASSIFY)
def test_classify(finished, due, supplements, expected):
    assert deadlines.classify(CAL, finished, due, supplements) == expected


def test_classify_without_a_due_moment_is_unclassified():
    # refused at reception: never received, no appointment
    assert deadlines.classify(CAL, at(2026, 3, 9, 9, 0), None, 0) == ""


# --- Transfer allowance ------------------------------------------------------------------------------------------

TRANSFERS = [
    # (received, allowed until): the same working day (17:00); the next working day 11:30 from 15:00 on
    pytest.param(at(2026, 3, 11, 14, 59), at(2026, 3, 11, 17, 0), id="14h59-same-day"),
    pytest.param(at(2026, 3, 11, 15, 0), at(2026, 3, 12, 11, 30), id="15h00-next-morning"),
    pytest.param(at(2026, 3, 11, 16, 59), at(2026, 3, 12, 11, 30), id="16h59-next-morning"),
    pytest.param(at(2026, 3, 11, 7, 0), at(2026, 3, 11, 17, 0), id="07h00-same-day"),
    pytest.param(at(2026, 3, 11, 6, 30), at(2026, 3, 11, 17, 0), id="before-07-same-day"),
    pytest.param(at(2026, 3, 11, 12, 0), at(2026, 3, 11, 17, 0), id="lunch-same-day"),
    # received after the sessions (17:00 or later) is received after 15:00: the next morning, never later
    pytest.param(at(2026, 3, 11, 17, 0), at(2026, 3, 12, 11, 30), id="17h00-next-morning"),
    pytest.param(at(2026, 3, 11, 18, 30), at(2026, 3, 12, 11, 30), id="evening-next-morning"),
    # Friday 16:00 → Monday 11:30
    pytest.param(at(2026, 3, 13, 16, 0), at(2026, 3, 16, 11, 30), id="friday-16h"),
    # a Saturday reception counts from Monday morning: Monday 17:00
    pytest.param(at(2026, 3, 14, 10, 0), at(2026, 3, 16, 17, 0), id="saturday"),
    # before Tết 2026: Fri 13/2 10:00 → Fri 17:00; Fri 13/2 15:30 → Mon 23/2 11:30
    pytest.param(at(2026, 2, 13, 10, 0), at(2026, 2, 13, 17, 0), id="before-tet-morning"),
    pytest.param(at(2026, 2, 13, 15, 30), at(2026, 2, 23, 11, 30), id="before-tet-afternoon"),
    # before Tết 2027: Wed 3/2/2027 15:00 → Thu 11/2/2027 11:30
    pytest.param(at(2027, 2, 3, 15, 0), at(2027, 2, 11, 11, 30), id="before-tet-2027"),
    # before 24/11/2026: Mon 23/11 15:00 → Wed 25/11 11:30
    pytest.param(at(2026, 11, 23, 15, 0), at(2026, 11, 25, 11, 30), id="before-24-11"),
    # before Hùng Kings: Fri 24/4/2026 15:00 → Tue 28/4 11:30; before 30/4: Wed 29/4 15:10 → Mon 4/5 11:30
    pytest.param(at(2026, 4, 24, 15, 0), at(2026, 4, 28, 11, 30), id="before-hung-kings"),
    pytest.param(at(2026, 4, 29, 15, 10), at(2026, 5, 4, 11, 30), id="before-30-4"),
    # Friday before the make-up Saturday: Fri 21/8/2026 16:00 → Sat 22/8 11:30
    pytest.param(at(2026, 8, 21, 16, 0), at(2026, 8, 22, 11, 30), id="before-make-up-saturday"),
]


@pytest.mark.parametrize(("received", "allowed"), TRANSFERS)
def test_transfer_allowance(received, allowed):
    assert deadlines.transfer_allowance(CAL, received) == allowed


def test_step_timeliness_uses_the_allowance():
    allowed = at(2026, 3, 12, 11, 30)  # the 07:00–11:30 session
    assert deadlines.step_timeliness(CAL, at(2026, 3, 11, 16, 0), allowed) == "early"
    assert deadlines.step_timeliness(CAL, at(2026, 3, 12, 9, 0), allowed) == "on_time"
    assert deadlines.step_timeliness(CAL, at(2026, 3, 12, 13, 30), allowed) == "late"
    assert deadlines.step_timeliness(CAL, at(2026, 3, 12, 13, 30), None) == "on_time"


# --- Replay ------------------------------------------------------------------------------------------------------


def test_replay_of_a_history_with_a_pause_across_tet():
    # received Wed 11/2/2026 09:00 → due Mon 23/2 09:00; paused Thu 12/2 14:00 (13 h left); supplemented Tue 24/2
    # 10:00 → due Wed 25/2 17:00; decided Wed 25/2 14:00, inside the session containing the due moment → on time
    events = [
        ("file", at(2026, 2, 10, 20, 0)),
        ("receive", at(2026, 2, 11, 9, 0)),
        ("transfer", at(2026, 2, 11, 9, 30)),
        ("assign", at(2026, 2, 11, 10, 0)),
        ("request_supplement", at(2026, 2, 12, 14, 0)),
        ("supplement", at(2026, 2, 24, 10, 0)),
        ("decide", at(2026, 2, 25, 14, 0)),
        ("return", at(2026, 2, 26, 9, 0)),
    ]
    replayed = deadlines.replay(CAL, events, time_value="3", time_unit="working_days")
    assert replayed == deadlines.Replayed(
        received_at=at(2026, 2, 11, 9, 0),
        due_at=at(2026, 2, 25, 17, 0),
        supplement_count=1,
        finished_at=at(2026, 2, 25, 14, 0),
        timeliness="on_time",
        # processed: Wed 11/2 09:00–17:00 6 h, Thu 12/2 07:00–14:00 5 h; paused; Tue 24/2 10:00–17:00 5 h,
        # Wed 25/2 07:00–14:00 5 h → 21 working hours
        processing_seconds=21 * 3600,
    )


def test_replay_two_supplements_and_an_extension_is_late():
    # counter reception Mon 9/3/2026 07:00 → due Wed 11/3 17:00. Pause 1 Mon 08:00 (23 h left) → resumed 09:00:
    # Mon 2.5 + 3.5 = 6, Tue 8 (14), Wed 8 (22), Thu 12/3 07:00 + 1 → 08:00. Pause 2 Mon 10:00: 1.5 + 3.5 + 8 + 8 +
    # 1 = 22 h → resumed 10:30: Mon 1 + 3.5 = 4.5, Tue (12.5), Wed (20.5), Thu 07:00 + 1.5 → 08:30. The extension
    # (form 04) changes nothing; finished Mon 9/3 14:00, long before — but two supplement requests: late
    events = [
        ("receive_at_counter", at(2026, 3, 9, 7, 0)),
        ("transfer", at(2026, 3, 9, 7, 10)),
        ("assign", at(2026, 3, 9, 7, 20)),
        ("request_supplement", at(2026, 3, 9, 8, 0)),
        ("supplement", at(2026, 3, 9, 9, 0)),
        ("request_supplement", at(2026, 3, 9, 10, 0)),
        ("supplement", at(2026, 3, 9, 10, 30)),
        ("extend", at(2026, 3, 9, 11, 0)),
        ("decide", at(2026, 3, 9, 14, 0)),
    ]
    replayed = deadlines.replay(CAL, events, time_value="3", time_unit="working_days")
    assert replayed.due_at == at(2026, 3, 12, 8, 30)
    assert replayed.supplement_count == 2
    assert replayed.finished_at == at(2026, 3, 9, 14, 0)
    assert replayed.timeliness == "late"


def test_replay_stopped_while_paused_ends_the_pause_at_the_stop():
    # received Mon 9/3/2026 07:00 → due Wed 11/3 17:00; paused Tue 10/3 13:30 (Tue 3.5 + Wed 8 = 11.5 h left);
    # stopped Mon 16/3 09:00: the pause ends there → due = Mon 09:00 + 11.5 h: Mon 2.5 + 3.5 = 6; Tue 17/3
    # 07:00–11:30 4.5 (10.5) + 13:30 + 1 → 14:30. Finished at the stop, before 13:30 of Tue 17/3 → early
    events = [
        ("receive_at_counter", at(2026, 3, 9, 7, 0)),
        ("transfer", at(2026, 3, 9, 8, 0)),
        ("assign", at(2026, 3, 9, 9, 0)),
        ("request_supplement", at(2026, 3, 10, 13, 30)),
        ("stop", at(2026, 3, 16, 9, 0)),
    ]
    replayed = deadlines.replay(CAL, events, time_value="3", time_unit="working_days")
    assert replayed.due_at == at(2026, 3, 17, 14, 30)
    assert replayed.finished_at == at(2026, 3, 16, 9, 0)
    assert replayed.timeliness == "early"


def test_replay_withdrawn_while_paused_ends_the_pause_and_is_not_classified():
    # as above, but the applicant withdraws while paused and the withdrawal is confirmed Mon 16/3 09:00: the pause
    # ends there (due Tue 17/3 14:30, as the service stores it); a withdrawn dossier is finished, not classified
    events = [
        ("receive_at_counter", at(2026, 3, 9, 7, 0)),
        ("transfer", at(2026, 3, 9, 8, 0)),
        ("assign", at(2026, 3, 9, 9, 0)),
        ("request_supplement", at(2026, 3, 10, 13, 30)),
        ("withdraw", at(2026, 3, 12, 9, 0)),
        ("confirm_withdrawal", at(2026, 3, 16, 9, 0)),
    ]
    replayed = deadlines.replay(CAL, events, time_value="3", time_unit="working_days")
    assert replayed.due_at == at(2026, 3, 17, 14, 30)
    assert replayed.supplement_count == 1
    assert replayed.finished_at == at(2026, 3, 16, 9, 0)
    assert replayed.timeliness == ""


def test_replay_refused_at_reception():
    replayed = deadlines.replay(
        CAL,
        [("file", at(2026, 3, 9, 7, 0)), ("refuse", at(2026, 3, 9, 9, 0))],
        time_value="3",
        time_unit="working_days",
    )
    assert replayed == deadlines.Replayed(None, None, 0, at(2026, 3, 9, 9, 0), "")


# --- Processing time (2.2, the dashboard): working time, supplement pauses taken out --------------------------


@pytest.mark.parametrize(
    ("received", "finished", "pauses", "hours"),
    [
        (at(2026, 3, 9, 7, 0), at(2026, 3, 9, 17, 0), [], 8),  # one working day
        (at(2026, 3, 6, 16, 0), at(2026, 3, 9, 8, 0), [], 2),  # Friday 16–17, Monday 07–08: the weekend is not counted
        (at(2026, 3, 9, 7, 0), at(2026, 3, 11, 17, 0), [(at(2026, 3, 10, 7, 0), at(2026, 3, 10, 17, 0))], 16),
        (at(2026, 3, 9, 7, 0), at(2026, 3, 10, 11, 30), [(at(2026, 3, 10, 7, 0), None)], 8),  # open at the finish
        (at(2026, 3, 9, 7, 0), at(2026, 3, 9, 9, 0), [(at(2026, 3, 9, 8, 0), at(2026, 3, 12, 8, 0))], 1),
    ],
)
def test_processing_time_takes_the_pauses_out(received, finished, pauses, hours):
    spent = deadlines.processing_time(CAL, received, finished, pauses)
    assert spent == datetime.timedelta(hours=hours)
