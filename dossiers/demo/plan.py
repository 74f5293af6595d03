"""The demo's plan: which dossiers, where, by whom, and every action with its moment — a pure function.

:func:`demo_plan` takes the seed, the number of dossiers, the anchor day, the working calendar and the catalogue
facts it needs (plain values) and returns the same list of :class:`DossierPlan` every time: same seed → same
dossiers, same actions, same actors, same moments. ``dossiers.demo.seed`` then plays the actions through the real
services, in time order, each at its moment; the services issue the codes.

What a dossier goes through is not written here: a :class:`Scenario` names the state it is to be left in and the
detours it takes (supplement rounds, fees, an apology letter, a rating), and ``dossiers.demo.paths`` finds the
actions in the transition table (``dossiers.workflow``); each action is done by someone holding one of its roles.
Change the table and the stories change with it, or planning fails naming the story the table no longer allows.

One module past ~400 lines on purpose: the scenarios, the places and people, the pace of each action and the
deadline replay that picks early / on time / late are one pure computation over plain values, tested as one;
split, each part would need the others' private tables.

Moments follow the rules of DOMAIN.md §4: staff work inside working sessions, applicants act online at any hour; the
due moment is read back from the steps planned so far (``deadlines.replay``, what the services compute), so a dossier
meant to be early finishes before the session that contains its due moment, one meant to be on time inside that
session, one meant to be late after it. Everything happens before the anchor day (the day of the run).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dossiers import deadlines
from dossiers.demo.paths import Graph
from dossiers.demo.texts import (
    DENY_REASON,
    EXTEND_REASON,
    GENERIC_REASON,
    ORGANISATIONS,
    RATING_COMMENTS,
    RATING_WEIGHTS,
    REFUSE_REASONS,
    STOP_REASON,
    STOP_REASONS,
    SUPPLEMENT_REASONS,
    WITHDRAW_REASONS,
    id_number,
    person_name,
    phone_number,
)
from dossiers.workflow import Action, Role, State, can
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
    state: State  # the state the dossier is left in
    timeliness: str = ""  # target for the decision: early, on_time, late
    supplements: int = 0  # supplement rounds answered (a dossier left waiting for one has one more request)
    payment: bool = False  # fees requested and paid
    extend: bool = False  # an apology letter with a new date (form 04)
    rate: bool = False
    deny: bool = False
    overdue: bool = False  # an unfinished dossier already past its due moment
    channel: str = ""  # forced channel

    @property
    def detours(self) -> dict[Action, int]:
        """The cycles of the transition table this dossier goes round, by their first action (in story order)."""
        return {
            Action.REQUEST_SUPPLEMENT: self.supplements,
            Action.REQUEST_PAYMENT: int(self.payment),
            Action.EXTEND: int(self.extend),
            Action.RATE: int(self.rate),
        }


# --- Output ----------------------------------------------------------------------------------------------


@dataclass
class Step:
    action: Action
    at: datetime
    actor: str  # username
    role: Role  # the role of the transition the actor holds on the dossier
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
    received_at: datetime | None = None  # the moments the services will compute, read from the steps
    due_at: datetime | None = None

    @property
    def state(self) -> State:
        return self.scenario.state


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


# --- Who and how: channels, roles, paces -----------------------------------------------------------------

#: The channels each creating action of the table serves (``dossier_file``: online; the counter: direct, post).
CHANNELS: dict[Action, tuple[str, ...]] = {Action.FILE: ("online",), Action.RECEIVE_AT_COUNTER: ("direct", "post")}
CHANNEL_WEIGHTS = {"online": 40, "direct": 52, "post": 8}
#: Who acts when a transition allows several roles: the applicant for themselves; online, the processing unit
#: before the counter (fees paid online are confirmed by the handler), at the counter the other way round.
ROLE_ORDER = {
    "online": (Role.APPLICANT, Role.HANDLER, Role.RECEPTION, Role.RETURN_DESK, Role.LEADER),
    "counter": (Role.APPLICANT, Role.RECEPTION, Role.HANDLER, Role.RETURN_DESK, Role.LEADER),
}


@dataclass(frozen=True)
class Pace:
    """How long after the previous step an action comes: ``days`` calendar days (waiting for the applicant), then
    ``minutes`` — working minutes for staff (inside sessions), plain minutes for the applicant acting online."""

    minutes: tuple[int, int]
    days: tuple[int, int] = (0, 0)


PACE: dict[Action, Pace] = {
    Action.RECEIVE: Pace((10, 300)),
    Action.REFUSE: Pace((10, 240)),
    Action.TRANSFER: Pace((5, 90)),
    Action.ASSIGN: Pace((10, 240)),
    Action.REQUEST_SUPPLEMENT: Pace((30, 360)),
    Action.SUPPLEMENT: Pace((10, 300), days=(1, 6)),
    Action.REQUEST_PAYMENT: Pace((20, 240)),
    Action.CONFIRM_PAYMENT: Pace((30, 900)),
    Action.WITHDRAW: Pace((120, 2400)),
    Action.CONFIRM_WITHDRAWAL: Pace((30, 480)),
    Action.STOP: Pace((30, 240), days=(1, 5)),
    Action.DECIDE: Pace((60, 960)),
    Action.EXTEND: Pace((5, 60)),
    Action.RETURN: Pace((20, 1200)),
    Action.RATE: Pace((10, 3 * 24 * 60)),
}
#: Waiting for the applicant: processing stops when the deadline to supplement or to pay has passed.
PACE_FROM: dict[tuple[Action, State], Pace] = {
    (Action.STOP, State.SUPPLEMENT_REQUESTED): Pace((30, 240), days=(12, 20)),
    (Action.STOP, State.PAYMENT_REQUESTED): Pace((30, 240), days=(8, 15)),
}
DEFAULT_PACE = Pace((10, 240))


def _channels(graph: Graph, scenario: Scenario, procedure: Procedure) -> list[str]:
    """The channels a dossier of this scenario can come by: those of the creating actions that reach its state."""
    offered = {"online": procedure.online, "direct": procedure.direct, "post": procedure.post}
    return [
        channel
        for action in graph.creating
        if action in CHANNELS and graph.reaches(action, scenario.state)
        for channel in CHANNELS[action]
        if offered[channel] and scenario.channel in ("", channel)
    ]


def _creating(graph: Graph, channel: str) -> Action:
    return next(action for action in graph.creating if channel in CHANNELS.get(action, ()))


def _people(route: Route, citizen: str | None) -> dict[Role, str]:
    people = {Role.RECEPTION: route.reception, Role.RETURN_DESK: route.reception}
    people |= {Role.HANDLER: route.handler, Role.LEADER: route.leader}
    if citizen:
        people[Role.APPLICANT] = citizen
    return people


def _needs_account(graph: Graph, actions: list[Action]) -> bool:
    """Whether an action of the story may only be done by the applicant (filing online, withdrawing, rating)."""
    return any(graph.transitions[action].roles <= {Role.APPLICANT} for action in actions)


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

    def after(self, moment: datetime, pace: Pace, *, online: bool) -> datetime:
        if pace.days != (0, 0):
            moment += timedelta(days=self.rng.randint(*pace.days))
        if online:
            return moment + timedelta(minutes=self.rng.randint(*pace.minutes))
        return self.later(moment, *pace.minutes)


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


@dataclass
class _Dossier:
    """What the steps of one dossier are drawn from."""

    clock: _Clock
    graph: Graph
    route: Route
    procedure: Procedure
    scenario: Scenario
    channel: str
    people: dict[Role, str]
    steps: list[Step] = field(default_factory=list)

    def replayed(self) -> deadlines.Replayed:
        """Reception, due moment (after pauses) and timeliness as the services will compute them from the steps."""
        return deadlines.replay(
            self.clock.calendar,
            [(step.action.value, step.at) for step in self.steps],
            time_value=self.procedure.time_value,
            time_unit=self.procedure.time_unit,
        )

    def role_for(self, action: Action, state: State | None) -> Role:
        order = ROLE_ORDER["online" if self.channel == "online" else "counter"]
        roles = self.graph.transitions[action].roles
        role = next((role for role in order if role in roles and role in self.people), None)
        if role is None or not can(action, state, {role}):
            raise ValueError(f"nobody in the demo may {action} from {state}: the table asks for {sorted(roles)}")
        return role

    def moment(self, action: Action, state: State | None, day: date) -> datetime:
        """When ``action`` happens: what only the applicant may do, online at any hour; the rest inside sessions."""
        clock, online = self.clock, self.graph.transitions[action].roles == {Role.APPLICANT}
        if state is None:  # the dossier is created: filed online, or received at the counter on ``day``
            if online:
                return clock.any_hour(day - timedelta(days=clock.rng.choice([0, 0, 1])))
            return clock.counter_moment(day)
        previous = self.steps[-1].at
        if action.value in deadlines.FINISHING_ACTIONS and self.scenario.timeliness:
            due = self.replayed().due_at
            if due is not None:
                return _finish_moment(clock, previous, due, self.scenario.timeliness)
        pace = PACE_FROM.get((action, state)) or PACE.get(action, DEFAULT_PACE)
        return clock.after(previous, pace, online=online)

    def params(self, action: Action, state: State, at: datetime) -> dict:
        rng, procedure = self.clock.rng, self.procedure
        match action:
            case Action.REFUSE:
                return {"reason": rng.choice(REFUSE_REASONS)}
            case Action.TRANSFER | Action.RETURN:
                return {"note": ""}
            case Action.ASSIGN:
                return {"handler": self.route.handler}
            case Action.REQUEST_SUPPLEMENT:
                components = list(procedure.components) or ["Tờ khai"]
                return {"reason": rng.choice(SUPPLEMENT_REASONS), "missing_components": [rng.choice(components)]}
            case Action.SUPPLEMENT:
                return {"note": "Đã bổ sung giấy tờ theo yêu cầu"}
            case Action.REQUEST_PAYMENT:
                return {"amount_vnd": procedure.fee_vnd or rng.choice([50_000, 100_000, 200_000]), "note": ""}
            case Action.CONFIRM_PAYMENT:
                return {"paid_online": self.channel == "online"}
            case Action.WITHDRAW:
                return {"reason": rng.choice(WITHDRAW_REASONS)}
            case Action.STOP:
                return {"reason": STOP_REASONS.get(state.value, STOP_REASON)}
            case Action.DECIDE if self.scenario.deny:
                return {"outcome": "denied", "reason": DENY_REASON}
            case Action.DECIDE:
                return {"outcome": "approved", "result_document": _result_number(rng, at)}
            case Action.EXTEND:
                due = self.replayed().due_at or at
                return {"reason": EXTEND_REASON, "new_due_at": self.clock.later(max(due, at), 120, 960)}
            case Action.RATE:
                choices = RATING_WEIGHTS[self.scenario.timeliness or "on_time"]
                rating = rng.choices([r for r, _ in choices], [w for _, w in choices])[0]
                return {"rating": rating, "comment": rng.choice(RATING_COMMENTS)}
        return {"reason": GENERIC_REASON} if self.graph.transitions[action].requires_reason else {}


def _build(dossier: _Dossier, actions: list[Action], anchor: datetime) -> None:
    """The steps of ``actions``: each by someone holding one of its roles, at a moment after the previous one."""
    low, high = _reception_window(dossier.scenario)
    day = dossier.clock.working_day(anchor.date(), low, high)
    state: State | None = None
    for action in actions:
        role = dossier.role_for(action, state)
        at = dossier.moment(action, state, day)
        if dossier.steps and at <= dossier.steps[-1].at:
            raise _Impossible
        dossier.steps.append(Step(action, at, dossier.people[role], role, dossier.params(action, state, at)))
        state = dossier.graph.after(action, state)
    if dossier.steps[-1].at >= anchor:
        raise _Impossible


def _result_number(rng: random.Random, at: datetime) -> str:
    return f"Số {rng.randint(1, 999)}/{at.year}/{rng.choice(['QĐ-UBND', 'GCN', 'GP', 'TLHT'])}"


# --- The whole plan --------------------------------------------------------------------------------------


def _fits(graph: Graph, scenario: Scenario, procedure: Procedure) -> bool:
    return bool(_channels(graph, scenario, procedure)) and (procedure.fee_vnd > 0 or not scenario.payment)


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


def _draw(
    graph: Graph, clock: _Clock, anchor: datetime, number: int, scenario: Scenario, routes, citizens
) -> DossierPlan:
    """One dossier of ``scenario`` on a route and procedure drawn by the seed (:class:`_Impossible`: none fits)."""
    rng = clock.rng
    route = rng.choices(routes, [r.weight for r in routes])[0]
    fitting = [p for p in route.procedures if _fits(graph, scenario, p)]
    if not fitting:
        raise _Impossible
    procedure = rng.choices(fitting, [p.weight for p in fitting])[0]
    channels = _channels(graph, scenario, procedure)
    channel = rng.choices(channels, [CHANNEL_WEIGHTS[c] for c in channels])[0]
    actions = graph.walk(rng, creating=_creating(graph, channel), target=scenario.state, detours=scenario.detours)
    citizen = None
    if _needs_account(graph, actions) or rng.random() < 0.3:
        citizen = rng.choice(route.citizens)
    applicant = _applicant(rng, route, citizens, citizen)
    dossier = _Dossier(clock, graph, route, procedure, scenario, channel, _people(route, citizen))
    _build(dossier, actions, anchor)
    replayed = dossier.replayed()
    if scenario.overdue and (replayed.due_at is None or replayed.due_at >= anchor):
        raise _Impossible
    return DossierPlan(
        number=number,
        route=route.key,
        procedure=procedure.code,
        channel=channel,
        citizen=citizen,
        applicant=applicant,
        scenario=scenario,
        steps=dossier.steps,
        received_at=replayed.received_at,
        due_at=replayed.due_at,
    )


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

    ``citizens`` maps each demo citizen's username to their applicant data (name, id_number, phone, address). The
    stories are read from the transition table as it is now (``dossiers.demo.paths``); a :class:`ValueError` says
    which story it no longer allows.
    """
    rng = random.Random(seed)
    clock = _Clock(calendar, rng)
    graph = Graph()
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
            try:
                plan = _draw(graph, clock, anchor, len(plans) + 1, scenario, routes, citizens)
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
    "demo_plan",
    "ordered_steps",
]
