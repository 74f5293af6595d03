"""The demo's plan: which dossiers, where, by whom, and every action with its moment — a pure function.

:func:`demo_plan` takes the seed, the number of dossiers, the anchor day, the working calendar and the catalogue
facts it needs (plain values) and returns the same list of :class:`DossierPlan` every time: same seed → same
dossiers, same moments, same states, same codes (on a database where those centres issued no code on those days
before). ``dossiers.demo.seed`` then plays the actions through the real services, in time order, each at its
moment.

Moments follow the rules of DOMAIN.md §4: counter work happens inside working sessions, online filings at any hour,
the appointment is the real one (``dossiers.deadlines``), a supplement pause preserves the remaining working time;
a dossier meant to be early finishes before the session that contains its due moment, one meant to be on time
inside that session, one meant to be late after it. Everything happens before the anchor day (the day of the run).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dossiers import deadlines
from dossiers.demo.texts import (
    DENY_REASON,
    EXTEND_REASON,
    ORGANISATIONS,
    RATING_COMMENTS,
    RATING_WEIGHTS,
    REFUSE_REASONS,
    STOP_REASON,
    SUPPLEMENT_REASONS,
    WITHDRAW_REASONS,
    id_number,
    person_name,
    phone_number,
)
from dossiers.workflow import Action, State
from procedures.worktime import WorkingCalendar

WINDOW_DAYS = 90

# --- Inputs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Procedure:
    code: str
    time_value: Decimal
    time_unit: str
    fee_vnd: int
    online: bool
    direct: bool
    post: bool
    components: tuple[str, ...] = ()  # names of the required components
    weight: int = 1


@dataclass(frozen=True)
class Route:
    """Where a dossier is received (a centre and its reception officer) and who processes it."""

    key: str
    centre_key: str
    agency_code: str
    reception: str  # username of the reception officer (also the return desk: results return where received)
    unit_key: str
    handler: str
    leader: str
    level: str  # the procedures' level
    commune_code: str | None  # the competent commune for commune-level procedures received elsewhere
    weight: int
    citizens: tuple[str, ...]  # demo citizens who usually come here
    former_province: str = "phu_tho"  # where walk-in applicants were born (the prefix of their CCCD)
    highland: bool = False  # a Mông commune: many applicants have Mông names
    procedures: tuple[Procedure, ...] = ()


@dataclass(frozen=True)
class Scenario:
    state: State
    timeliness: str = ""  # target for finished dossiers: early, on_time, late
    supplements: int = 0
    payment: bool = False
    extend: bool = False
    rate: bool = False
    deny: bool = False
    overdue: bool = False  # an unfinished dossier already past its due moment
    channel: str = ""  # forced channel


# --- Output ----------------------------------------------------------------------------------------------


@dataclass
class Step:
    action: Action
    at: datetime
    actor: str  # username
    params: dict = field(default_factory=dict)


@dataclass
class DossierPlan:
    number: int
    route: str
    procedure: str
    channel: str
    citizen: str | None  # the demo citizen who filed it or is its applicant
    applicant: dict
    scenario: Scenario
    steps: list[Step]
    due_at: datetime | None = None  # as the planner computed it (after pauses)
    code: str | None = None  # predicted by assign_codes

    @property
    def state(self) -> State:
        return self.scenario.state

    @property
    def received_at(self) -> datetime | None:
        for step in self.steps:
            if step.action in (Action.RECEIVE, Action.RECEIVE_AT_COUNTER):
                return step.at
        return None


class _Impossible(Exception):
    """This draw cannot fit before the anchor: draw again."""


# --- Scenarios -------------------------------------------------------------------------------------------

#: The first dossiers of every plan: each state, each timeliness, pauses, extension, payment, rating, channels.
MUST_HAVE: list[Scenario] = [
    Scenario(State.RETURNED, "early", rate=True),
    Scenario(State.RETURNED, "on_time", rate=True),
    Scenario(State.RETURNED, "late", rate=True),
    Scenario(State.RETURNED, "early", supplements=1),
    Scenario(State.RETURNED, "late", supplements=2, rate=True),
    Scenario(State.RETURNED, "late", extend=True),
    Scenario(State.RETURNED, "on_time", payment=True, rate=True),
    Scenario(State.RETURNED, "early", channel="post"),
    Scenario(State.RETURNED, "early", channel="online", rate=True),
    Scenario(State.RETURNED, "on_time", deny=True),
    Scenario(State.FILED),
    Scenario(State.REFUSED),
    Scenario(State.RECEIVED),
    Scenario(State.TRANSFERRED),
    Scenario(State.PROCESSING),
    Scenario(State.PROCESSING, overdue=True),
    Scenario(State.SUPPLEMENT_REQUESTED),
    Scenario(State.PAYMENT_REQUESTED),
    Scenario(State.WITHDRAWAL_REQUESTED),
    Scenario(State.WITHDRAWN),
    Scenario(State.STOPPED),
    Scenario(State.RESULT_READY, "early"),
    Scenario(State.RESULT_READY, "late"),
]

#: Final states of the other dossiers, by weight (most dossiers of the last 90 days are finished).
STATE_WEIGHTS: list[tuple[State, int]] = [
    (State.RETURNED, 52),
    (State.RESULT_READY, 6),
    (State.PROCESSING, 8),
    (State.TRANSFERRED, 3),
    (State.RECEIVED, 3),
    (State.FILED, 4),
    (State.REFUSED, 3),
    (State.SUPPLEMENT_REQUESTED, 5),
    (State.PAYMENT_REQUESTED, 2),
    (State.WITHDRAWAL_REQUESTED, 2),
    (State.WITHDRAWN, 3),
    (State.STOPPED, 3),
]
TIMELINESS_WEIGHTS = [("early", 50), ("on_time", 32), ("late", 18)]


def _draw_scenario(rng: random.Random) -> Scenario:
    state = rng.choices([s for s, _ in STATE_WEIGHTS], [w for _, w in STATE_WEIGHTS])[0]
    if state in (State.RETURNED, State.RESULT_READY):
        timeliness = rng.choices([t for t, _ in TIMELINESS_WEIGHTS], [w for _, w in TIMELINESS_WEIGHTS])[0]
        supplements = rng.choices([0, 1, 2], [84, 13, 3])[0]
        if supplements == 2:
            timeliness = "late"
        return Scenario(
            state,
            timeliness,
            supplements=supplements,
            payment=rng.random() < 0.12,
            extend=timeliness == "late" and rng.random() < 0.4,
            rate=state == State.RETURNED and rng.random() < 0.55,
            deny=rng.random() < 0.04,
        )
    if state == State.PROCESSING:
        return Scenario(state, supplements=rng.choices([0, 1], [85, 15])[0], overdue=rng.random() < 0.3)
    return Scenario(state)


# --- Moments ---------------------------------------------------------------------------------------------


class _Clock:
    """Working-time arithmetic with whole seconds, on the real calendar."""

    def __init__(self, calendar: WorkingCalendar, rng: random.Random):
        self.calendar = calendar
        self.rng = rng

    def later(self, moment: datetime, low_minutes: int, high_minutes: int) -> datetime:
        """A moment ``low..high`` working minutes after ``moment`` (inside a session, whole seconds)."""
        minutes = self.rng.randint(low_minutes, high_minutes)
        return self.calendar.add_working_hours(moment, Decimal(minutes) / 60).replace(microsecond=0)

    def counter_moment(self, day: date) -> datetime:
        """A moment of a working session of ``day`` (a working day), when people come to the counter."""
        seconds = self.rng.randint(5 * 60, int(self.calendar.working_day_length.total_seconds()) - 20 * 60)
        first = datetime.combine(day, self.calendar.sessions[0][0], tzinfo=self.calendar.tz)
        return self.calendar.add_working_hours(first, Decimal(seconds) / 3600).replace(microsecond=0)

    def working_day(self, latest: date, back_low: int, back_high: int) -> date:
        """A working day ``back_low..back_high`` days before ``latest`` (further back across a long holiday)."""
        while True:
            days = [latest - timedelta(days=back) for back in range(back_low, back_high + 1)]
            days = [day for day in days if self.calendar.is_working_day(day)]
            if days:
                return self.rng.choice(days)
            back_high += 7

    def any_hour(self, day: date) -> datetime:
        """Online filings come at any hour of any day (mostly in the evening)."""
        hour = self.rng.choices([7, 9, 11, 14, 16, 19, 20, 21, 22], [1, 2, 2, 2, 2, 3, 3, 2, 1])[0]
        return datetime.combine(day, time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), self.calendar.tz)


# --- Building one dossier's steps ------------------------------------------------------------------------


def _reception_window(scenario: Scenario) -> tuple[int, int]:
    """How many days before the anchor a dossier of this scenario was received (or filed)."""
    recent = {
        State.FILED: (1, 3),
        State.REFUSED: (3, WINDOW_DAYS - 2),
        State.RECEIVED: (1, 3),
        State.TRANSFERRED: (1, 4),
        State.PROCESSING: (2, 12),
        State.SUPPLEMENT_REQUESTED: (4, 20),
        State.PAYMENT_REQUESTED: (2, 8),
        State.WITHDRAWAL_REQUESTED: (2, 6),
        State.RESULT_READY: (3, 20),
    }
    if scenario.overdue:
        return (20, 60)
    return recent.get(scenario.state, (4, WINDOW_DAYS - 2))


def _build(
    clock: _Clock,
    anchor: datetime,
    number: int,
    route: Route,
    procedure: Procedure,
    scenario: Scenario,
    channel: str,
    citizen: str | None,
    applicant: dict,
) -> DossierPlan:
    rng, cal = clock.rng, clock.calendar
    reception, handler, leader = route.reception, route.handler, route.leader
    applicant_actor = citizen or reception  # a walk-in brings a supplement to the counter
    steps: list[Step] = []
    low, high = _reception_window(scenario)
    day = clock.working_day(anchor.date(), low, high)

    def add(action: Action, at: datetime, actor: str, **params) -> datetime:
        if steps and at <= steps[-1].at:
            raise _Impossible
        steps.append(Step(action, at, actor, params))
        return at

    # 1. Filing or counter reception.
    if channel == "online":
        filed = clock.any_hour(day - timedelta(days=rng.choice([0, 0, 1])))
        add(Action.FILE, filed, citizen)
        if scenario.state == State.FILED:
            return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, None, anchor)
        first = cal.next_working_moment(filed)
        if scenario.state == State.REFUSED:
            add(Action.REFUSE, clock.later(first, 10, 240), reception, reason=rng.choice(REFUSE_REASONS))
            return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, None, anchor)
        t = add(Action.RECEIVE, clock.later(first, 10, 300), reception)
    else:
        t = add(Action.RECEIVE_AT_COUNTER, clock.counter_moment(day), reception)
    received = t
    due = deadlines.appointment(cal, received, time_value=procedure.time_value, time_unit=procedure.time_unit)
    if scenario.state == State.RECEIVED:
        return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)

    # 2. Transfer (same day, or the next morning after 15:00) and assignment.
    t = add(Action.TRANSFER, clock.later(t, 5, 90), reception, note="")
    if scenario.state == State.TRANSFERRED:
        return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)
    t = add(Action.ASSIGN, clock.later(t, 10, 240), leader, handler=handler)

    if scenario.state in (State.WITHDRAWAL_REQUESTED, State.WITHDRAWN):
        t = add(Action.WITHDRAW, t + timedelta(hours=rng.randint(2, 40)), citizen, reason=rng.choice(WITHDRAW_REASONS))
        if scenario.state == State.WITHDRAWN:
            add(Action.CONFIRM_WITHDRAWAL, clock.later(t, 30, 480), reception)
        return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)

    # 3. Supplement pauses: the clock stops, the remaining working time is kept.
    components = list(procedure.components) or ["Tờ khai"]
    supplements = scenario.supplements + (1 if scenario.state in (State.SUPPLEMENT_REQUESTED, State.STOPPED) else 0)
    for index in range(supplements):
        asked = add(
            Action.REQUEST_SUPPLEMENT,
            clock.later(t, 30, 360),
            handler,
            reason=rng.choice(SUPPLEMENT_REASONS),
            missing_components=[rng.choice(components)],
        )
        remaining = deadlines.remaining_at_pause(cal, asked, due)
        last_pause = index == supplements - 1
        if last_pause and scenario.state == State.SUPPLEMENT_REQUESTED:
            return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)
        if last_pause and scenario.state == State.STOPPED:
            stopped = clock.later(asked + timedelta(days=rng.randint(12, 20)), 30, 240)
            add(Action.STOP, stopped, leader, reason=STOP_REASON)
            due = deadlines.due_after_resumption(cal, stopped, remaining, due)
            return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)
        back = clock.later(asked + timedelta(days=rng.randint(1, 6)), 10, 300)
        t = add(Action.SUPPLEMENT, back, applicant_actor, note="Đã bổ sung giấy tờ theo yêu cầu")
        due = deadlines.due_after_resumption(cal, back, remaining, due)

    # 4. Fees.
    if scenario.payment or scenario.state == State.PAYMENT_REQUESTED:
        amount = procedure.fee_vnd or rng.choice([50_000, 100_000, 200_000])
        t = add(Action.REQUEST_PAYMENT, clock.later(t, 20, 240), handler, amount_vnd=amount, note="")
        if scenario.state == State.PAYMENT_REQUESTED:
            return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)
        online = channel == "online"
        t = add(Action.CONFIRM_PAYMENT, clock.later(t, 30, 900), handler if online else reception, paid_online=online)

    if scenario.state == State.PROCESSING:  # still with the handler (when ``overdue``, past its due moment)
        return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)

    # 5. Decision: early, on time or late against the due moment (after pauses).
    finished = _finish_moment(clock, t, due, scenario.timeliness)
    if scenario.extend:
        asked = clock.later(t, 5, 60)
        if asked < finished:
            add(Action.EXTEND, asked, handler, reason=EXTEND_REASON, new_due_at=clock.later(finished, 120, 960))
    if scenario.deny:
        add(Action.DECIDE, finished, leader, outcome="denied", reason=DENY_REASON)
    else:
        add(Action.DECIDE, finished, leader, outcome="approved", result_document=_result_number(rng, finished))
    if scenario.state == State.RESULT_READY:
        return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)

    # 6. Return at the return desk, then perhaps a rating.
    returned = add(Action.RETURN, clock.later(finished, 20, 1200), reception, note="")
    if scenario.rate:
        timeliness = scenario.timeliness or "on_time"
        choices = RATING_WEIGHTS[timeliness]
        rating = rng.choices([r for r, _ in choices], [w for _, w in choices])[0]
        add(
            Action.RATE,
            returned + timedelta(minutes=rng.randint(10, 3 * 24 * 60)),
            citizen,
            rating=rating,
            comment=rng.choice(RATING_COMMENTS),
        )
    return _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor)


def _finish_moment(clock: _Clock, start: datetime, due: datetime, timeliness: str) -> datetime:
    cal, rng = clock.calendar, clock.rng
    threshold = cal.session_start_containing(due)
    if timeliness == "early":
        available = cal.working_time_between(start, threshold)
        minutes = int(available.total_seconds() // 60)
        if minutes < 15:
            raise _Impossible
        return clock.later(start, 5, max(5, int(minutes * 0.8)))
    if timeliness == "on_time":
        low = max(threshold, start + timedelta(minutes=5))
        span = int((due - low).total_seconds())
        if span <= 60:
            raise _Impossible
        return (low + timedelta(seconds=rng.randint(30, span))).replace(microsecond=0)
    return clock.later(max(due, start), 30, 40 * 60)  # late: up to five working days past the due moment


def _result_number(rng: random.Random, at: datetime) -> str:
    return f"Số {rng.randint(1, 999)}/{at.year}/{rng.choice(['QĐ-UBND', 'GCN', 'GP', 'TLHT'])}"


def _done(number, route, procedure, channel, citizen, applicant, scenario, steps, due, anchor) -> DossierPlan:
    if steps[-1].at >= anchor:
        raise _Impossible
    if scenario.overdue and (due is None or due >= anchor):
        raise _Impossible
    return DossierPlan(
        number=number,
        route=route.key,
        procedure=procedure.code,
        channel=channel,
        citizen=citizen,
        applicant=applicant,
        scenario=scenario,
        steps=steps,
        due_at=due,
    )


# --- The whole plan --------------------------------------------------------------------------------------

NEEDS_ACCOUNT = {State.FILED, State.REFUSED, State.WITHDRAWAL_REQUESTED, State.WITHDRAWN}


def _pick_channel(rng: random.Random, scenario: Scenario, procedure: Procedure) -> str:
    if scenario.state in (State.FILED, State.REFUSED) or scenario.channel == "online":
        return "online"
    if scenario.channel:
        return scenario.channel
    options = [("online", 40 if procedure.online else 0), ("direct", 52), ("post", 8 if procedure.post else 0)]
    return rng.choices([c for c, _ in options], [w for _, w in options])[0]


def _fits(scenario: Scenario, procedure: Procedure) -> bool:
    if scenario.state in (State.FILED, State.REFUSED) or scenario.channel == "online":
        if not procedure.online:
            return False
    if scenario.channel == "post" and not procedure.post:
        return False
    if (scenario.payment or scenario.state == State.PAYMENT_REQUESTED) and not procedure.fee_vnd:
        return False
    return True


def _applicant(rng: random.Random, route: Route, citizens: dict[str, dict], citizen: str | None) -> dict:
    if citizen:
        return dict(citizens[citizen])
    female = rng.random() < 0.52
    hmong = route.highland and rng.random() < 0.7
    province = route.former_province
    if route.level == "provincial" and rng.random() < 0.4:
        return {
            "kind": "organisation",
            "organisation_name": rng.choice(ORGANISATIONS),
            "name": person_name(rng, female=female),
            "id_number": f"{rng.choice(['26', '54', '01'])}{rng.randint(0, 99_999_999):08d}",
            "phone": phone_number(rng),
            "address": "Phú Thọ",
        }
    return {
        "kind": "person",
        "name": person_name(rng, female=female, hmong=hmong),
        "id_number": id_number(rng, province, female=female),
        "phone": phone_number(rng),
        "address": "",
    }


def demo_plan(
    *,
    seed: int,
    count: int,
    anchor_day: date,
    calendar: WorkingCalendar,
    routes: list[Route],
    citizens: dict[str, dict],
) -> list[DossierPlan]:
    """The demo's dossiers: ``count`` of them, the first ones covering :data:`MUST_HAVE`; a pure function.

    ``citizens`` maps each demo citizen's username to their applicant data (name, id_number, phone, address).
    """
    rng = random.Random(seed)
    clock = _Clock(calendar, rng)
    anchor = datetime.combine(anchor_day, time(0, 0), tzinfo=calendar.tz)
    routes = [route for route in routes if route.procedures]
    if not routes:
        raise ValueError("no procedure of the catalogue fits the demo's units: load the catalogue first")
    plans: list[DossierPlan] = []
    number = 0
    while len(plans) < count:
        scenario = MUST_HAVE[number] if number < len(MUST_HAVE) else _draw_scenario(rng)
        number += 1
        plan = None
        for _attempt in range(40):
            route = rng.choices(routes, [r.weight for r in routes])[0]
            fitting = [p for p in route.procedures if _fits(scenario, p)]
            if not fitting:
                continue
            procedure = rng.choices(fitting, [p.weight for p in fitting])[0]
            channel = _pick_channel(rng, scenario, procedure)
            needs_account = channel == "online" or scenario.state in NEEDS_ACCOUNT or scenario.rate
            citizen = None
            if needs_account or rng.random() < 0.3:
                citizen = rng.choice(route.citizens)
            applicant = _applicant(rng, route, citizens, citizen)
            try:
                plan = _build(clock, anchor, len(plans) + 1, route, procedure, scenario, channel, citizen, applicant)
                break
            except _Impossible:
                continue
        if plan is None:
            # a draw that never fits (no procedure takes that channel, a very long one meant to be late…): the next
            # scenario instead — `make run` must not fail over it; the tests check the real catalogue covers all
            if number > len(MUST_HAVE) + 50 * count:
                raise ValueError("the demo cannot place its dossiers on this catalogue")
            continue
        plans.append(plan)
    return plans


def assign_codes(plans: list[DossierPlan], agency_codes: dict[str, str], start: dict | None = None) -> None:
    """Predict every dossier code: receptions in time order, numbered per reception centre and day from 1.

    ``agency_codes`` maps a route key to its centre's agency code; ``start`` the last numbers already issued
    ``{(agency_code, day): last}``. Same order as :func:`ordered_steps`, so the services issue the same codes.
    """
    from dossiers.services import format_code

    counters: dict[tuple[str, date], int] = defaultdict(int, start or {})
    by_number = {plan.number: plan for plan in plans}
    for _at, number, _index, step in ordered_steps(plans):
        if step.action in (Action.RECEIVE, Action.RECEIVE_AT_COUNTER):
            agency = agency_codes[by_number[number].route]
            key = (agency, step.at.date())
            counters[key] += 1
            by_number[number].code = format_code(agency, step.at.date(), counters[key])


def ordered_steps(plans: list[DossierPlan]) -> list[tuple[datetime, int, int, Step]]:
    """Every step of every dossier in the order they happen (ties: dossier number, then step order)."""
    events = [(step.at, plan.number, index, step) for plan in plans for index, step in enumerate(plan.steps)]
    events.sort(key=lambda event: event[:3])
    return events


def summary(plans: list[DossierPlan]) -> dict:
    states: dict[str, int] = defaultdict(int)
    for plan in plans:
        states[plan.state.value] += 1
    return dict(sorted(states.items()))


__all__ = [
    "MUST_HAVE",
    "DossierPlan",
    "Procedure",
    "Route",
    "Scenario",
    "Step",
    "assign_codes",
    "demo_plan",
    "ordered_steps",
]
