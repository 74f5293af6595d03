"""``/api/stats/…`` (issue 13, points 1, 4 and 6): the figures of a period's cohort equal what the dossiers say (counted
here in Python), by every breakdown, within who may see what, with the same filters on every endpoint."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from dossiers import services
from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import APPLICANT, file_online, receive_at_counter
from dossiers.tests.states import action_kwargs
from dossiers.workflow import Action
from stats.models import Portfolio
from stats.services import stats_refresh

pytestmark = pytest.mark.django_db

world = dossier_fixtures.world
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAY1 = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=TZ)  # Monday 2/3/2026
DAY2 = datetime.datetime(2026, 4, 14, 8, 0, tzinfo=TZ)  # a Tuesday in April


def receive(world, at, *, other=False):
    officer, centre = (world.other_reception, world.other_centre) if other else (world.reception, world.centre)
    return receive_at_counter(
        actor=officer,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=centre.pk,
        at=at,
    )


def walk(world, dossier, actions, at, *, other=False):
    reception = world.other_reception if other else world.reception
    handler = world.other_handler if other else world.handler
    leader = world.other_leader if other else world.leader
    actors = {
        Action.TRANSFER: reception,
        Action.ASSIGN: leader,
        Action.DECIDE: leader,
        Action.RETURN: reception,
        Action.REQUEST_SUPPLEMENT: handler,
        Action.STOP: leader,
        Action.REQUEST_PAYMENT: handler,
        Action.CONFIRM_PAYMENT: reception,
    }
    for number, action in enumerate(actions, start=1):
        dossier = Dossier.objects.get(pk=dossier.pk)
        services.SERVICES[action](
            dossier_id=dossier.pk,
            actor=actors[action],
            expected_version=dossier.version,
            at=at + datetime.timedelta(hours=number),
            **action_kwargs(action, handler_id=handler.pk),
        )
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def cohort(world):
    """March: 3 at Việt Trì (one decided early, one returned, one in progress), 1 at the other commune (stopped);
    April: 1 at Việt Trì, decided."""
    made = {
        "early": walk(world, receive(world, DAY1), [Action.TRANSFER, Action.ASSIGN, Action.DECIDE], DAY1),
        "returned": walk(
            world, receive(world, DAY1), [Action.TRANSFER, Action.ASSIGN, Action.DECIDE, Action.RETURN], DAY1
        ),
        "open": walk(world, receive(world, DAY1), [Action.TRANSFER], DAY1),
        "other": walk(
            world, receive(world, DAY1, other=True), [Action.TRANSFER, Action.ASSIGN, Action.STOP], DAY1, other=True
        ),
        "april": walk(world, receive(world, DAY2), [Action.TRANSFER, Action.ASSIGN, Action.DECIDE], DAY2),
    }
    stats_refresh()
    return made


def get(user, path, **params):
    client = Client()
    client.force_login(user)
    return client.get(f"/api/stats/{path}/", params)


MARCH = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}


def test_the_summary_of_a_period_is_its_cohort(world, cohort):
    answer = get(world.province, "summary", **MARCH)
    assert answer.status_code == 200, answer.content
    totals = answer.json()["totals"]
    march = [d for d in Dossier.objects.all() if d.received_at.astimezone(TZ).month == 3]
    assert totals["received"] == len(march) == 4
    assert totals["direct"] == 4 and totals["online"] == 0
    assert totals["finished"] == sum(d.finished_at is not None for d in march) == 3
    assert totals["in_progress"] == 1 and totals["returned"] == 1 and totals["stopped"] == 1
    classified = [d for d in march if d.timeliness]
    on_time = sum(d.timeliness in ("early", "on_time") for d in classified)
    assert totals["on_time_share"] == round(on_time / len(classified), 4)
    seconds = [d.processing_seconds for d in march if d.processing_seconds is not None]
    assert totals["average_days"] == round(sum(seconds) / len(seconds) / (8 * 3600), 2)
    assert totals["p90_days"] is not None and totals["p90_days"] >= totals["average_days"]
    assert totals["digitised_share"] == 0.0  # received on paper, no scan
    assert answer.json()["period"] == {"from": "2026-03-01", "to": "2026-03-31"} and answer.json()["as_of"]


def test_a_year_reads_whole_months_and_the_days_left(world, cohort):
    spring = get(world.province, "summary", period="custom", **{"from": "2026-02-15", "to": "2026-04-20"})
    assert spring.json()["totals"]["received"] == 5
    april_only = get(world.province, "summary", period="custom", **{"from": "2026-04-14", "to": "2026-04-14"})
    assert april_only.json()["totals"]["received"] == 1


@pytest.mark.parametrize("by", ["unit", "commune", "area", "field", "level"])
def test_every_breakdown_adds_up_to_the_total(world, cohort, by):
    rows = get(world.province, "breakdown", by=by, **MARCH).json()["rows"]
    assert sum(row["received"] for row in rows) == 4
    assert all(row["label"] for row in rows)
    if by in ("unit", "commune"):
        assert len(rows) == 2
        assert rows[0]["on_time_share"] >= (rows[1]["on_time_share"] or 0)  # a league table: best first


def test_a_leader_sees_their_unit_only(world, cohort):
    totals = get(world.leader, "summary", **MARCH).json()["totals"]
    assert totals["received"] == 3
    rows = get(world.other_leader, "breakdown", by="commune", **MARCH).json()["rows"]
    assert [row["key"] for row in rows] == [world.other_unit.commune.code]
    # asking for another unit gives nothing of it
    assert get(world.leader, "summary", unit=world.other_unit.key, **MARCH).json()["totals"]["received"] == 0


@pytest.mark.parametrize("person", ["citizen", "reception", "handler"])
def test_no_dashboard_for_others(world, cohort, person):
    answer = get(getattr(world, person), "summary", **MARCH)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert Client().get("/api/stats/summary/").status_code in (401, 403)


def test_a_portfolio_narrows_the_dashboard(world, cohort):
    portfolio = Portfolio.objects.create(user=world.province)
    portfolio.units.add(world.other_unit)
    assert get(world.province, "summary", **MARCH).json()["totals"]["received"] == 1


def test_filters_and_their_errors(world, cohort):
    assert get(world.province, "summary", commune=world.unit.commune.code, **MARCH).json()["totals"]["received"] == 3
    assert get(world.province, "summary", field="ho-tich", level="commune", **MARCH).json()["totals"]["received"] == 4
    area = world.other_centre.former_province
    assert get(world.province, "summary", area=area, **MARCH).json()["totals"]["received"] >= 1
    for params in (
        {"period": "decade"},
        {"period": "custom", "from": "2026-03-31", "to": "2026-03-01"},
        {"level": "x"},
    ):
        answer = get(world.province, "summary", **params)
        assert answer.status_code == 400 and answer.json()["fields"], params
    assert get(world.province, "breakdown", **MARCH).status_code == 400  # no "by"
    assert get(world.province, "summary", unit="no-such-unit").status_code == 400


@pytest.mark.postgres  # the 500 it guards against is PostgreSQL refusing a NUL
@pytest.mark.parametrize("name", ["unit", "commune", "field"])
@pytest.mark.parametrize("path", ["summary", "weekly", "breakdown", "decision-766", "decision-766/ranking"])
def test_a_filter_with_a_nul_character_is_a_400(world, path, name):
    # found by bench/fuzz.py: PostgreSQL refuses a NUL in a query, and the lookup of the unit was a 500
    by = {"breakdown": {"by": "unit"}, "decision-766/ranking": {"by": "commune"}}.get(path, {})
    answer = get(world.province, path, **by, **{name: "ubnd\x0007900"})
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["fields"]) == [name]


@pytest.mark.parametrize("path", ["summary", "weekly", "breakdown", "decision-766", "decision-766/ranking"])
def test_a_period_in_the_calendars_last_year_is_a_400(world, path):
    # found by fuzzing (bench/fuzz.py): December 9999 has no month after it; counting the months was a 500 (all but
    # weekly, which answered 200): the calendar's last year is refused everywhere
    by = {"breakdown": {"by": "unit"}, "decision-766/ranking": {"by": "commune"}}.get(path, {})
    answer = get(world.province, path, **by, period="custom", **{"from": "9999-12-30", "to": "9999-12-31"})
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["fields"]) == ["from"]


def test_weekly_and_overdue_now(world, cohort):
    weeks = get(world.province, "weekly", **MARCH).json()["weeks"]
    march = [d for d in Dossier.objects.all() if d.received_at.astimezone(TZ).month == 3]
    classified = [d for d in march if d.timeliness]
    share = round(sum(d.timeliness != "late" for d in classified) / len(classified), 4)
    assert weeks == [{"week": "2026-03-02", "received": 4, "finished": 3, "on_time_share": share}]
    # the open one is long past its appointment (received in March): overdue now
    assert get(world.province, "summary", **MARCH).json()["totals"]["overdue_now"] == 1


def test_the_endpoints_read_a_bounded_number_of_queries(world, cohort, django_assert_max_num_queries):
    client = Client()
    client.force_login(world.province)
    client.get("/api/stats/summary/", MARCH)
    with django_assert_max_num_queries(10):
        client.get("/api/stats/summary/", {"period": "custom", "from": "2026-02-15", "to": "2026-04-20"})
    with django_assert_max_num_queries(12):
        client.get("/api/stats/breakdown/", {"by": "commune", **MARCH})


def test_the_schema_documents_the_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for operation in ("stats_summary", "stats_breakdown", "stats_weekly"):
        assert operation in schema


def test_a_refusal_counts_on_its_day_and_is_not_received(world, cohort):
    filed = file_online(world.citizen, world.centre, at=DAY1)
    services.dossier_refuse(
        dossier_id=filed.pk,
        actor=world.reception,
        reason="Không thuộc thẩm quyền",
        at=DAY1 + datetime.timedelta(hours=2),
    )
    stats_refresh()
    totals = get(world.province, "summary", **MARCH).json()["totals"]
    assert (totals["refused"], totals["received"], totals["online"]) == (1, 4, 0)
