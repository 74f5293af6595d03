"""``manage.py seed_demo``: the living demo (played through the real services) and the bulk generator.

The planner is pure and tested without a database, on the transition table as it is and as it could be changed; the
demo is seeded once per test on the real map and catalogue (rolled back afterwards).
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from communes.models import ReferenceDataLoad, ServiceCentre
from dossiers import deadlines, services
from dossiers.demo.bulk import demo_bulk
from dossiers.demo.people import CITIZENS, PASSWORD, STAFF, usernames
from dossiers.demo.plan import MUST_HAVE, Procedure, Route, demo_plan
from dossiers.demo.seed import demo_seed, plan_for
from dossiers.models import (
    AuditEvent,
    ControlSlipRow,
    DailySequence,
    Document,
    DocumentKind,
    Dossier,
    Pause,
    ReceivedComponent,
)
from dossiers.services import core
from dossiers.workflow import FINISHED_STATES, NATIONAL_STATUS, TRANSITIONS, Action, Role, State, can, target_state
from portal.accounts.models import Membership, StaffRole, User
from procedures.calendar import working_calendar
from procedures.worktime import WorkingCalendar

ANCHOR = date(2026, 3, 2)  # a Monday two weeks after Tết 2026: the 90-day window crosses the Tết holidays
CALENDAR = WorkingCalendar()

# --- The plan: a pure function of the seed ---------------------------------------------------------------

BIRTH = Procedure("1.001193", Decimal(1), "working_days", 0, True, True, True, ("Tờ khai", "Giấy chứng sinh"), 5)
COPY = Procedure("2.000815", Decimal(1), "working_days", 2000, True, True, True, ("Bản chính",), 3)
LAND = Procedure("1.012753", Decimal(20), "working_days", 0, True, True, True, ("Đơn đăng ký",), 1)
POOR = Procedure("1.011607", Decimal(15), "days", 0, False, True, True, ("Giấy đề nghị",), 1)
ROUTES = [
    Route(
        key="phuong-viet-tri",
        centre_key="commune-07900",
        agency_code="079.00.00.H25",
        reception="reception",
        unit_key="ubnd-07900",
        handler="handler",
        leader="leader",
        level="commune",
        commune_code=None,
        weight=3,
        citizens=("citizen-1", "citizen-2"),
        procedures=(BIRTH, COPY, LAND, POOR),
    ),
    Route(
        key="xa-pa-co",
        centre_key="commune-05212",
        agency_code="052.12.00.H25",
        reception="reception-2",
        unit_key="ubnd-05212",
        handler="handler-2",
        leader="leader-2",
        level="commune",
        commune_code=None,
        weight=1,
        citizens=("citizen-2",),
        former_province="hoa_binh",
        highland=True,
        procedures=(BIRTH, COPY),
    ),
]
CITIZEN_DATA = {
    "citizen-1": {"kind": "person", "name": "Nguyễn Thị Hoa", "id_number": "025188004512", "phone": "0912345601"},
    "citizen-2": {"kind": "person", "name": "Giàng A Tủa", "id_number": "017201003390", "phone": "0372554604"},
}
COUNTER_ACTIONS = set(Action) - {Action.FILE, Action.WITHDRAW, Action.RATE}


def _plan(seed: int, count: int = 60):
    return demo_plan(seed=seed, count=count, anchor_day=ANCHOR, calendar=CALENDAR, routes=ROUTES, citizens=CITIZEN_DATA)


def _shape(plans) -> list:
    return [
        (
            p.route,
            p.procedure,
            p.channel,
            p.citizen,
            p.state,
            p.due_at,
            [(s.action, s.at, s.actor, s.params) for s in p.steps],
        )
        for p in plans
    ]


def test_the_plan_is_a_pure_function_of_the_seed():
    first, again, other = _plan(7), _plan(7), _plan(8)
    assert _shape(first) == _shape(again)
    assert _shape(first) != _shape(other)


def test_the_plan_covers_every_state_and_every_case_first():
    plans = _plan(2026, count=len(MUST_HAVE))
    assert [p.scenario for p in plans] == MUST_HAVE
    assert {p.state for p in plans} == set(State)
    assert {p.channel for p in plans} == {"online", "direct", "post"}


def test_every_step_happens_in_order_before_the_anchor_and_counter_work_inside_sessions():
    plans = _plan(3, count=200)
    anchor = datetime.combine(ANCHOR, time(0, 0), tzinfo=CALENDAR.tz)
    window_start = anchor - timedelta(days=95)
    for plan in plans:
        moments = [step.at for step in plan.steps]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), plan
        assert window_start <= moments[0] and moments[-1] < anchor, plan
        for step in plan.steps:
            if step.action in COUNTER_ACTIONS:
                local = CALENDAR.localize(step.at)
                assert CALENDAR.is_working_day(local.date()), (plan.number, step)
                assert any(start <= local.time() <= end for start, end in CALENDAR.sessions), (plan.number, step)
        if plan.state in (State.FILED, State.REFUSED) or Action.WITHDRAW in [s.action for s in plan.steps]:
            assert plan.citizen, "a filing online, a withdrawal and a rating need the applicant's account"


def _people(route: Route, citizen: str | None) -> dict[Role, str]:
    people = {Role.RECEPTION: route.reception, Role.RETURN_DESK: route.reception, Role.HANDLER: route.handler}
    people[Role.LEADER] = route.leader
    return people | ({Role.APPLICANT: citizen} if citizen else {})


def test_every_step_is_allowed_by_the_table_to_its_actor_and_ends_in_the_planned_state():
    routes = {route.key: route for route in ROUTES}
    stories = set()
    for plan in _plan(5, count=200):
        people = _people(routes[plan.route], plan.citizen)
        state = None
        for step in plan.steps:
            assert can(step.action, state, {step.role}), (plan.number, state, step)
            assert people.get(step.role) == step.actor, (plan.number, step)
            state = target_state(step.action, state)
        assert state == plan.state, plan.number
        stories.add(tuple(step.action for step in plan.steps))
    # the table offers several ways to some states, and the seed takes them
    withdrawn = {story for story in stories if story[-1] == Action.CONFIRM_WITHDRAWAL}
    assert len(withdrawn) >= 3, withdrawn


def test_the_plan_follows_a_changed_transition_table(monkeypatch):
    # the leader may assign straight from reception, and only the leader transfers
    assign = TRANSITIONS[Action.ASSIGN]
    monkeypatch.setitem(TRANSITIONS, Action.ASSIGN, replace(assign, sources=assign.sources | {State.RECEIVED}))
    monkeypatch.setitem(
        TRANSITIONS, Action.TRANSFER, replace(TRANSITIONS[Action.TRANSFER], roles=frozenset({Role.LEADER}))
    )
    plans = _plan(9, count=80)
    processed = [[s.action for s in p.steps] for p in plans if Action.ASSIGN in [s.action for s in p.steps]]
    assert any(Action.TRANSFER not in actions for actions in processed)
    assert any(Action.TRANSFER in actions for actions in processed)
    transfers = [(s.role, s.actor) for p in plans for s in p.steps if s.action == Action.TRANSFER]
    assert transfers and {role for role, _ in transfers} == {Role.LEADER}
    assert {actor for _, actor in transfers} <= {"leader", "leader-2"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda table: table.pop(Action.RATE), "rate"),
        (
            lambda table: table.__setitem__(
                Action.RETURN, replace(table[Action.RETURN], roles=frozenset({Role.PROVINCE}))
            ),
            "return",
        ),
        (lambda table: table.pop(Action.CONFIRM_PAYMENT), "request_payment"),
    ],
    ids=["no-rating", "returned-by-nobody-of-the-demo", "fees-never-paid"],
)
def test_the_plan_fails_loudly_when_the_table_no_longer_allows_a_story(monkeypatch, change, message):
    table = dict(TRANSITIONS)
    change(table)
    monkeypatch.setattr("dossiers.demo.paths.TRANSITIONS", table)
    with pytest.raises(ValueError, match=message):
        _plan(2026, count=len(MUST_HAVE))


def test_no_product_module_patches_the_clock_or_the_services():
    """The demo calls the services with ``at=`` and ``notify=False``: nothing outside the tests imports a mocking
    library or a clock freezer."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0].startswith(".") or "tests" in relative.parts or path.name == "conftest.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
            if any(name.startswith(("unittest.mock", "time_machine", "freezegun")) for name in names):
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


# --- The living demo, through the real services ----------------------------------------------------------


@pytest.fixture
def catalogue(communes_loaded):
    from procedures.services import catalogue_file, catalogue_load

    catalogue_load(path=catalogue_file())


def _rows() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Dossier, AuditEvent, ControlSlipRow, Pause, Document, ReceivedComponent, User, Membership)
    }


def _seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--count=60", "--seed=11", f"--anchor={ANCHOR}", "--no-progress", *extra, stdout=out)
    return out.getvalue()


def test_the_demo_has_every_state_pauses_late_and_early_ratings_documents_and_is_idempotent(
    catalogue, private_dir, django_capture_on_commit_callbacks, monkeypatch
):
    planned, _routes = plan_for(seed=11, count=60, anchor_day=ANCHOR)
    told = []
    monkeypatch.setattr(core, "notify_step", lambda dossier, action, event, actor: told.append(action))
    with django_capture_on_commit_callbacks() as callbacks:
        result = demo_seed(seed=11, count=60, anchor_day=ANCHOR)
    assert told == [] and callbacks == []  # the applicants are fictitious: nobody is told

    dossiers = list(Dossier.objects.all())
    assert len(dossiers) == 60 and len(result.dossier_ids) == 60
    # the database holds exactly the planned dossiers: every step, by its actor, at its moment
    by_id = {d.pk: d for d in dossiers}
    for plan in planned:
        dossier = by_id[result.dossier_ids[plan.number]]
        events = list(dossier.events.order_by("at", "id").values_list("action", "actor__username", "at"))
        assert events == [(s.action.value, s.actor, s.at) for s in plan.steps], plan.number
        assert (dossier.state, dossier.received_at, dossier.due_at) == (plan.state.value, plan.received_at, plan.due_at)
        if plan.scenario.timeliness and plan.state in (State.RESULT_READY, State.RETURNED):
            assert dossier.timeliness == plan.scenario.timeliness, plan.number
    assert {d.state for d in dossiers} == {s.value for s in State}
    assert {d.channel for d in dossiers} == {"online", "direct", "post"}
    assert {d.timeliness for d in dossiers} >= {"early", "on_time", "late"}
    assert any(d.supplement_count >= 2 and d.timeliness == "late" for d in dossiers)
    assert any(d.extension_count == 1 for d in dossiers)
    assert any(d.rating for d in dossiers) and any(d.paid_at for d in dossiers)
    assert Pause.objects.filter(ended_at__isnull=True).count() == sum(
        d.state == State.SUPPLEMENT_REQUESTED for d in dossiers
    )
    assert Pause.objects.filter(ended_at__isnull=False).exists()
    # the codes are the services': the reception centre's, of the local day, gap-free in reception order
    numbers = defaultdict(list)
    for dossier in dossiers:
        assert (dossier.code is None) == (dossier.received_at is None), dossier.pk
        if dossier.code:
            agency, day, number = dossier.code.rsplit("-", 2)
            assert agency == dossier.reception_centre.agency_code
            assert day == f"{CALENDAR.localize(dossier.received_at):%y%m%d}"
            numbers[(agency, day)].append((dossier.received_at, int(number)))
    for issued in numbers.values():
        assert [n for _, n in sorted(issued)] == list(range(1, len(issued) + 1))
    # nothing carries the day of the run: uploads are dated like the step they belong to
    anchor = datetime.combine(ANCHOR, time(0, 0), tzinfo=CALENDAR.tz)
    assert Document.objects.filter(uploaded_at__gte=anchor).count() == 0
    assert AuditEvent.objects.filter(at__gte=anchor).count() == 0
    # what is stored is what the history says (the services computed it)
    calendar = working_calendar()
    for dossier in dossiers:
        events = [(e.action, e.at) for e in dossier.events.order_by("at", "id")]
        version = dossier.procedure_version
        replayed = deadlines.replay(calendar, events, time_value=version.time_value, time_unit=version.time_unit)
        assert (replayed.due_at, replayed.timeliness) == (dossier.due_at, dossier.timeliness), dossier.code
        assert dossier.status_code == NATIONAL_STATUS[State(dossier.state)]
    # documents: scans of online filings and supplements, digitised results, paper received at the counter
    assert Document.objects.filter(kind=DocumentKind.COMPONENT).exists()
    assert Document.objects.filter(kind=DocumentKind.RESULT).exists()
    assert ReceivedComponent.objects.exists()
    stored = [p for p in private_dir.rglob("*") if p.is_file()]
    assert len(stored) == Document.objects.count()
    assert all(p.read_bytes().startswith(b"%PDF-") for p in stored)

    before = _rows()
    again = _seed()
    assert "already there" in again
    for name in usernames():
        assert name in again
    assert PASSWORD in again
    assert _rows() == before
    assert ReferenceDataLoad.objects.get(name="demo").source_version == "seed=11;n=60"


def test_the_demo_accounts_hold_the_roles_of_the_brief(catalogue, private_dir):
    from dossiers.demo.people import demo_accounts_ensure

    users = demo_accounts_ensure()
    assert demo_accounts_ensure().keys() == users.keys()  # a second call creates nothing
    assert Membership.objects.filter(user__username__startswith="demo-").count() == len(STAFF)
    held = defaultdict(set)
    demo_roles = Membership.objects.filter(user__username__startswith="demo-")
    for role, centre, unit in demo_roles.values_list("role", "centre__key", "processing_unit__key"):
        held[centre or unit or "province"].add(role)
    regions = dict(ServiceCentre.objects.filter(kind="commune").values_list("key", "former_province"))
    reception_regions = {regions[key] for key, roles in held.items() if key in regions and "reception" in roles}
    assert reception_regions == {"phu_tho", "hoa_binh", "vinh_phuc"}
    assert "reception" in held["branch-viet-tri"]
    for unit in ("so-tu-phap", "so-xay-dung", "ubnd-07900", "ubnd-05212", "ubnd-08911"):
        assert held[unit] == {StaffRole.HANDLER, StaffRole.LEADER}, unit
    assert held["province"] == {StaffRole.PROVINCE, StaffRole.ADMIN}
    assert users["demo-admin"].is_superuser and users["demo-admin"].is_staff
    assert users["demo-admin"].check_password(PASSWORD)
    for citizen in CITIZENS:
        user = users[citizen.username]
        assert services.clean_id_number(user.id_number) == citizen.id_number
        assert services.clean_phone(user.phone) == citizen.phone
        assert user.check_password(PASSWORD)
        # a profile to file from: the address and the commune whose centre the filing form preselects
        assert user.address == citizen.address and user.commune.code == citizen.commune_code


def test_the_readme_lists_the_demo_log_ins():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    for name in usernames():
        assert f"`{name}`" in readme or name in readme, name
    assert PASSWORD in readme


# --- Bulk mode ---------------------------------------------------------------------------------------------


def _check_bulk(result, count: int) -> None:
    dossiers = list(Dossier.objects.filter(pk__gte=result.first_id).select_related("procedure_version"))
    assert len(dossiers) == count
    codes = [d.code for d in dossiers if d.code]
    assert len(codes) == len(set(codes))
    numbers = defaultdict(list)
    for d in dossiers:
        if d.code:
            numbers[(d.reception_centre_id, d.received_at.astimezone(CALENDAR.tz).date())].append(
                (d.received_at, d.pk, int(d.code.rsplit("-", 1)[1]))
            )
        assert d.status_code == NATIONAL_STATUS[State(d.state)]
        assert (d.code is None) == (d.state in (State.FILED, State.REFUSED))
        assert (d.finished_at is not None) == (State(d.state) in FINISHED_STATES), d.pk
        assert bool(d.timeliness) == (d.state in (State.STOPPED, State.RESULT_READY, State.RETURNED))
    sequences = {(s.centre_id, s.day): s.last for s in DailySequence.objects.all()}
    for key, items in numbers.items():
        items.sort()
        assert [n for *_, n in items] == list(range(1, len(items) + 1)), key  # gap-free, in reception order
        assert sequences[key] == len(items)
    calendar = working_calendar()
    checked, resumed, moved = 0, 0, 0
    for d in dossiers:
        version = d.procedure_version
        if d.received_at:
            appointment = deadlines.appointment(
                calendar, d.received_at, time_value=version.time_value, time_unit=version.time_unit
            )
            if d.supplement_count == 0:
                assert d.due_at == appointment, d.pk
                checked += 1
            elif d.paused_at is None:  # a supplement came back: the clock restarted with the time that was left
                assert d.due_at >= appointment, d.pk
                resumed, moved = resumed + 1, moved + (d.due_at > appointment)
        if d.timeliness:
            assert d.timeliness == deadlines.classify(calendar, d.finished_at, d.due_at, d.supplement_count), d.pk
        # processing time: for every dossier received and finished, within the working time between the two
        # (supplement pauses taken out); the moment the last supplement arrived, for one that got it back
        assert (d.processing_seconds is not None) == (d.finished_at is not None and d.received_at is not None), d.pk
        if d.processing_seconds is not None:
            span = int(calendar.working_time_between(d.received_at, d.finished_at).total_seconds())
            assert 0 <= d.processing_seconds <= span, d.pk
            assert d.processing_seconds == span or d.supplement_count > 0, d.pk
        if d.supplemented_at is not None:
            assert d.supplement_count > 0 and d.received_at < d.supplemented_at, d.pk
        elif d.supplement_count and d.state != State.SUPPLEMENT_REQUESTED:
            raise AssertionError(f"{d.pk}: a supplement came back but supplemented_at is empty")
    assert checked > count // 2
    assert resumed > 20 and moved > resumed * 0.8  # only a dossier already overdue when paused keeps its date
    events = Counter(AuditEvent.objects.filter(dossier__in=dossiers).values_list("dossier_id", flat=True))
    assert len(events) == count and set(events.values()) == {1}
    state_of = {d.pk: d.state for d in dossiers}
    for dossier_id, to_state in AuditEvent.objects.filter(dossier__in=dossiers).values_list("dossier_id", "to_state"):
        assert to_state == state_of[dossier_id]
    paused = {d.pk for d in dossiers if d.state == State.SUPPLEMENT_REQUESTED}
    open_pauses = Pause.objects.filter(dossier__in=dossiers, ended_at__isnull=True)
    assert set(open_pauses.values_list("dossier_id", flat=True)) == paused
    by_id = {d.pk: d for d in dossiers}
    for pause in open_pauses:  # the working time left when the clock stopped, as the calendar counts it
        dossier = by_id[pause.dossier_id]
        left = deadlines.remaining_at_pause(calendar, pause.started_at, dossier.due_at)
        assert pause.remaining_seconds == dossier.remaining_seconds == left.total_seconds(), dossier.pk
    states = Counter(d.state for d in dossiers)
    assert states[State.RETURNED] > count / 2 and len(states) >= 8
    assert len({d.reception_centre_id for d in dossiers}) > 100


def test_bulk_mode_writes_consistent_dossiers_and_is_idempotent(catalogue):
    result = demo_bulk(count=2000, seed=5, anchor_day=ANCHOR, days=200)
    assert not result.skipped and result.events == 2000
    _check_bulk(result, 2000)
    out = StringIO()  # the command, run again with the same seed and count, finds its marker
    call_command("seed_demo", "--dossiers=2000", "--seed=5", f"--anchor={ANCHOR}", "--days=200", stdout=out)
    assert "already there" in out.getvalue()
    assert Dossier.objects.count() == 2000


def _schema(tables: list[str]) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname", [tables])
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            [tables],
        )
        return indexes + cursor.fetchall()


@pytest.mark.postgres
def test_bulk_mode_on_postgres_copies_and_rebuilds_the_indexes_in_its_transaction(catalogue):
    tables = [Dossier._meta.db_table, AuditEvent._meta.db_table]
    schema = _schema(tables)
    result = demo_bulk(count=2000, seed=6, anchor_day=ANCHOR, days=200, rebuild_indexes=True)
    assert result.rebuilt_indexes > 30
    assert _schema(tables) == schema  # the same indexes and constraints, rebuilt
    _check_bulk(result, 2000)
