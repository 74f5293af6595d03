"""Deadlines of a dossier (DOMAIN.md §4): pure functions over a :class:`procedures.worktime.WorkingCalendar`.

* the appointment (due moment) = reception moment + the procedure version's processing time;
* a supplement pause preserves the working time left when the clock stopped: on resumption the due moment is
  the resumption moment + that working time (a dossier already overdue when paused keeps its due moment);
* timeliness (national indicator 2.1): finished at or before the due moment is on time; before the start of the
  session that contains the due moment is early; after it is late; more than one supplement request is late;
  the new date of an apology letter (form 04) never makes a late dossier on time;
* the transfer allowance: the same working day, or the next morning when received after 15:00.

``replay`` recomputes due moment and timeliness from a dossier's events alone, so the stored values can be
checked against the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from procedures.worktime import WorkingCalendar

EARLY, ON_TIME, LATE = "early", "on_time", "late"
TRANSFER_CUTOFF = time(15, 0)


def appointment(calendar: WorkingCalendar, received_at: datetime, *, time_value, time_unit: str) -> datetime:
    return calendar.due_moment(received_at, time_value=Decimal(str(time_value)), time_unit=time_unit)


def remaining_at_pause(calendar: WorkingCalendar, paused_at: datetime, due_at: datetime) -> timedelta:
    """Working time left on the clock when it stops (zero when already overdue)."""
    return calendar.working_time_between(paused_at, due_at)


def due_after_resumption(
    calendar: WorkingCalendar, resumed_at: datetime, remaining: timedelta, previous_due: datetime
) -> datetime:
    if remaining <= timedelta(0):
        return previous_due  # already overdue when paused: the pause does not make it less late
    hours = Decimal(int(remaining.total_seconds())) / Decimal(3600)
    return calendar.add_working_hours(resumed_at, hours)


def classify(calendar: WorkingCalendar, finished_at: datetime, due_at: datetime | None, supplement_count: int) -> str:
    if due_at is None:
        return ""
    if supplement_count > 1 or finished_at > due_at:
        return LATE
    if finished_at < calendar.session_start_containing(due_at):
        return EARLY
    return ON_TIME


def transfer_allowance(calendar: WorkingCalendar, received_at: datetime) -> datetime:
    """Hand to the processing unit the same working day; the next morning when received after 15:00.

    A reception on a working day at 15:00 or later — after 17:00 too — gets the next working morning; one on a day
    off counts from the next working day's first session (the end of that day).
    """
    local = calendar.localize(received_at)
    if not (calendar.is_working_day(local.date()) and local.time() >= TRANSFER_CUTOFF):
        return calendar.end_of_day(calendar.next_working_moment(local).date())
    next_day = calendar.next_working_day(local.date(), include_self=False)
    first_session_end = calendar.sessions[0][1]
    return datetime.combine(next_day, first_session_end, tzinfo=calendar.tz)


def step_timeliness(calendar: WorkingCalendar | None, done_at: datetime, allowed_until: datetime | None) -> str:
    """A control-slip step against its allowance (no allowance: on time, and no calendar is needed)."""
    if allowed_until is None:
        return ON_TIME
    return classify(calendar, done_at, allowed_until, 0)


def processing_time(
    calendar: WorkingCalendar,
    received_at: datetime,
    finished_at: datetime,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
) -> timedelta:
    """How long the dossier was processed (national indicator 2.2, the dashboard's processing time): working time
    from reception to the finish with the supplement pauses taken out (the clock stops while the applicant
    completes the dossier). A pause still open at the finish ends there."""
    total = calendar.working_time_between(received_at, finished_at)
    for started, ended in pauses:
        end = min(ended or finished_at, finished_at)
        if started < end:
            total -= calendar.working_time_between(started, end)
    return max(total, timedelta(0))


@dataclass(frozen=True)
class Replayed:
    received_at: datetime | None
    due_at: datetime | None
    supplement_count: int
    finished_at: datetime | None
    timeliness: str
    processing_seconds: int | None = None


FINISHING_ACTIONS = {"refuse", "stop", "decide"}
#: Finish the dossier without classifying it (a withdrawn dossier is not counted early, on time or late).
UNCLASSIFIED_FINISHING_ACTIONS = {"confirm_withdrawal"}


def replay(
    calendar: WorkingCalendar, events: Iterable[tuple[str, datetime]], *, time_value, time_unit: str
) -> Replayed:
    """Recompute the deadline facts from ``(action, at)`` events in order."""
    received_at = due_at = finished_at = None
    remaining: timedelta | None = None
    supplements = 0
    classified = True
    pauses: list[list] = []
    for action, at in events:
        if action in ("receive", "receive_at_counter"):
            received_at = at
            due_at = appointment(calendar, at, time_value=time_value, time_unit=time_unit)
        elif action == "request_supplement" and due_at is not None:
            supplements += 1
            remaining = remaining_at_pause(calendar, at, due_at)
            pauses.append([at, None])
        elif action == "supplement" and due_at is not None and remaining is not None:
            due_at = due_after_resumption(calendar, at, remaining, due_at)
            remaining = None
            pauses[-1][1] = at
        elif action in FINISHING_ACTIONS | UNCLASSIFIED_FINISHING_ACTIONS and finished_at is None:
            if remaining is not None and due_at is not None:  # finished while paused: the pause ends here
                due_at = due_after_resumption(calendar, at, remaining, due_at)
                remaining = None
            finished_at = at
            classified = action in FINISHING_ACTIONS
    timeliness = classify(calendar, finished_at, due_at, supplements) if finished_at and classified else ""
    processing = None
    if finished_at is not None and received_at is not None:
        processing = int(processing_time(calendar, received_at, finished_at, pauses).total_seconds())
    return Replayed(received_at, due_at, supplements, finished_at, timeliness, processing)
