"""The daily digest (``dossiers.services.digest.daily_digest``): to each unit leader, their unit's overdue and due-today
dossiers; to the province office, the overdue counts by commune and by department and the ten longest overdue.

The procedure of the ``world`` fixture (1.001193) takes 3 working days = 24 working hours; sessions 07:00–11:30 and
13:30–17:00. The digest is read on Tuesday 10/3/2026 at 07:30. Every due moment is counted by hand in a comment.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.test import Client

from communes.models import Commune, ProcessingUnit
from dossiers import services
from dossiers.services.digest import daily_digest
from dossiers.tests.factories import APPLICANT, procedure_version, receive_at_counter, staff
from notifications.models import Channel, Kind, Notification
from portal.accounts.models import StaffRole

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DIGESTS = (Kind.DIGEST_UNIT, Kind.DIGEST_PROVINCE)
MORNING = datetime.datetime(2026, 3, 10, 7, 30, tzinfo=TZ)  # Tuesday


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def receive(world, moment, *, code="1.001193", commune_code=None):
    return receive_at_counter(
        actor=world.reception,
        procedure_code=code,
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=world.centre.pk,
        commune_code=commune_code,
        at=moment,
        notify=False,
    )


def transferred(world, moment, **kwargs):
    dossier = receive(world, moment, **kwargs)
    return services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception, at=moment, notify=False)


def assigned(world, moment):
    dossier = transferred(world, moment)
    return services.dossier_assign(
        dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk, at=moment, notify=False
    )


def digests(kind=None) -> list[tuple[str, str, str]]:
    rows = Notification.objects.filter(kind__in=[kind] if kind else DIGESTS).select_related("recipient")
    return sorted((n.kind, n.recipient.username, n.channel) for n in rows)


@pytest.fixture
def late_province(world):
    """Overdue dossiers in three places (Phường Việt Trì's committee, a third commune, the Department of Justice),
    one due today, one due tomorrow, one paused and one decided."""
    world.leader.email = "lanhdao@phutho.gov.vn"
    world.leader.save(update_fields=["email"])
    world.province.email = "vanphong@phutho.gov.vn"
    world.province.save(update_fields=["email"])
    staff(StaffRole.LEADER, unit=world.unit, username="pho-chu-tich")  # a second leader, no e-mail
    third = Commune.objects.exclude(pk__in=[world.centre.commune_id, world.other_centre.commune_id]).order_by("code")[0]
    department = ProcessingUnit.objects.get(key="so-tu-phap")
    procedure_version(code="2.000001", name="Thủ tục cấp tỉnh (thử)", level="provincial", processing_unit=department)
    made = {}
    # Received Mon 2/3/2026 07:mm (mm ≥ 1): Mon 8 h − mm, Tue 8, Wed 8, Thu 07:00 + mm → due Thu 5/3 07:mm
    for n, minute in enumerate((10, 20), 1):
        made[f"a{n}"] = assigned(world, at(2026, 3, 2, 7, minute))
    for n, minute in enumerate((5, 15, 25, 35, 45, 55), 1):
        made[f"c{n}"] = transferred(world, at(2026, 3, 2, 7, minute), commune_code=third.code)
    for n, minute in enumerate((2, 12, 22, 32, 42), 1):
        made[f"d{n}"] = transferred(world, at(2026, 3, 2, 7, minute), code="2.000001")
    # Thu 5/3 10:00: Thu 1.5 + 3.5 = 5 h, Fri 8 (13), Mon 8 (21), Tue 07:00 + 3 h → due Tue 10/3 10:00 (today)
    made["today"] = assigned(world, at(2026, 3, 5, 10, 0))
    # Fri 6/3 10:00: Fri 5 h, Mon 8 (13), Tue 8 (21), Wed 07:00 + 3 h → due Wed 11/3 10:00 (tomorrow)
    made["tomorrow"] = assigned(world, at(2026, 3, 6, 10, 0))
    made["paused"] = assigned(world, at(2026, 3, 2, 7, 30))
    services.dossier_request_supplement(
        dossier_id=made["paused"].pk,
        actor=world.handler,
        reason="Thiếu",
        missing_components=["Giấy chứng sinh"],
        at=at(2026, 3, 2, 8, 0),
        notify=False,
    )
    made["decided"] = assigned(world, at(2026, 3, 2, 7, 40))
    services.dossier_decide(
        dossier_id=made["decided"].pk,
        actor=world.leader,
        outcome="approved",
        result_document="Giấy khai sinh",
        at=at(2026, 3, 3, 9, 0),
        notify=False,
    )
    for key in ("a1", "a2", "c1", "d1"):
        assert made[key].due_at == at(2026, 3, 5, 7, int(made[key].received_at.minute)), key
    assert made["today"].due_at == at(2026, 3, 10, 10, 0)
    assert made["tomorrow"].due_at == at(2026, 3, 11, 10, 0)
    assert made["c1"].processing_unit.commune_id == third.pk
    assert made["d1"].processing_unit == department
    made["third_unit"] = made["c1"].processing_unit
    made["department"] = department
    return made


def test_leaders_get_their_units_digest_and_the_province_office_the_provinces(world, late_province):
    made = late_province
    written = daily_digest(now=MORNING)
    assert written == {"digest_unit": 3, "digest_province": 2}
    assert digests() == [
        ("digest_province", "province", Channel.EMAIL),
        ("digest_province", "province", Channel.INAPP),
        ("digest_unit", "leader", Channel.EMAIL),
        ("digest_unit", "leader", Channel.INAPP),
        ("digest_unit", "pho-chu-tich", Channel.INAPP),
    ]
    # the other unit's leader has nothing overdue or due today: no digest at all
    assert not Notification.objects.filter(recipient=world.other_leader).exists()

    unit = Notification.objects.filter(kind=Kind.DIGEST_UNIT, recipient=world.leader).first().context
    assert (unit["unit"], unit["overdue_count"], unit["due_today_count"], unit["more"]) == (world.unit.name, 2, 1, 0)
    assert [item["code"] for item in unit["items"]] == [made["a1"].code, made["a2"].code, made["today"].code]
    assert {item["handler"] for item in unit["items"]} == {str(world.handler)}
    # lateness in whole working days: Thu 5/3 07:10 → Tue 10/3 07:30 = 7 h 50 + 8 + 8 + 0.5 = 24 h 20 → 3; today's: 0
    assert [item["days"] for item in unit["items"]] == [3, 3, 0]

    province = Notification.objects.filter(kind=Kind.DIGEST_PROVINCE, channel=Channel.INAPP).get().context
    assert province["overdue_total"] == 13
    assert province["by_commune"] == [
        {"name": made["third_unit"].name, "count": 6},
        {"name": world.unit.name, "count": 2},
    ]
    assert province["by_department"] == [{"name": made["department"].name, "count": 5}]
    # the ten longest overdue: by due moment, Thu 5/3 07:02, 07:05, 07:10, 07:12, 07:15, 07:20, 07:22, 07:25, …
    worst = ["d1", "c1", "a1", "d2", "c2", "a2", "d3", "c3", "d4", "c4"]
    assert [item["code"] for item in province["worst"]] == [made[key].code for key in worst]
    # Thu 5/3 07:mm → Tue 10/3 07:30: Thu (8 h − mm) + Fri 8 + Mon 8 + Tue 0.5 h: ≥ 24 h (3 days) while mm ≤ 30
    assert [item["days"] for item in province["worst"]] == [3, 3, 3, 3, 3, 3, 3, 3, 2, 2]
    assert province["worst"][0]["unit"] == made["department"].name
    for key in ("paused", "decided", "tomorrow", "d5", "c5", "c6"):
        assert made[key].code not in [item["code"] for item in province["worst"]]

    # the leader reads it in-app, in their language, with the codes listed
    client = Client()
    client.force_login(world.leader)
    listed = client.get("/api/me/notifications/", {"kind": "digest_unit"}).json()
    results = listed["results"] if isinstance(listed, dict) else listed
    assert len(results) == 1
    assert all(made[key].code in results[0]["body"] for key in ("a1", "a2", "today"))
    assert made["tomorrow"].code not in results[0]["body"]


def test_running_twice_the_same_day_writes_nothing_new_and_the_next_day_writes_again(world, late_province):
    daily_digest(now=MORNING)
    before = Notification.objects.filter(kind__in=DIGESTS).count()
    assert before == 5
    daily_digest(now=MORNING.replace(hour=9))  # a second run (a retried task, a second beat) the same day
    assert Notification.objects.filter(kind__in=DIGESTS).count() == before
    daily_digest(now=at(2026, 3, 11, 7, 30))  # Wednesday
    assert Notification.objects.filter(kind__in=DIGESTS).count() == 2 * before


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(at(2026, 3, 14, 7, 30), id="saturday"),
        pytest.param(at(2026, 3, 15, 7, 30), id="sunday"),
        pytest.param(at(2026, 4, 30, 7, 30), id="30-4-holiday"),
        pytest.param(at(2026, 9, 2, 7, 30), id="national-day"),
        pytest.param(at(2026, 8, 31, 7, 30), id="monday-swapped-for-saturday-22-8"),
    ],
)
def test_nothing_on_a_day_off(world, late_province, moment):
    assert daily_digest(now=moment) == {}
    assert digests() == []


def test_the_make_up_saturday_is_a_working_day_for_the_digest(world, late_province):
    # Saturday 22/8/2026 is worked (swapped with Monday 31/8): everything of March is overdue by then
    written = daily_digest(now=at(2026, 8, 22, 7, 30))
    assert written == {"digest_unit": 3, "digest_province": 2}
    unit = Notification.objects.filter(kind=Kind.DIGEST_UNIT, recipient=world.leader).first().context
    assert (unit["overdue_count"], unit["due_today_count"]) == (4, 0)


def test_nothing_is_written_when_nothing_is_overdue_or_due_today(world):
    assigned(world, at(2026, 3, 9, 9, 0))  # due Thu 12/3 09:00
    assert daily_digest(now=MORNING) == {"digest_province": 1}  # the province office: "0 overdue", in-app only
    assert digests(Kind.DIGEST_UNIT) == []
    assert Notification.objects.get(kind=Kind.DIGEST_PROVINCE).context["overdue_total"] == 0


def test_the_beat_schedule_has_the_digest_at_07_30_and_the_sweep_every_five_minutes():
    from portal.celery import app

    schedule = django_settings.CELERY_BEAT_SCHEDULE
    digest = schedule["dossiers-daily-digest"]
    assert digest["task"] == "dossiers.daily_digest"
    assert isinstance(digest["schedule"], crontab)
    assert digest["schedule"].hour == {7} and digest["schedule"].minute == {30}
    sweep = schedule["dossiers-deadline-sweep"]
    assert sweep["task"] == "dossiers.sweep_deadlines" and sweep["schedule"] == 300.0
    app.loader.import_default_modules()
    assert {"dossiers.daily_digest", "dossiers.sweep_deadlines"} <= set(app.tasks)


def test_the_digest_reads_the_same_number_of_queries_however_many_units_have_something(
    world, late_province, django_assert_max_num_queries
):
    """One window query lists every unit's first dossiers: a unit more with leaders and overdue dossiers adds rows to
    write, not queries to run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        daily_digest(now=MORNING)
    units_before = Notification.objects.filter(kind=Kind.DIGEST_UNIT).values("context__unit").distinct().count()
    Notification.objects.filter(kind__in=DIGESTS).delete()
    # leaders for the other units that have overdue dossiers in this fixture
    for unit in ProcessingUnit.objects.filter(dossiers__isnull=False).exclude(pk=world.unit.pk).distinct():
        staff(StaffRole.LEADER, unit=unit, username=f"lanh-dao-{unit.pk}")
    with CaptureQueriesContext(connection) as many:
        daily_digest(now=MORNING)
    units_after = Notification.objects.filter(kind=Kind.DIGEST_UNIT).values("context__unit").distinct().count()
    assert units_after > units_before
    assert len(many.captured_queries) == len(few.captured_queries)
