"""The dashboard's aggregates equal a recomputation from the dossiers, after any sequence of filings, receptions,
steps and uploads, refreshed incrementally at any point (issue 13, point 7: a property test, hypothesis).

Each example plays a random sequence through the real services on a moving clock (weeks apart, so that days and
months change), refreshes when the sequence says so, and at the end compares every daily and monthly row with what
``daily_rows`` recomputes from all the dossiers — and a few measures with a count in plain Python.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossiers import services
from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import APPLICANT, file_online, receive_at_counter, tiny_pdf
from dossiers.tests.states import action_kwargs
from dossiers.workflow import FINISHED_STATES, Action, State
from stats.models import (
    MEASURES,
    DailyCounts,
    DailyProcedureSets,
    DayTotals,
    FieldDay,
    FieldMonth,
    MonthlyCounts,
    MonthlyProcedureSets,
    UnitDay,
    UnitMonth,
)
from stats.services import daily_rows, from_bitmap, stats_rebuild, stats_refresh

pytestmark = pytest.mark.django_db

world = dossier_fixtures.world
private_dir = dossier_fixtures.private_dir
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime.datetime(2026, 1, 5, 8, 0, tzinfo=TZ)  # a Monday

#: What may happen next to a dossier in each state (the actor is the one who normally acts).
NEXT: dict[str, list[Action]] = {
    State.FILED: [Action.RECEIVE, Action.RECEIVE, Action.REFUSE],
    State.RECEIVED: [Action.TRANSFER],
    State.TRANSFERRED: [Action.ASSIGN],
    State.PROCESSING: [
        Action.DECIDE,
        Action.DECIDE,
        Action.REQUEST_SUPPLEMENT,
        Action.REQUEST_PAYMENT,
        Action.STOP,
        Action.WITHDRAW,
        Action.EXTEND,
    ],
    State.SUPPLEMENT_REQUESTED: [Action.SUPPLEMENT, Action.SUPPLEMENT, Action.STOP],
    State.PAYMENT_REQUESTED: [Action.CONFIRM_PAYMENT],
    State.WITHDRAWAL_REQUESTED: [Action.CONFIRM_WITHDRAWAL],
    State.RESULT_READY: [Action.RETURN],
    State.RETURNED: [Action.RATE],
}

operations = st.lists(
    st.one_of(
        st.tuples(st.just("file"), st.booleans(), st.integers(0, 1)),  # online or at the counter; which centre
        st.tuples(st.just("step"), st.integers(0, 50), st.integers(0, 10)),  # which dossier; which next action
        st.tuples(st.just("upload"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("refresh"), st.just(0), st.just(0)),
        st.tuples(st.just("later"), st.integers(1, 60 * 24 * 20), st.just(0)),  # minutes: days and months pass
    ),
    min_size=1,
    max_size=25,
)


def actor_for(world, action: Action, dossier: Dossier):
    centre_staff = world.reception if dossier.reception_centre_id == world.centre.pk else world.other_reception
    unit_staff = (
        (world.handler, world.leader)
        if dossier.processing_unit_id == world.unit.pk
        else (
            world.other_handler,
            world.other_leader,
        )
    )
    handler, leader = unit_staff
    return {
        Action.RECEIVE: centre_staff,
        Action.REFUSE: centre_staff,
        Action.TRANSFER: centre_staff,
        Action.ASSIGN: leader,
        Action.REQUEST_SUPPLEMENT: handler,
        Action.SUPPLEMENT: world.citizen,
        Action.REQUEST_PAYMENT: handler,
        Action.CONFIRM_PAYMENT: centre_staff,
        Action.WITHDRAW: world.citizen,
        Action.CONFIRM_WITHDRAWAL: centre_staff,
        Action.STOP: leader,
        Action.DECIDE: leader,
        Action.RETURN: centre_staff,
        Action.EXTEND: handler,
        Action.RATE: world.citizen,
    }[action], handler


def play(world, steps, clock: list[datetime.datetime], made: list[int]) -> None:
    for kind, a, b in steps:
        clock[0] += datetime.timedelta(minutes=7)
        now = clock[0]
        if kind == "later":
            clock[0] += datetime.timedelta(minutes=a)
        elif kind == "refresh":
            stats_refresh()
        elif kind == "file":
            centre = (world.centre, world.other_centre)[b]
            if a:
                dossier = file_online(world.citizen, centre, at=now)
            else:
                officer = (world.reception, world.other_reception)[b]
                applicant = {**APPLICANT, "id_number": world.citizen.id_number}
                dossier = receive_at_counter(
                    actor=officer,
                    procedure_code="1.001193",
                    applicant=applicant,
                    reception_centre_id=centre.pk,
                    at=now,
                )
            made.append(dossier.pk)
        elif made:
            dossier = Dossier.objects.get(pk=made[a % len(made)])
            if kind == "upload":
                if dossier.state in (State.FILED, State.SUPPLEMENT_REQUESTED):
                    services.document_upload(
                        dossier_id=dossier.pk, actor=world.citizen, file=tiny_pdf(), expected_version=None, at=now
                    )
                continue
            choices = NEXT.get(State(dossier.state), [])
            if not choices:
                continue
            action = choices[b % len(choices)]
            if (action == Action.EXTEND and dossier.extension_count) or (action == Action.RATE and dossier.rated_at):
                continue
            actor, handler = actor_for(world, action, dossier)
            kwargs = action_kwargs(action, handler_id=handler.pk)
            if action == Action.EXTEND:
                kwargs["new_due_at"] = (dossier.due_at or now) + datetime.timedelta(days=30)
            services.SERVICES[action](
                dossier_id=dossier.pk, actor=actor, expected_version=dossier.version, at=now, **kwargs
            )


def key_of(row, period: str) -> tuple:
    return (getattr(row, period), row.processing_unit_id, row.field_id, row.level, row.area)


def measures_of(row) -> tuple:
    return tuple(getattr(row, name) for name in MEASURES)


def assert_aggregates_equal_a_recomputation() -> None:
    expected_daily = {key_of(row, "day"): measures_of(row) for row in daily_rows(Dossier.objects.all())}
    stored_daily = {key_of(row, "day"): measures_of(row) for row in DailyCounts.objects.all()}
    assert stored_daily == expected_daily
    expected_monthly: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for (day, *rest), values in expected_daily.items():
        totals = expected_monthly[(day.replace(day=1), *rest)]
        for i, value in enumerate(values):
            totals[i] += value
    stored_monthly = {key_of(row, "month"): list(measures_of(row)) for row in MonthlyCounts.objects.all()}
    assert stored_monthly == dict(expected_monthly)
    expected_totals: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for (day, _unit, _field, level, area), values in expected_daily.items():
        totals = expected_totals[(day, level, area)]
        for i, value in enumerate(values):
            totals[i] += value
    stored_totals = {(row.day, row.level, row.area): list(measures_of(row)) for row in DayTotals.objects.all()}
    assert stored_totals == dict(expected_totals)
    # the per-unit and per-field sums, by day and by month
    for daily_model, monthly_model, position, column in (
        (UnitDay, UnitMonth, 1, "processing_unit_id"),
        (FieldDay, FieldMonth, 2, "field_id"),
    ):
        expected_days: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
        expected_months: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
        for key, values in expected_daily.items():
            day, part = key[0], key[position]
            for target in (expected_days[(day, part)], expected_months[(day.replace(day=1), part)]):
                for i, value in enumerate(values):
                    target[i] += value
        stored = {(row.day, getattr(row, column)): list(measures_of(row)) for row in daily_model.objects.all()}
        assert stored == dict(expected_days), daily_model.__name__
        stored = {(row.month, getattr(row, column)): list(measures_of(row)) for row in monthly_model.objects.all()}
        assert stored == dict(expected_months), monthly_model.__name__
    # and the definitions themselves, against a count in Python
    received = [d for d in Dossier.objects.all() if d.received_at is not None]
    totals = Counter()
    for row in DailyCounts.objects.all():
        for name in ("received", "finished", "early", "on_time", "late", "in_progress", "processing_total"):
            totals[name] += getattr(row, name)
    assert totals["received"] == len(received)
    assert totals["finished"] == sum(d.state in FINISHED_STATES for d in received)
    assert totals["in_progress"] == len(received) - totals["finished"]
    for name in ("early", "on_time", "late"):
        assert totals[name] == sum(d.timeliness == name for d in received)
    assert totals["processing_total"] == sum(d.processing_seconds or 0 for d in received)
    refused = sum(row.refused for row in DailyCounts.objects.all())
    assert refused == Dossier.objects.filter(state=State.REFUSED).count()
    # the procedure sets (Decision 766, 3.5a/3.5b), against sets built in Python
    tz = timezone.get_current_timezone()
    expected_sets: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for d in received:
        sets = expected_sets[(d.received_at.astimezone(tz).date(), d.processing_unit_id)]
        if d.fee_vnd:
            sets[0].add(d.procedure_id)
        if d.paid_online:
            sets[1].add(d.procedure_id)
    expected_sets = {key: value for key, value in expected_sets.items() if value[0] or value[1]}
    stored_sets = {
        (row.day, row.processing_unit_id): (members(row.with_fee), members(row.paid_online))
        for row in DailyProcedureSets.objects.all()
    }
    assert stored_sets == expected_sets
    expected_monthly_sets: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for (day, unit), (fee, paid) in expected_sets.items():
        expected_monthly_sets[(day.replace(day=1), unit)][0].update(fee)
        expected_monthly_sets[(day.replace(day=1), unit)][1].update(paid)
    stored_monthly_sets = {
        (row.month, row.processing_unit_id): (members(row.with_fee), members(row.paid_online))
        for row in MonthlyProcedureSets.objects.all()
    }
    assert stored_monthly_sets == dict(expected_monthly_sets)


def members(bitmap) -> set[int]:
    number = from_bitmap(bitmap)
    return {i for i in range(number.bit_length()) if number >> i & 1}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_the_refreshed_aggregates_equal_a_recomputation(world, private_dir, steps):
    clock = [START + datetime.timedelta(days=len(steps))]
    made: list[int] = list(Dossier.objects.values_list("pk", flat=True))
    play(world, steps, clock, made)
    stats_refresh()
    assert_aggregates_equal_a_recomputation()
    # a second refresh with nothing new changes nothing
    before = sorted(measures_of(row) for row in DailyCounts.objects.all())
    stats_refresh()
    assert sorted(measures_of(row) for row in DailyCounts.objects.all()) == before


def test_a_rebuild_from_scratch_gives_the_same_rows(world, private_dir):
    clock = [START]
    made: list[int] = []
    steps = [("file", True, 0), ("file", False, 1), ("step", 0, 0), ("step", 0, 0), ("step", 0, 0)]
    steps += [("step", 0, 0), ("later", 60 * 24 * 40, 0), ("file", False, 0), ("step", 1, 0), ("upload", 2, 0)]
    play(world, steps, clock, made)
    stats_refresh()
    refreshed = sorted((key_of(row, "day"), measures_of(row)) for row in DailyCounts.objects.all())
    result = stats_rebuild()
    assert result["rows"] == len(refreshed) >= 2
    assert sorted((key_of(row, "day"), measures_of(row)) for row in DailyCounts.objects.all()) == refreshed
    assert_aggregates_equal_a_recomputation()


def test_an_upload_recorded_at_an_earlier_moment_is_still_seen(world, private_dir, settings):
    """The refresh finds the dossiers changed since its last run by their wall-clock ``updated_at``, whatever moment a
    step is recorded at (the demo records the past)."""
    settings.STATS_REFRESH_MARGIN_SECONDS = 0  # only what changed after the last refresh is read again
    applicant = {**APPLICANT, "id_number": world.citizen.id_number}
    dossier = receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant=applicant,
        reception_centre_id=world.centre.pk,
        at=START,
    )
    stats_refresh()
    assert DailyCounts.objects.get().digitised == 0  # received on paper
    services.document_upload(
        dossier_id=dossier.pk, actor=world.reception, file=tiny_pdf(), at=START + datetime.timedelta(minutes=5)
    )
    stats_refresh()
    assert DailyCounts.objects.get().digitised == 1
    assert_aggregates_equal_a_recomputation()
