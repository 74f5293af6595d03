"""Working time as integers, for the bulk generator: working seconds of the working days, numbered from 0."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from procedures.worktime import WorkingCalendar


def _seconds(clock: time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


class Timeline:
    """The working seconds of a calendar's working days from ``first_day`` to ``last_day``, numbered from 0.

    A moment inside a session is the index of the working second that starts at it; a due moment is the index of
    the working second that *ends* at it (so time running out at 11:30 is 11:30, not 13:30 — DOMAIN.md §4). Working
    time between two moments is their difference; adding working time is an addition.
    """

    def __init__(self, calendar: WorkingCalendar, first_day: date, last_day: date):
        self.calendar = calendar
        self.days = [
            first_day + timedelta(days=n)
            for n in range((last_day - first_day).days + 1)
            if calendar.is_working_day(first_day + timedelta(days=n))
        ]
        self.index = {day: k for k, day in enumerate(self.days)}
        spans = [(_seconds(start), _seconds(end)) for start, end in calendar.sessions]
        self.length = sum(end - start for start, end in spans)
        self.session_offsets = list(itertools.accumulate([0] + [end - start for start, end in spans]))[:-1]
        starts, ends, session_of = [], [], []
        for number, (start, end) in enumerate(spans):
            for second in range(end - start):
                starts.append(start + second)  # the clock at which working second s starts
                ends.append(start + second + 1)  # … and at which it ends
                session_of.append(self.session_offsets[number])
        self.clock_start, self.clock_end, self.session_of = starts, ends, session_of
        self.text_start = [f"{c // 3600:02d}:{c // 60 % 60:02d}:{c % 60:02d}" for c in starts]
        self.text_end = [f"{c // 3600:02d}:{c // 60 % 60:02d}:{c % 60:02d}" for c in ends]
        self.midnight = [datetime.combine(day, time(0, 0), tzinfo=calendar.tz) for day in self.days]
        self.prefix = [f"{day.isoformat()} " for day in self.days]
        self.suffix = [_offset(midnight + timedelta(hours=12)) for midnight in self.midnight]
        self.yymmdd = [f"{day:%y%m%d}" for day in self.days]

    def start_of(self, day: date) -> int:
        """The first working second on or after ``day``."""
        return self.index[self.calendar.next_working_day(day)] * self.length

    def text(self, w: int) -> str:
        k, s = divmod(w, self.length)
        return self.prefix[k] + self.text_start[s] + self.suffix[k]

    def text_due(self, w: int) -> str:
        k, s = divmod(w - 1, self.length)
        return self.prefix[k] + self.text_end[s] + self.suffix[k]

    def moment(self, w: int) -> datetime:
        k, s = divmod(w, self.length)
        return self.midnight[k] + timedelta(seconds=self.clock_start[s])

    def due_moment(self, w: int) -> datetime:
        k, s = divmod(w - 1, self.length)
        return self.midnight[k] + timedelta(seconds=self.clock_end[s])

    def from_due_moment(self, moment: datetime) -> int:
        """The index of a due moment (the end of a working second)."""
        local = self.calendar.localize(moment)
        k, clock = self.index[local.date()], _seconds(local.time())
        for offset, (start, end) in zip(self.session_offsets, self.calendar.sessions, strict=True):
            if _seconds(start) < clock <= _seconds(end):
                return k * self.length + offset + clock - _seconds(start)
        raise ValueError(f"{moment} is not the end of a working second")

    def session_start_of_due(self, w: int) -> int:
        """``session_start_containing(due)``: the start of the session the due moment belongs to."""
        k, s = divmod(w - 1, self.length)
        return k * self.length + self.session_of[s]

    def day(self, w: int) -> int:
        return w // self.length


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")  # +0700
    return f"{text[:3]}:{text[3:]}"


def text_of(moment: datetime) -> str:
    return moment.isoformat(sep=" ")
