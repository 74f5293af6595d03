"""Every state × every action × every role, through the real services.

For each state (and the two one-off rules: extend at most once, rate once) one dossier is driven there by the real
services; then every action is tried by every person, each attempt inside a savepoint that is rolled back. Allowed
attempts must reach the table's target state, bump the version and write exactly one audit event, one control-slip
row, and one after-commit side effect when the applicant is to be told (none otherwise); refused ones must raise the
right error (404 out of scope, 403 no role, 409 wrong state) and leave every row as it was.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL
from django.test import TestCase

from communes.models import ServiceCentre
from dossiers import services
from dossiers.models import AuditEvent, ControlSlipRow, DailySequence, Dossier, IdempotencyKey, Pause
from dossiers.services import Forbidden, InvalidTransition, StaleVersion
from dossiers.services.notices import CITIZEN_NOTICES
from dossiers.tests.factories import APPLICANT, UserFactory, receive_at_counter, required_documents, staff
from dossiers.tests.states import SETUPS, action_kwargs, walk
from dossiers.workflow import NATIONAL_STATUS, TRANSITIONS, Action, Role, State, can, target_state
from portal.accounts.models import StaffRole
from portal.common.errors import DomainError, OutOfScope

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9AM = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

#: The actions that have a service (FILE and RECEIVE_AT_COUNTER create dossiers: tested separately below).
SERVICE_ACTIONS = [action for action in Action if action not in (Action.FILE, Action.RECEIVE_AT_COUNTER)]


@dataclass(frozen=True)
class Person:
    name: str
    user: Any
    role: Role | None  # the one workflow role held on the dossier; None: may look but not act, or not even look
    sees: bool = True
    only_until_assigned: bool = False  # a handler of the unit holds the role until someone else is assigned

    def roles_on(self, dossier: Dossier) -> frozenset[Role]:
        if self.role is None or (self.only_until_assigned and dossier.handler_id not in (None, self.user.pk)):
            return frozenset()
        return frozenset({self.role})


@dataclass
class Cast:
    world: Any
    beneficiary: Any  # the applicant named by ID number, who did not file
    return_centre: ServiceCentre
    return_reception: Any
    colleague: Any  # another handler of the unit, never assigned
    people: list[Person]


@pytest.fixture
def frozen():
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


@pytest.fixture
def cast(world, frozen) -> Cast:
    return_centre = ServiceCentre.objects.get(key="branch-viet-tri")
    beneficiary = UserFactory(username="beneficiary", full_name="Trần Văn Bình")
    return_reception = staff(StaffRole.RECEPTION, centre=return_centre, username="return-reception")
    colleague = staff(StaffRole.HANDLER, unit=world.unit, username="colleague")
    w = world
    people = [
        Person("filer", w.citizen, Role.APPLICANT),
        Person("applicant-by-id", beneficiary, Role.APPLICANT),
        Person("reception", w.reception, Role.RECEPTION),
        Person("return-reception", return_reception, Role.RETURN_DESK),
        Person("handler", w.handler, Role.HANDLER),
        Person("colleague", colleague, Role.HANDLER, only_until_assigned=True),
        Person("leader", w.leader, Role.LEADER),
        Person("province", w.province, Role.PROVINCE),
        Person("admin", w.admin, Role.ADMIN),
        Person("other-citizen", w.other_citizen, None, sees=False),
        Person("other-reception", w.other_reception, None, sees=False),
        Person("other-handler", w.other_handler, None, sees=False),
        Person("other-leader", w.other_leader, None, sees=False),
    ]
    return Cast(w, beneficiary, return_centre, return_reception, colleague, people)


def new_dossier(cast: Cast) -> Dossier:
    """Filed online by the citizen for the beneficiary, received at the commune, returned at the Việt Trì branch."""
    return services.dossier_file(
        actor=cast.world.citizen,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": cast.beneficiary.id_number},
        reception_centre_id=cast.world.centre.pk,
        return_centre_id=cast.return_centre.pk,
        documents=required_documents(),
    )


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


#: Totals of the tables an action may write, as subqueries (portable: PostgreSQL and SQLite).
_TOTALS = {
    "n_dossiers": (Dossier, "COUNT(*)"),
    "n_events": (AuditEvent, "COUNT(*)"),
    "last_event": (AuditEvent, "MAX(id)"),
    "n_slip": (ControlSlipRow, "COUNT(*)"),
    "last_slip": (ControlSlipRow, "MAX(id)"),
    "n_pauses": (Pause, "COUNT(*)"),
    "last_pause": (Pause, "MAX(id)"),
    "n_pauses_ended": (Pause, "COUNT(ended_at)"),
    "paused_seconds": (Pause, "SUM(remaining_seconds)"),
    "n_sequences": (DailySequence, "COUNT(*)"),
    "sequence_total": (DailySequence, "SUM(last)"),
    "n_idempotency_keys": (IdempotencyKey, "COUNT(*)"),
}


def snapshot(dossier_id: int) -> dict:
    """Everything an action may write, in one statement: the dossier's row and the totals around it."""
    totals = {
        name: RawSQL(f"SELECT {column} FROM {_table(model)}", [])  # noqa: S608, S611 (our tables, no input)
        for name, (model, column) in _TOTALS.items()
    }
    return Dossier.objects.filter(pk=dossier_id).annotate(**totals).values().get()


def expected_error(person: Person, dossier: Dossier, action: Action) -> tuple[type[DomainError], str] | None:
    """What the rules say should happen: ``None`` for success, else (exception class, code)."""
    if not person.sees:
        return OutOfScope, "not_found"
    roles = person.roles_on(dossier)
    if not TRANSITIONS[action].roles & roles:
        return Forbidden, "forbidden"
    if not can(action, dossier.state, roles):
        return InvalidTransition, "invalid_transition"
    if action == Action.EXTEND and dossier.extension_count >= 1:
        return InvalidTransition, "already_extended"
    if action == Action.RATE and dossier.rated_at is not None:
        return InvalidTransition, "already_rated"
    return None


class _Undo(Exception):
    """Raised to roll the attempt's savepoint back."""


def attempt(cast: Cast, dossier: Dossier, before: dict, action: Action, person: Person) -> tuple[bool, list[str]]:
    """Try ``action`` as ``person`` inside a savepoint that is rolled back; return (succeeded, problems).

    ``before`` is the snapshot taken once after the walk: every attempt is rolled back, so it holds for each.
    """
    expected = expected_error(person, dossier, action)
    kwargs = action_kwargs(action, handler_id=cast.world.handler.pk)
    problems: list[str] = []
    succeeded = False
    try:
        with transaction.atomic():
            with TestCase.captureOnCommitCallbacks() as callbacks:
                error: Exception | None = None
                try:
                    services.SERVICES[action](
                        dossier_id=dossier.pk, actor=person.user, expected_version=dossier.version, **kwargs
                    )
                except Exception as exc:  # judged below, whatever it is
                    error = exc
            after = snapshot(dossier.pk)
            if expected is None:
                succeeded = error is None
                problems = judge_success(dossier, action, person, kwargs, before, after, error, len(callbacks))
            else:
                problems = judge_refusal(expected, before, after, error, len(callbacks))
            raise _Undo
    except _Undo:
        pass
    return succeeded, [f"{action.value} by {person.name}: {problem}" for problem in problems]


def judge_success(dossier, action, person, kwargs, before, after, error, callbacks) -> list[str]:
    if error is not None:
        return [f"should succeed, raised {type(error).__name__}({error})"]
    problems = []
    target = target_state(action, dossier.state)
    row = after
    if (row["state"], row["status_code"]) != (target.value, NATIONAL_STATUS[target]):
        problems.append(f"state {row['state']}/{row['status_code']}, expected {target.value}")
    if row["version"] != before["version"] + 1:
        problems.append(f"version {row['version']}, expected {before['version'] + 1}")
    new_events = list(AuditEvent.objects.filter(pk__gt=before["last_event"] or 0))
    new_slip = list(ControlSlipRow.objects.filter(pk__gt=before["last_slip"] or 0))
    counted = (after["n_events"] - before["n_events"], after["n_slip"] - before["n_slip"])
    if len(new_events) != 1 or len(new_slip) != 1 or counted != (1, 1):
        problems.append(f"{len(new_events)} audit events and {len(new_slip)} control-slip rows, expected 1 and 1")
    else:
        event = new_events[0]
        got = (event.dossier_id, event.action, event.actor_id, event.actor_role, event.from_state, event.to_state)
        want = (dossier.pk, action.value, person.user.pk, person.role.value, dossier.state, target.value)
        if got != want:
            problems.append(f"audit event {got}, expected {want}")
        if event.at != MONDAY_9AM:
            problems.append(f"audit event at {event.at}")
        reason = kwargs.get("reason", "")
        if TRANSITIONS[action].requires_reason and event.reason != reason:
            problems.append(f"audit reason {event.reason!r}, expected {reason!r}")
        slip = new_slip[0]
        if (slip.dossier_id, slip.step, slip.actor_id) != (dossier.pk, action.value, person.user.pk):
            problems.append(f"control slip {(slip.dossier_id, slip.step, slip.actor_id)}")
    if after["n_dossiers"] != before["n_dossiers"]:
        problems.append("the number of dossiers changed")
    # the applicant (who gave an e-mail address) is told of the actions in CITIZEN_NOTICES: their e-mail is queued
    # once, after commit; nothing is queued for the others
    expected_callbacks = 1 if action in CITIZEN_NOTICES and dossier.applicant_email else 0
    if callbacks != expected_callbacks:
        problems.append(f"{callbacks} after-commit callbacks, expected {expected_callbacks}")
    return problems


def judge_refusal(expected, before, after, error, callbacks) -> list[str]:
    klass, code = expected
    problems = []
    if type(error) is not klass or getattr(error, "code", None) != code:
        problems.append(f"expected {klass.__name__}({code}), got {type(error).__name__}({error!r})")
    elif error.status_code != {OutOfScope: 404, Forbidden: 403, InvalidTransition: 409}[klass]:
        problems.append(f"status {error.status_code}")
    if after != before:
        changed = sorted(key for key in before if before[key] != after[key])
        problems.append(f"wrote something: {changed}")
    if callbacks:
        problems.append(f"{callbacks} after-commit callbacks scheduled")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("setup", list(SETUPS))
def test_every_action_by_every_person(cast, setup):
    state, path = SETUPS[setup]
    dossier = walk(cast.world, new_dossier(cast), path)
    assert dossier.state == state.value
    assert dossier.version == len(path) + 1
    assert AuditEvent.objects.filter(dossier=dossier).count() == len(path) + 1
    if Action.ASSIGN in path:
        assert dossier.handler_id == cast.world.handler.pk
    before = snapshot(dossier.pk)
    problems: list[str] = []
    successes = expected_successes = 0
    for action in SERVICE_ACTIONS:
        for person in cast.people:
            ok, found = attempt(cast, dossier, before, action, person)
            successes += ok
            expected_successes += expected_error(person, dossier, action) is None
            problems += found
    assert not problems, f"{setup}: {len(problems)} problems\n" + "\n".join(problems)
    assert successes == expected_successes
    assert snapshot(dossier.pk) == before  # every attempt was rolled back


def test_the_matrix_reaches_every_action_and_every_refusal():
    """The expectations above are not vacuous: each action succeeds somewhere, and all three refusals occur."""

    class Stub:
        handler_id = None
        extension_count = 0
        rated_at = None

    people = [
        Person("applicant", None, Role.APPLICANT),
        Person("reception", None, Role.RECEPTION),
        Person("return-desk", None, Role.RETURN_DESK),
        Person("handler", None, Role.HANDLER),
        Person("leader", None, Role.LEADER),
        Person("province", None, Role.PROVINCE),
        Person("stranger", None, None, sees=False),
    ]
    outcomes: dict[Action, set] = {action: set() for action in SERVICE_ACTIONS}
    for state, _path in SETUPS.values():
        stub = Stub()
        stub.state = state.value
        for action in SERVICE_ACTIONS:
            for person in people:
                error = expected_error(person, stub, action)
                outcomes[action].add(error[0] if error else None)
    for action, seen in outcomes.items():
        assert seen == {None, OutOfScope, Forbidden, InvalidTransition}, (action, seen)
    assert {state for state, _path in SETUPS.values()} == set(State)


# --- Creating a dossier ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_creating_filing_needs_a_login_and_counter_reception_that_centres_reception(
    cast, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import AnonymousUser

    def totals():
        return Dossier.objects.count(), AuditEvent.objects.count(), ControlSlipRow.objects.count()

    applicant = {**APPLICANT, "id_number": cast.beneficiary.id_number}
    before = totals()
    for nobody in (AnonymousUser(), None):
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Forbidden):
            services.dossier_file(
                actor=nobody, procedure_code="1.001193", applicant=applicant, reception_centre_id=cast.world.centre.pk
            )
        assert totals() == before and callbacks == []

    dossier = new_dossier(cast)
    event = dossier.events.get()
    assert (event.action, event.from_state, event.to_state, event.actor_id, event.actor_role) == (
        "file",
        "",
        "filed",
        cast.world.citizen.pk,
        "applicant",
    )
    assert dossier.control_slip.count() == 1 and dossier.version == 1

    for person in cast.people:
        before = totals()
        with django_capture_on_commit_callbacks() as callbacks:
            try:
                received = receive_at_counter(
                    actor=person.user,
                    procedure_code="1.001193",
                    applicant=applicant,
                    reception_centre_id=cast.world.centre.pk,
                )
            except Forbidden:
                received = None
        if person.name == "reception":
            assert received is not None and totals() == tuple(n + 1 for n in before)
            assert received.state == "received" and received.code and received.version == 1
            event = received.events.get()
            assert (event.action, event.from_state, event.to_state, event.actor_role) == (
                "receive_at_counter",
                "",
                "received",
                "reception",
            )
            assert len(callbacks) == 1
        else:  # the return centre's officer, the province and the administrator included
            assert received is None, person.name
            assert totals() == before and callbacks == [], person.name


# --- Checks in order: scope, version, role, state ----------------------------------------------------------


@pytest.mark.django_db
def test_scope_comes_before_version_and_a_missing_dossier_is_out_of_scope_for_everyone(cast):
    dossier = walk(cast.world, new_dossier(cast), SETUPS["received"][1])
    before = snapshot(dossier.pk)
    for person in cast.people:
        expected = StaleVersion if person.sees else OutOfScope
        with pytest.raises(expected) as caught:
            services.dossier_transfer(dossier_id=dossier.pk, actor=person.user, expected_version=dossier.version - 1)
        if person.sees:  # the province too: it may read the version anyway
            assert caught.value.code == "stale_version" and caught.value.status_code == 409
            assert caught.value.extra == {"version": dossier.version}
        else:
            assert caught.value.code == "not_found" and caught.value.extra == {}  # nothing about the dossier leaks
    assert snapshot(dossier.pk) == before

    missing = dossier.pk + 1000
    for person in cast.people:
        for action in SERVICE_ACTIONS:
            with pytest.raises(OutOfScope):
                services.SERVICES[action](
                    dossier_id=missing, actor=person.user, **action_kwargs(action, handler_id=cast.world.handler.pk)
                )
    assert snapshot(dossier.pk) == before


# --- The audit trail is append-only -----------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_events_refuse_save_and_delete_through_the_model(cast):
    dossier = new_dossier(cast)
    event = dossier.events.get()
    event.reason = "sửa lịch sử"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.save(update_fields=["reason"])
    with pytest.raises(PermissionError):
        event.delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.reason == "" and stored.action == "file"
    # appending still works
    AuditEvent.objects.create(dossier=dossier, at=MONDAY_9AM, action="file", to_state="filed")
    assert dossier.events.count() == 2


@pytest.mark.django_db
@pytest.mark.postgres
def test_on_postgres_a_trigger_refuses_update_and_delete_of_audit_events_whatever_the_client(cast):
    dossier = new_dossier(cast)
    event = dossier.events.get()
    table = _table(AuditEvent)
    statements = [
        f"UPDATE {table} SET reason = 'sửa lịch sử' WHERE id = %s",  # noqa: S608 (our table name)
        f"UPDATE {table} SET to_state = 'returned', at = now() WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ]
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    # the ORM's bulk paths are refused by the model's queryset before they reach the database
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(reason="sửa lịch sử")
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.reason, stored.to_state, stored.at) == ("", "filed", event.at)


# --- Side effects run after commit, once ------------------------------------------------------------------


@pytest.mark.django_db
def test_receiving_e_mails_the_applicant_after_commit_and_refused_or_repeated_actions_send_nothing(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    dossier = new_dossier(cast)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Forbidden):
            services.dossier_receive(dossier_id=dossier.pk, actor=cast.world.handler)
    assert callbacks == [] and mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossier = services.dossier_receive(dossier_id=dossier.pk, actor=cast.world.reception)
        assert mailoutbox == []  # nothing is sent before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [APPLICANT["email"]]
    assert mail.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert dossier.code in mail.body

    # repeating an action that already happened is a 409, never a second side effect
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidTransition):
            services.dossier_receive(dossier_id=dossier.pk, actor=cast.world.reception)
    assert callbacks == [] and len(mailoutbox) == 1
    assert dossier.events.count() == 2
