"""The working-time calendar (DOMAIN.md §4): a pure module — values in, values out; no ORM, no settings.

Working days are Monday–Friday minus Vietnam's public holidays, plus the government's weekend make-up working
days, exactly as the PyPI package ``holidays`` (country ``VN``) knows them — lunar Tết, Hùng Kings' day and its
observed day, 30/4, 1/5, National Day, 24/11 from 2026, the swapped days. No holiday is written down here. On top of
that an administrator may declare extra days off and extra working days (``procedures.calendar`` reads them from
the database and builds a :class:`WorkingCalendar`).

Time is counted in Asia/Ho_Chi_Minh local time. A naive datetime is read as local time; every datetime returned is
aware, in Asia/Ho_Chi_Minh.

Rules (DOMAIN.md §4):

* working hours walk the working sessions (default 07:00–11:30 and 13:30–17:00); a start outside a session starts
  at the next session start; time that runs out exactly at a session end ends there (17:00), not the next morning;
* a working day as a unit of processing time is :data:`HOURS_PER_WORKING_DAY` (8) working hours, fractions allowed;
* calendar days and months are counted on the calendar, the day of the start not counted (Civil Code 2015,
  Art. 147); the period ends at the end of its last day, and when that day is not a working day, at the end of the
  next working day (Art. 148). "End of a day" is the end of its last working session.

The calendar sits on hot paths (thousands of calls per request in dossier lists): the statutory answer per date is
memoised, the holidays objects are built once per year, and the walks step whole days, not minutes.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "CALENDAR_DAYS",
    "DEFAULT_SESSIONS",
    "HOURS_PER_WORKING_DAY",
    "MONTHS",
    "TIMEZONE",
    "TIME_UNITS",
    "WORKING_DAYS",
    "WORKING_HOURS",
    "WorkingCalendar",
    "statutory_working_day",
    "whole_working_hours",
    "working_hours_for",
]

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
COUNTRY = "VN"

#: The OpenCPS model (DOMAIN.md §4): two sessions a day, 8 working hours. Configurable in the admin.
DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = ((time(7, 0), time(11, 30)), (time(13, 30), time(17, 0)))

#: "Ngày làm việc" as a unit of processing time: 8 working hours (DOMAIN.md §4; ``ProcedureVersion.working_hours``).
HOURS_PER_WORKING_DAY = 8

# Units of processing time; the same values as ``procedures.models.TimeUnit`` (this module may not import models).
WORKING_DAYS = "working_days"
WORKING_HOURS = "working_hours"
CALENDAR_DAYS = "days"
MONTHS = "months"
TIME_UNITS = frozenset({WORKING_DAYS, WORKING_HOURS, CALENDAR_DAYS, MONTHS})

# A walk that meets this many non-working days in a row has a calendar with no working day left: stop, loudly.
_MAX_CONSECUTIVE_DAYS_OFF = 400
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)


@lru_cache(maxsize=128)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    """Vietnam's holidays for ``year`` and its neighbours, built once per year and never expanded afterwards.

    The neighbouring years are included so that a day observed across a year boundary is still seen; with
    ``expand=False`` the object is never mutated by a lookup, so it is safe to share between threads.
    """
    years = range(max(year - 1, date.min.year), min(year + 1, date.max.year) + 1)
    return holidays.country_holidays(COUNTRY, years=years, expand=False)


@lru_cache(maxsize=65_536)
def statutory_working_day(day: date) -> bool:
    """Whether ``day`` is a working day by law alone (the ``holidays`` package), before any admin exception."""
    return _vn_holidays(day.year).is_working_day(day)


def _to_timedelta(hours: int | float | Decimal) -> timedelta:
    """Working hours → an exact ``timedelta`` (to the microsecond); refuses negative, infinite and NaN values."""
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(f"hours must be int, float or Decimal, not {type(hours).__name__}")
    value = Decimal(repr(hours)) if isinstance(hours, float) else Decimal(hours)
    if not value.is_finite() or value < 0:
        raise ValueError(f"hours must be a finite number ≥ 0, not {hours!r}")
    return timedelta(microseconds=int((value * _MICROSECONDS_PER_HOUR).to_integral_value(ROUND_HALF_UP)))


def _whole_number(value: int | float | Decimal, *, unit: str) -> int:
    """A count of calendar days or months: a whole number ≥ 0 (``Decimal("15.00")`` is fine, 1.5 is not)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"a number of {unit} must be int, float or Decimal, not {type(value).__name__}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite() or number < 0 or number != number.to_integral_value():
        raise ValueError(f"a number of {unit} must be a whole number ≥ 0, not {value!r}")
    return int(number)


def _add_months(day: date, months: int) -> date:
    """The corresponding day ``months`` later; the last day of that month when it has no such day (Art. 148)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, stdlib_calendar.monthrange(year, month)[1]))


def working_hours_for(*, time_value: int | float | Decimal, time_unit: str) -> Decimal | None:
    """The working hours a stated processing time amounts to; ``None`` for calendar days and months.

    >>> working_hours_for(time_value=Decimal("1.5"), time_unit="working_days")
    Decimal('12.0')
    """
    if time_unit not in TIME_UNITS:
        raise ValueError(f"unknown time unit {time_unit!r}; expected one of {sorted(TIME_UNITS)}")
    if time_unit in (CALENDAR_DAYS, MONTHS):
        return None
    value = Decimal(repr(time_value)) if isinstance(time_value, float) else Decimal(time_value)
    if not value.is_finite() or value < 0:
        raise ValueError(f"a processing time must be a finite number ≥ 0, not {time_value!r}")
    return value * HOURS_PER_WORKING_DAY if time_unit == WORKING_DAYS else value


def whole_working_hours(*, time_value: int | float | Decimal | None, time_unit: str) -> int | None:
    """``working_hours_for`` as the whole number a procedure version stores (``ProcedureVersion.working_hours``):
    ``None`` for calendar days and months, an unknown unit, no value, a negative one or a part of an hour (such a
    time is walked from its stated value, never from a rounded number of hours).

    >>> whole_working_hours(time_value=Decimal("1.5"), time_unit="working_days")
    12
    >>> whole_working_hours(time_value=Decimal("0.3"), time_unit="working_days") is None
    True
    """
    if time_value is None or time_unit not in (WORKING_DAYS, WORKING_HOURS):
        return None
    try:
        hours = working_hours_for(time_value=time_value, time_unit=time_unit)
    except ValueError:
        return None
    if hours is None or hours != hours.to_integral_value():
        return None
    return int(hours)


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days and working sessions, with the administrator's exceptions.

    ``sessions`` are the working sessions of every working day, as ``(start, end)`` local times (sorted on
    construction; they may touch but not overlap). ``extra_days_off`` are days off the ``holidays`` package does not
    know yet; ``extra_working_days`` are extra make-up working days (a Saturday, or even a holiday, declared worked).
    A date may not be in both sets.
    """

    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    tz: tzinfo = TIMEZONE

    # Derived once in __post_init__: (start, end, duration) of each session, and the length of a working day.
    _spans: tuple[tuple[time, time, timedelta], ...] = field(init=False, repr=False, compare=False)
    _day_length: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sessions = tuple(sorted((start, end) for start, end in self.sessions))
        if not sessions:
            raise ValueError("a working calendar needs at least one working session")
        spans = []
        previous_end: time | None = None
        for start, end in sessions:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working sessions are local wall-clock times: pass naive datetime.time values")
            if end <= start:
                raise ValueError(f"a working session must end after it starts: {start:%H:%M}–{end:%H:%M}")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"working sessions overlap at {start:%H:%M}")
            previous_end = end
            duration = datetime.combine(date.min, end) - datetime.combine(date.min, start)
            spans.append((start, end, duration))
        days_off = frozenset(self.extra_days_off)
        working_days = frozenset(self.extra_working_days)
        both = days_off & working_days
        if both:
            raise ValueError(f"a date cannot be both an extra day off and an extra working day: {sorted(both)}")
        object.__setattr__(self, "sessions", sessions)
        object.__setattr__(self, "extra_days_off", days_off)
        object.__setattr__(self, "extra_working_days", working_days)
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(self, "_day_length", sum((span[2] for span in spans), _ZERO))

    # --- Days ------------------------------------------------------------------------------------------------

    @property
    def working_day_length(self) -> timedelta:
        """The working time of one full working day (the sum of the sessions; 8 h by default)."""
        return self._day_length

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is worked: the admin's exceptions first, then the law (the ``holidays`` package).

        A ``datetime`` is read as the local date it falls on.
        """
        if type(d) is not date:
            d = self.localize(d).date() if isinstance(d, datetime) else date(d.year, d.month, d.day)
        if d in self.extra_days_off:
            return False
        if d in self.extra_working_days:
            return True
        return statutory_working_day(d)

    def next_working_day(self, d: date, *, include_self: bool = True) -> date:
        """The first working day from ``d`` (``d`` itself when it is worked and ``include_self``)."""
        day = d if include_self else d + _ONE_DAY
        idle = 0
        while not self.is_working_day(day):
            idle += 1
            self._check_idle(idle, day)
            day += _ONE_DAY
        return day

    def _check_idle(self, idle: int, day: date) -> None:
        if idle > _MAX_CONSECUTIVE_DAYS_OFF:
            raise ValueError(f"no working day within {_MAX_CONSECUTIVE_DAYS_OFF} days of {day}: check the calendar")

    # --- Moments ---------------------------------------------------------------------------------------------

    def localize(self, moment: datetime) -> datetime:
        """``moment`` as an aware local datetime: a naive one is read as local time."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.tz)

    def end_of_day(self, d: date) -> datetime:
        """The end of the last working session of ``d`` (17:00 by default)."""
        return self._at(d, self._spans[-1][1])

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself when it lies inside a working session, else the start of the next session.

        Sessions are half-open here: 17:00 (a session end) is not a working moment; the next one is 07:00 of the next
        working day. 11:30 moves to 13:30.
        """
        local = self.localize(moment)
        day, clock = local.date(), local.time()
        if self.is_working_day(day):
            for start, end, _duration in self._spans:
                if clock < end:
                    return local if clock >= start else self._at(day, start)
        return self._at(self.next_working_day(day, include_self=False), self._spans[0][0])

    def add_working_hours(self, start: datetime, hours: int | float | Decimal) -> datetime:
        """The moment ``hours`` working hours after ``start``, walked across sessions and working days.

        A start outside a session counts from the next session start. When the time runs out exactly at a
        session end, that session end is the answer (Monday 07:00 + 8 h = Monday 17:00). ``hours == 0`` gives the
        start normalised: itself inside a session, else the next session start.
        """
        remaining = _to_timedelta(hours)
        local = self.localize(start)
        if not remaining:
            return self.next_working_moment(local)
        day, clock = local.date(), local.time()
        idle = 0
        # The first day: from the start's clock onwards, session by session.
        if self.is_working_day(day):
            for session_start, session_end, _duration in self._spans:
                if clock >= session_end:
                    continue
                begin = self._at(day, max(session_start, clock))
                available = self._at(day, session_end) - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        # Then whole days while more than a day is left, and the last day session by session.
        while True:
            day += _ONE_DAY
            if not self.is_working_day(day):
                idle += 1
                self._check_idle(idle, day)
                continue
            idle = 0
            if remaining > self._day_length:
                remaining -= self._day_length
                continue
            for session_start, _session_end, duration in self._spans:
                if remaining <= duration:
                    return self._at(day, session_start) + remaining
                remaining -= duration
            raise AssertionError("unreachable: the remaining time fits in one working day")  # pragma: no cover

    def subtract_working_hours(self, end: datetime, hours: int | float | Decimal) -> datetime:
        """The latest moment ``hours`` working hours before ``end``: the mirror of :meth:`add_working_hours`, so that
        ``working_time_between(result, end) == hours``.

        An ``end`` outside a session counts from the end of the last session before it. When the time runs out
        exactly at a session start, that start is the answer (Monday 17:00 − 8 h = Monday 07:00). Used to ask "which
        due moments are N working days behind now" in one indexed comparison (the reminders' escalation).
        """
        remaining = _to_timedelta(hours)
        local = self.localize(end)
        day, clock = local.date(), local.time()
        idle = 0
        if self.is_working_day(day):
            for session_start, session_end, _duration in reversed(self._spans):
                if clock <= session_start:
                    continue
                finish = self._at(day, min(session_end, clock))
                available = finish - self._at(day, session_start)
                if remaining <= available:
                    return finish - remaining
                remaining -= available
        while True:
            day -= _ONE_DAY
            if not self.is_working_day(day):
                idle += 1
                self._check_idle(idle, day)
                continue
            idle = 0
            if remaining > self._day_length:
                remaining -= self._day_length
                continue
            for _session_start, session_end, duration in reversed(self._spans):
                if remaining <= duration:
                    return self._at(day, session_end) - remaining
                remaining -= duration
            raise AssertionError("unreachable: the remaining time fits in one working day")  # pragma: no cover

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside the sessions of working days between two moments; zero when ``end <= start``."""
        a, b = self.localize(start), self.localize(end)
        if b <= a:
            return _ZERO
        first, last = a.date(), b.date()
        total = _ZERO
        day = first
        while day <= last:
            if self.is_working_day(day):
                if first < day < last:
                    total += self._day_length
                else:
                    for session_start, session_end, _duration in self._spans:
                        begin = max(self._at(day, session_start), a)
                        finish = min(self._at(day, session_end), b)
                        if finish > begin:
                            total += finish - begin
            day += _ONE_DAY
        return total

    def add_calendar_period(self, start: datetime, *, days: int = 0, months: int = 0) -> datetime:
        """The end of a period stated in calendar days and/or months (Civil Code 2015, Art. 147–148).

        The day of ``start`` is not counted; months go to the corresponding day of the last month (its last day when
        there is no such day), then ``days`` are added. The period ends at the end of its last day (the end of the
        last session, 17:00); when that day is not a working day, at the end of the next working day.
        ``days == months == 0`` gives the end of the start's own day (moved likewise).
        """
        day_count = _whole_number(days, unit="days")
        month_count = _whole_number(months, unit="months")
        last = self.localize(start).date()
        if month_count:
            last = _add_months(last, month_count)
        last += timedelta(days=day_count)
        return self.end_of_day(self.next_working_day(last))

    def session_start_containing(self, moment: datetime) -> datetime:
        """The start of the working session that contains ``moment`` — the "early" threshold of DOMAIN.md §4.

        A session contains its end (a due moment of 17:00 belongs to the 13:30–17:00 session; 11:30 to the morning
        one). Where sessions touch, a moment at the boundary belongs to the session it ends. For a moment outside
        every session (lunch, night, a day off) this is the start of the latest session that began before it.
        """
        local = self.localize(moment)
        day, clock = local.date(), local.time()
        if self.is_working_day(day):
            for session_start, session_end, _duration in self._spans:
                if session_start < clock <= session_end:
                    return self._at(day, session_start)
            latest: time | None = None
            for session_start, _session_end, _duration in self._spans:
                if session_start <= clock:
                    latest = session_start
            if latest is not None:
                return self._at(day, latest)
        day -= _ONE_DAY
        idle = 0
        while not self.is_working_day(day):
            idle += 1
            self._check_idle(idle, day)
            day -= _ONE_DAY
        return self._at(day, self._spans[-1][0])

    def due_moment(self, start: datetime, *, time_value: int | float | Decimal, time_unit: str) -> datetime:
        """The appointment (due) moment for a processing time stated as ``(time_value, time_unit)``.

        ``time_unit`` is one of :data:`TIME_UNITS`: ``"working_days"`` (8 working hours each, fractions allowed:
        0.5 day = 4 h), ``"working_hours"``, ``"days"`` (calendar days) or ``"months"`` (whole numbers only).
        """
        if time_unit == CALENDAR_DAYS:
            return self.add_calendar_period(start, days=_whole_number(time_value, unit="days"))
        if time_unit == MONTHS:
            return self.add_calendar_period(start, months=_whole_number(time_value, unit="months"))
        hours = working_hours_for(time_value=time_value, time_unit=time_unit)
        assert hours is not None  # working days or hours
        return self.add_working_hours(start, hours)
