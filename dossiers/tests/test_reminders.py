"""The deadline sweep (``dossiers.services.reminders``) on PostgreSQL: who is reminded of what, and exactly when.

The procedure of the ``world`` fixture (1.001193) takes 3 working days = 24 working hours; sessions 07:00–11:30
(4.5 h) and 13:30–17:00 (3.5 h). Every moment below is counted by hand in a comment. Thresholds are the defaults
(due soon 8 working hours before, escalation 2 working days overdue, supplement reminder after 5 working days)
unless a test sets them.

In these tests (one transaction, rolled back) nothing is committed, so no delivery runs: e-mail rows stay
``pending`` and in-app rows are ``sent`` (delivered by being written) and unread — exactly the rows a moved due moment
must cancel. The delivery guard is exercised by calling ``deliver_keys`` directly.
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from communes.models import ProcessingUnit
from dossiers import services
from dossiers.models import Dossier
from dossiers.services import reminders
from dossiers.services.reminders import sweep_deadlines
from dossiers.tests.factories import APPLICANT, file_online, procedure_version, receive_at_counter, staff
from dossiers.tests.threads import run_in_threads
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import deliver_keys
from portal.accounts.models import Membership, StaffRole, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
REMINDERS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.NOT_TRANSFERRED, Kind.SUPPLEMENT_REMINDER)
INAPP, EMAIL = Channel.INAPP.value, Channel.EMAIL.value


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


# --- Helpers: dossiers through the real services, at given moments -------------------------------------------


def counter(world, moment, *, code="1.001193", applicant=None, notify=True) -> Dossier:
    """Received at the counter of Phường Việt Trì's centre at ``moment`` (state 2, code and appointment)."""
    return receive_at_counter(
        actor=world.reception,
        procedure_code=code,
        applicant={**APPLICANT, "id_number": world.citizen.id_number, **(applicant or {})},
        reception_centre_id=world.centre.pk,
        at=moment,
        notify=notify,
    )


def in_processing(world, moment, *, handler=None, leader=None, notify=True, **kwargs) -> Dossier:
    """Received, transferred and assigned at ``moment`` (state 4, processing, with a handler)."""
    dossier = counter(world, moment, notify=notify, **kwargs)
    services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception, at=moment, notify=notify)
    return services.dossier_assign(
        dossier_id=dossier.pk,
        actor=leader or world.leader,
        handler_id=(handler or world.handler).pk,
        at=moment,
        notify=notify,
    )


def told(dossier=None, *kinds, status=None) -> list[tuple[str, str, str]]:
    """The reminder rows, as sorted ``(kind, username or address, channel)`` — duplicates would show twice."""
    rows = Notification.objects.filter(kind__in=kinds or REMINDERS).select_related("recipient")
    if dossier is not None:
        rows = rows.filter(dossier=dossier)
    if status is not None:
        rows = rows.filter(status=status)
    return sorted((n.kind, n.recipient.username if n.recipient_id else n.address, n.channel) for n in rows)


def reminder_count() -> int:
    return Notification.objects.filter(kind__in=REMINDERS).count()


def give_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


# Received Wed 4/3/2026 09:00: Wed 2.5 + 3.5 = 6 h; Thu 8 (14); Fri 8 (22); Mon 9/3 07:00 + 2 h → 09:00
RECEIVED = at(2026, 3, 4, 9, 0)
DUE = at(2026, 3, 9, 9, 0)


# --- Due soon: counted in working hours ----------------------------------------------------------------------


def test_due_soon_is_written_eight_working_hours_before_the_due_moment_not_a_calendar_day(world):
    give_email(world.handler, "xuly@phutho.gov.vn")  # the leader has no address: in-app only
    dossier = in_processing(world, RECEIVED)
    assert dossier.due_at == DUE
    # Mon 09:00 − 8 working hours: Mon 2 h, Fri afternoon 3.5 h, Fri 11:30 − 2.5 h → Friday 6/3 09:00
    for early in (at(2026, 3, 5, 17, 0), at(2026, 3, 6, 8, 59)):
        report = sweep_deadlines(now=early)
        assert report.total_created == 0 and reminder_count() == 0, early

    report = sweep_deadlines(now=at(2026, 3, 6, 9, 0))
    assert told(dossier) == [
        ("due_soon", "handler", EMAIL),
        ("due_soon", "handler", INAPP),
        ("due_soon", "leader", INAPP),
    ]
    assert report.reminded == Counter({"due_soon": 1}) and report.created == Counter({"due_soon": 3})
    rows = Notification.objects.filter(dossier=dossier, kind=Kind.DUE_SOON)
    assert {row.due_ref for row in rows} == {DUE}
    assert {(row.channel, row.status) for row in rows} == {(EMAIL, Status.PENDING), (INAPP, Status.SENT)}
    assert rows.get(channel=EMAIL).address == "xuly@phutho.gov.vn"
    context = rows.first().context
    assert context["code"] == dossier.code and context["handler"] == world.handler.full_name
    assert datetime.datetime.fromisoformat(context["due"]) == DUE
    dossier.refresh_from_db()
    assert dossier.remind_due_soon_for == DUE and dossier.remind_overdue_for is None
    # Sunday 8/3 09:00 is a calendar day before the due moment: nothing more is written
    assert sweep_deadlines(now=at(2026, 3, 8, 9, 0)).total_created == 0
    assert reminder_count() == 3


def test_due_soon_thresholds_per_procedure_level(world, settings):
    settings.REMINDER_DUE_SOON_HOURS = {"commune": 4, "*": 8}
    department = ProcessingUnit.objects.get(key="so-tu-phap")
    dept_handler = staff(StaffRole.HANDLER, unit=department, username="xuly-so-tu-phap")
    dept_leader = staff(StaffRole.LEADER, unit=department, username="lanhdao-so-tu-phap")
    procedure_version(code="2.000001", name="Thủ tục cấp tỉnh (thử)", level="provincial", processing_unit=department)
    commune = in_processing(world, RECEIVED)
    provincial = in_processing(world, RECEIVED, code="2.000001", handler=dept_handler, leader=dept_leader)
    assert (commune.level, provincial.level) == ("commune", "provincial")
    assert commune.due_at == provincial.due_at == DUE

    # the provincial one, under "*": 8 h before → Friday 09:00
    sweep_deadlines(now=at(2026, 3, 6, 8, 59))
    assert reminder_count() == 0
    sweep_deadlines(now=at(2026, 3, 6, 9, 0))
    assert told(provincial) == [("due_soon", "lanhdao-so-tu-phap", INAPP), ("due_soon", "xuly-so-tu-phap", INAPP)]
    assert told(commune) == []
    # the commune one, 4 h before: Mon 2 h, Fri 17:00 − 2 h → Friday 15:00
    sweep_deadlines(now=at(2026, 3, 6, 14, 59))
    assert told(commune) == []
    sweep_deadlines(now=at(2026, 3, 6, 15, 0))
    assert told(commune) == [("due_soon", "handler", INAPP), ("due_soon", "leader", INAPP)]
    assert reminder_count() == 4


# --- Overdue and escalation -----------------------------------------------------------------------------------


def test_overdue_at_the_due_moment_then_escalation_after_two_working_days_to_the_province_only(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    give_email(world.province, "vanphong@phutho.gov.vn")
    dossier = in_processing(world, RECEIVED)
    sweep_deadlines(now=at(2026, 3, 6, 9, 0))  # due soon
    assert reminder_count() == 3

    sweep_deadlines(now=at(2026, 3, 9, 8, 59))  # a minute before the due moment: nothing more
    assert told(dossier, Kind.OVERDUE) == []
    report = sweep_deadlines(now=DUE)
    assert told(dossier, Kind.OVERDUE) == [
        ("overdue", "handler", EMAIL),
        ("overdue", "handler", INAPP),
        ("overdue", "leader", INAPP),
        ("overdue", "reception", INAPP),
    ]
    assert report.reminded == Counter({"overdue": 1})
    overdue = Notification.objects.filter(dossier=dossier, kind=Kind.OVERDUE)
    assert {row.due_ref for row in overdue} == {DUE} and {row.context["days"] for row in overdue} == {0}
    # a second sweep at the same moment writes nothing
    again = sweep_deadlines(now=DUE)
    assert again.total_created == 0 and again.scanned == 0 and reminder_count() == 7

    # Mon 9/3 09:00 + 16 working hours: Mon 6 h, Tue 8 h (14), Wed 07:00 + 2 h → Wednesday 11/3 09:00
    sweep_deadlines(now=at(2026, 3, 11, 8, 59))
    assert told(dossier, Kind.ESCALATION) == []
    report = sweep_deadlines(now=at(2026, 3, 11, 9, 0))
    assert told(dossier, Kind.ESCALATION) == [
        ("escalation", "province", EMAIL),
        ("escalation", "province", INAPP),
    ]
    assert report.reminded == Counter({"escalation": 1})
    escalation = Notification.objects.filter(dossier=dossier, kind=Kind.ESCALATION)
    assert {row.context["days"] for row in escalation} == {2} and {row.due_ref for row in escalation} == {DUE}
    assert sweep_deadlines(now=at(2026, 3, 11, 9, 0)).total_created == 0
    assert sweep_deadlines(now=at(2026, 3, 20, 9, 0)).total_created == 0  # once each, however long it stays late
    assert reminder_count() == 9
    dossier.refresh_from_db()
    assert (dossier.remind_due_soon_for, dossier.remind_overdue_for, dossier.remind_escalated_for) == (DUE, DUE, DUE)
    # nobody else was told anything
    assert not Notification.objects.filter(
        recipient__in=[world.other_leader, world.other_handler, world.other_reception, world.admin]
    ).exists()


def test_a_dossier_first_seen_long_overdue_gets_overdue_and_escalation_together(world):
    dossier = in_processing(world, RECEIVED)
    report = sweep_deadlines(now=at(2026, 3, 16, 10, 0))  # a week late, the first sweep since
    assert report.reminded == Counter({"overdue": 1, "escalation": 1})
    assert told(dossier) == [
        ("escalation", "province", INAPP),
        ("overdue", "handler", INAPP),
        ("overdue", "leader", INAPP),
        ("overdue", "reception", INAPP),
    ]
    # no "due soon" for a moment already past
    assert told(dossier, Kind.DUE_SOON) == []


# --- Not transferred ------------------------------------------------------------------------------------------


def test_received_after_15_00_must_be_transferred_by_the_next_morning(world):
    give_email(world.reception, "tiepnhan@phutho.gov.vn")
    # Monday 2/3/2026 15:10, after 15:00: the allowance is the next working morning, Tue 3/3 11:30
    dossier = counter(world, at(2026, 3, 2, 15, 10))
    for moment in (at(2026, 3, 2, 17, 30), at(2026, 3, 3, 7, 0), at(2026, 3, 3, 11, 30)):
        assert sweep_deadlines(now=moment).total_created == 0, moment
    assert told(dossier) == []
    report = sweep_deadlines(now=at(2026, 3, 3, 11, 31))
    assert report.reminded == Counter({"not_transferred": 1})
    assert told(dossier) == [
        ("not_transferred", "leader", INAPP),
        ("not_transferred", "reception", EMAIL),
        ("not_transferred", "reception", INAPP),
    ]
    assert set(
        Notification.objects.filter(dossier=dossier).filter(kind="not_transferred").values_list("due_ref", flat=True)
    ) == {at(2026, 3, 3, 11, 30)}
    assert sweep_deadlines(now=at(2026, 3, 3, 15, 0)).total_created == 0  # once

    # transferred at last: what has not gone out (the pending e-mail, the unread in-app rows) is cancelled
    services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception, at=at(2026, 3, 3, 14, 0))
    assert told(dossier, status=Status.CANCELLED) == told(dossier) and len(told(dossier)) == 3


def test_received_in_the_morning_must_be_transferred_the_same_day_and_a_transferred_one_is_not_reminded(world):
    late = counter(world, at(2026, 3, 2, 9, 0))
    on_time = counter(world, at(2026, 3, 2, 9, 0))
    services.dossier_transfer(dossier_id=on_time.pk, actor=world.reception, at=at(2026, 3, 2, 16, 0))
    assert sweep_deadlines(now=at(2026, 3, 2, 17, 0)).total_created == 0  # the allowance is 17:00 itself
    sweep_deadlines(now=at(2026, 3, 2, 17, 1))
    assert told(late) == [("not_transferred", "leader", INAPP), ("not_transferred", "reception", INAPP)]
    assert told(on_time) == []
    late.refresh_from_db()
    assert late.remind_transfer_at == at(2026, 3, 2, 17, 1)


# --- Supplement reminder ----------------------------------------------------------------------------------------


def test_supplement_reminder_after_five_working_days_once_per_request_to_the_applicant(world, settings):
    settings.SMS_BACKEND = ""  # no SMS gateway: e-mail, and in-app for an applicant with an account
    with_account = in_processing(world, at(2026, 3, 2, 8, 0))  # the citizen's ID number: their account
    without_account = in_processing(
        world, at(2026, 3, 2, 8, 0), applicant={"id_number": "025190009999", "email": "khach@example.vn"}
    )
    asked = at(2026, 3, 2, 10, 0)  # Monday
    for dossier in (with_account, without_account):
        services.dossier_request_supplement(
            dossier_id=dossier.pk,
            actor=world.handler,
            reason="Thiếu giấy chứng sinh",
            missing_components=["Giấy chứng sinh"],
            at=asked,
        )
    # 40 working hours after Monday 2/3 10:00 → Monday 9/3 10:00 (five whole working days)
    sweep_deadlines(now=at(2026, 3, 9, 9, 59))
    assert told() == []
    report = sweep_deadlines(now=at(2026, 3, 9, 10, 0))
    assert report.reminded == Counter({"supplement_reminder": 2})
    assert told(with_account) == [
        ("supplement_reminder", "citizen", INAPP),
        ("supplement_reminder", "hoa@example.vn", EMAIL),
    ]
    assert told(without_account) == [("supplement_reminder", "khach@example.vn", EMAIL)]
    row = Notification.objects.get(dossier=with_account, kind=Kind.SUPPLEMENT_REMINDER, channel=EMAIL)
    assert row.due_ref == asked and row.status == Status.PENDING
    assert row.context["components"] == ["Giấy chứng sinh"] and row.context["official"] == str(world.handler)
    # the staff are not told: nothing for the paused dossiers, though their old due moments have passed
    assert told(None, Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION) == []
    assert sweep_deadlines(now=at(2026, 3, 16, 10, 0)).total_created == 0  # once

    # answered: the reminder not yet sent or read is cancelled; a second request gets its own reminder
    services.dossier_supplement(dossier_id=with_account.pk, actor=world.reception, at=at(2026, 3, 16, 11, 0))
    assert told(with_account, status=Status.CANCELLED) == told(with_account)
    second = at(2026, 3, 17, 9, 0)
    services.dossier_request_supplement(
        dossier_id=with_account.pk,
        actor=world.handler,
        reason="Bản sao chưa chứng thực",
        missing_components=["Bản sao chứng thực"],
        at=second,
    )
    sweep_deadlines(now=at(2026, 3, 24, 8, 59))  # Tue 17/3 09:00 + 40 h = Tue 24/3 09:00
    assert told(with_account, status=Status.PENDING) == []
    sweep_deadlines(now=at(2026, 3, 24, 9, 0))
    fresh = Notification.objects.filter(dossier=with_account, kind=Kind.SUPPLEMENT_REMINDER, due_ref=second)
    assert sorted(fresh.values_list("channel", "status")) == [(EMAIL, Status.PENDING), (INAPP, Status.SENT)]


# --- Nothing for finished or paused dossiers ------------------------------------------------------------------


def test_nothing_for_finished_or_paused_dossiers(world):
    moment = RECEIVED
    decided = in_processing(world, moment)
    services.dossier_decide(
        dossier_id=decided.pk, actor=world.leader, outcome="approved", result_document="Giấy khai sinh", at=moment
    )
    stopped = in_processing(world, moment)
    services.dossier_stop(dossier_id=stopped.pk, actor=world.leader, reason="Người nộp không bổ sung", at=moment)
    paused = in_processing(world, moment)
    services.dossier_request_supplement(
        dossier_id=paused.pk, actor=world.handler, reason="Thiếu", missing_components=["Giấy chứng sinh"], at=moment
    )
    refused = file_online(world.citizen, world.centre, at=moment)
    services.dossier_refuse(dossier_id=refused.pk, actor=world.reception, reason="Không thuộc thẩm quyền", at=moment)
    running = in_processing(world, moment)  # the control: the same dates, still running

    report = sweep_deadlines(now=at(2026, 3, 9, 10, 0))  # an hour after their due moment, before any supplement one
    assert report.reminded == Counter({"overdue": 1})
    for dossier in (decided, stopped, paused, refused):
        assert told(dossier) == [], dossier.state
    assert {kind for kind, _who, _channel in told(running)} == {"overdue"}


# --- Recipients ------------------------------------------------------------------------------------------------


def test_a_person_holding_two_roles_gets_one_row_per_channel(world):
    give_email(world.leader, "lanhdao@phutho.gov.vn")
    # the leader is also seconded to the reception desk of the centre, and the handler is also a leader of the unit
    Membership.objects.create(user=world.leader, role=StaffRole.RECEPTION, centre=world.centre)
    Membership.objects.create(user=world.handler, role=StaffRole.LEADER, processing_unit=world.unit)
    dossier = in_processing(world, RECEIVED)
    sweep_deadlines(now=DUE)
    assert told(dossier) == [
        ("overdue", "handler", INAPP),
        ("overdue", "leader", EMAIL),
        ("overdue", "leader", INAPP),
        ("overdue", "reception", INAPP),
    ]
    rows = Notification.objects.filter(dossier=dossier, kind=Kind.OVERDUE)
    assert Counter(rows.values_list("recipient_id", "channel")).most_common(1)[0][1] == 1


def test_deactivated_memberships_and_users_get_nothing(world):
    gone_leader = staff(StaffRole.LEADER, unit=world.unit, username="lanhdao-da-chuyen")
    Membership.objects.filter(user=gone_leader).update(is_active=False)
    retired_leader = staff(StaffRole.LEADER, unit=world.unit, username="lanhdao-nghi-huu")
    retired_leader.is_active = False
    retired_leader.save(update_fields=["is_active"])
    gone_reception = staff(StaffRole.RECEPTION, centre=world.centre, username="tiepnhan-da-chuyen")
    Membership.objects.filter(user=gone_reception).update(is_active=False)
    gone_province = staff(StaffRole.PROVINCE, username="vanphong-da-chuyen")
    Membership.objects.filter(user=gone_province).update(is_active=False)
    dossier = in_processing(world, RECEIVED)
    world.handler.is_active = False  # left the service after the assignment
    world.handler.save(update_fields=["is_active"])

    sweep_deadlines(now=at(2026, 3, 16, 10, 0))  # overdue and escalated
    assert told(dossier) == [
        ("escalation", "province", INAPP),
        ("overdue", "leader", INAPP),
        ("overdue", "reception", INAPP),
    ]


def test_a_handler_whose_membership_of_the_unit_ended_is_not_reminded_of_its_dossiers(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    dossier = in_processing(world, RECEIVED)
    # seconded elsewhere: the handler's role at this unit ends (the account stays active, with another role)
    Membership.objects.filter(user=world.handler, processing_unit=world.unit).update(is_active=False)
    Membership.objects.create(user=world.handler, role=StaffRole.HANDLER, processing_unit=world.other_unit)
    sweep_deadlines(now=DUE)
    assert told(dossier) == [("overdue", "leader", INAPP), ("overdue", "reception", INAPP)]


# --- Dry run ------------------------------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_reports_what_it_would_write(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    late = in_processing(world, RECEIVED)
    untransferred = counter(world, at(2026, 3, 9, 8, 0))  # Monday 08:00: to hand over by 17:00
    moment = at(2026, 3, 9, 17, 30)  # `late` 6 working hours overdue; `untransferred` not handed over by 17:00
    before = Notification.objects.count()

    report = sweep_deadlines(now=moment, dry_run=True)
    assert Notification.objects.count() == before
    for dossier in (late, untransferred):
        dossier.refresh_from_db()
        assert dossier.remind_overdue_for is None and dossier.remind_transfer_at is None
        assert dossier.remind_due_soon_for is None
    planned = sorted((p.kind, p.dossier, p.due, p.recipients) for p in report.planned)
    assert planned == sorted(
        [
            ("overdue", late.code, DUE, 3),  # handler, leader, reception
            ("not_transferred", untransferred.code, at(2026, 3, 9, 17, 0), 2),  # reception, leader
        ]
    )
    assert report.reminded == Counter({"overdue": 1, "not_transferred": 1})
    assert report.created == Counter({"overdue": 4, "not_transferred": 2})  # rows, by kind: what it would write
    # a second dry run says the same; the real sweep then writes exactly that
    assert sorted((p.kind, p.dossier) for p in sweep_deadlines(now=moment, dry_run=True).planned) == sorted(
        (p.kind, p.dossier) for p in report.planned
    )
    real = sweep_deadlines(now=moment)
    assert real.created == report.created
    assert Counter(Notification.objects.filter(kind__in=REMINDERS).values_list("kind", flat=True)) == report.created


# --- Point 15: a moved due moment (supplement pause, extension) --------------------------------------------------


def _travel(moment):
    return time_machine.travel(moment, tick=False)


def test_a_supplement_pause_cancels_the_old_reminders_and_the_new_due_moment_gets_its_own(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    d1 = at(2026, 3, 5, 9, 0)  # received Mon 2/3 09:00: Mon 6 h, Tue 8 (14), Wed 8 (22), Thu 07:00 + 2 → 09:00
    with _travel(at(2026, 3, 2, 9, 0)):
        dossier = in_processing(world, None)
    assert dossier.due_at == d1
    # D1 − 6 working hours: Thu 2 h, Wed 17:00 − 3.5 h → 13:30, − 0.5 h → Wednesday 4/3 11:00
    with _travel(at(2026, 3, 4, 11, 0)):
        sweep_deadlines()
    first = list(Notification.objects.filter(dossier=dossier, kind=Kind.DUE_SOON).order_by("id"))
    assert sorted((n.recipient.username, n.channel, n.status) for n in first) == [
        ("handler", EMAIL, Status.PENDING),
        ("handler", INAPP, Status.SENT),
        ("leader", INAPP, Status.SENT),
    ]
    assert {n.due_ref for n in first} == {d1}
    # the leader reads his; what was read stays as it is
    leader_row = next(n for n in first if n.recipient_id == world.leader.pk)
    client = Client()
    client.force_login(world.leader)
    with _travel(at(2026, 3, 4, 11, 10)):
        assert client.post(f"/api/me/notifications/{leader_row.pk}/read/").status_code == 200

    # Wed 4/3 11:30: a supplement is requested; 3.5 + 2 = 5.5 working hours are left on the clock
    with _travel(at(2026, 3, 4, 11, 30)):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.handler, reason="Thiếu", missing_components=["Giấy chứng sinh"]
        )
    # in the step's transaction: the handler's pending e-mail and unread in-app row for D1 are cancelled
    assert sorted(
        Notification.objects.filter(pk__in=[n.pk for n in first]).values_list(
            "recipient__username", "channel", "status"
        )
    ) == [("handler", EMAIL, Status.CANCELLED), ("handler", INAPP, Status.CANCELLED), ("leader", INAPP, Status.SENT)]
    # paused: nothing, though D1 passes
    for moment in (d1, at(2026, 3, 6, 10, 0)):
        with _travel(moment):
            assert sweep_deadlines().total_created == 0

    # answered Tue 10/3 07:00: D2 = 07:00 + 5.5 h → 11:30 (4.5 h), 13:30 + 1 h → 14:30
    d2 = at(2026, 3, 10, 14, 30)
    with _travel(at(2026, 3, 10, 7, 0)):
        dossier = services.dossier_supplement(dossier_id=dossier.pk, actor=world.reception)
    assert dossier.due_at == d2
    with _travel(at(2026, 3, 10, 7, 5)):  # the first sweep after: D2 is within 8 working hours
        report = sweep_deadlines()
    assert report.reminded == Counter({"due_soon": 1})
    second = Notification.objects.filter(dossier=dossier, kind=Kind.DUE_SOON, due_ref=d2)
    assert sorted(second.values_list("recipient__username", "channel", "status")) == [
        ("handler", EMAIL, Status.PENDING),
        ("handler", INAPP, Status.SENT),
        ("leader", INAPP, Status.SENT),
    ]
    assert not {n.dedupe_key for n in first} & set(second.values_list("dedupe_key", flat=True))
    with _travel(at(2026, 3, 10, 14, 29)):
        assert sweep_deadlines().total_created == 0
    with _travel(d2):
        report = sweep_deadlines()
    assert report.reminded == Counter({"overdue": 1})
    overdue = Notification.objects.filter(dossier=dossier, kind=Kind.OVERDUE)
    assert sorted(overdue.values_list("recipient__username", "channel", "due_ref")) == [
        ("handler", EMAIL, d2),
        ("handler", INAPP, d2),
        ("leader", INAPP, d2),
        ("reception", INAPP, d2),
    ]
    # D1's overdue was never written; its due-soon rows stay cancelled
    assert not Notification.objects.filter(dossier=dossier, kind__in=[Kind.OVERDUE, Kind.ESCALATION], due_ref=d1)
    assert set(Notification.objects.filter(dossier=dossier, due_ref=d1).values_list("status", flat=True)) == {
        Status.CANCELLED,
        Status.SENT,  # the one the leader read
    }


def test_an_extension_before_the_due_moment_moves_every_reminder_to_the_new_date(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    d1 = at(2026, 3, 5, 9, 0)
    with _travel(at(2026, 3, 2, 9, 0)):
        dossier = in_processing(world, None)
    with _travel(at(2026, 3, 4, 11, 0)):
        sweep_deadlines()
    assert len(told(dossier, Kind.DUE_SOON)) == 3
    d2 = at(2026, 3, 13, 17, 0)  # form 04: a new date, Friday 13/3 17:00
    with _travel(at(2026, 3, 4, 14, 0)):
        dossier = services.dossier_extend(
            dossier_id=dossier.pk, actor=world.handler, reason="Cần xác minh", new_due_at=d2
        )
    assert told(dossier, Kind.DUE_SOON, status=Status.CANCELLED) == told(dossier, Kind.DUE_SOON)
    # D1 passes: no overdue for it (the dossier is due at D2 now)
    for moment in (d1, at(2026, 3, 9, 9, 0)):
        with _travel(moment):
            assert sweep_deadlines().total_created == 0
    # D2 − 8 h = Friday 13/3 07:00 (= Thursday 17:00 in working time): at Thu 16:59 the horizon is Fri 16:59
    with _travel(at(2026, 3, 12, 16, 59)):
        assert sweep_deadlines().total_created == 0
    with _travel(at(2026, 3, 13, 7, 0)):
        assert sweep_deadlines().reminded == Counter({"due_soon": 1})
    with _travel(d2):
        assert sweep_deadlines().reminded == Counter({"overdue": 1})
    assert set(
        Notification.objects.filter(dossier=dossier, kind__in=REMINDERS)
        .exclude(status=Status.CANCELLED)
        .values_list("kind", "due_ref")
    ) == {("due_soon", d2), ("overdue", d2)}
    assert not Notification.objects.filter(dossier=dossier, kind=Kind.OVERDUE, due_ref=d1).exists()


def test_an_extension_of_an_overdue_dossier_cancels_the_overdue_rows_of_the_old_date(world):
    give_email(world.handler, "xuly@phutho.gov.vn")
    d1 = at(2026, 3, 5, 9, 0)
    with _travel(at(2026, 3, 2, 9, 0)):
        dossier = in_processing(world, None)
    with _travel(d1):
        sweep_deadlines()
    assert len(told(dossier, Kind.OVERDUE, status=Status.PENDING)) == 1  # the handler's e-mail, not yet delivered
    d2 = at(2026, 3, 9, 17, 0)  # Monday 17:00
    with _travel(at(2026, 3, 5, 10, 0)):
        services.dossier_extend(dossier_id=dossier.pk, actor=world.handler, reason="Cần xác minh", new_due_at=d2)
    assert told(dossier, Kind.OVERDUE, status=Status.CANCELLED) == told(dossier, Kind.OVERDUE)
    assert len(told(dossier, Kind.OVERDUE)) == 4
    # Monday 9/3 09:00 would have been D1's escalation (D1 + 16 h); it is D2's due-soon time instead
    with _travel(at(2026, 3, 9, 9, 0)):
        assert sweep_deadlines().reminded == Counter({"due_soon": 1})
    assert not Notification.objects.filter(dossier=dossier, kind=Kind.ESCALATION).exists()
    with _travel(d2):
        assert sweep_deadlines().reminded == Counter({"overdue": 1})
    live = Notification.objects.filter(dossier=dossier, kind=Kind.OVERDUE).exclude(status=Status.CANCELLED)
    assert set(live.values_list("due_ref", flat=True)) == {d2} and live.count() == 4


def test_the_delivery_guard_cancels_a_reminder_whose_due_moment_moved_without_the_step_cancelling_it(
    world, monkeypatch, mailoutbox
):
    give_email(world.handler, "xuly@phutho.gov.vn")
    with _travel(at(2026, 3, 2, 9, 0)):
        moved = in_processing(world, None)
        kept = in_processing(world, None)
    with _travel(at(2026, 3, 4, 11, 0)):
        sweep_deadlines()
    moved_key = Notification.objects.get(dossier=moved, kind=Kind.DUE_SOON, channel=EMAIL).dedupe_key
    kept_key = Notification.objects.get(dossier=kept, kind=Kind.DUE_SOON, channel=EMAIL).dedupe_key
    # a step that (somehow) did not cancel: the due moment moves, the e-mail for D1 is still pending
    monkeypatch.setattr(reminders, "after_step", lambda dossier, action: 0)
    with _travel(at(2026, 3, 4, 14, 0)):
        services.dossier_extend(
            dossier_id=moved.pk, actor=world.handler, reason="Cần xác minh", new_due_at=at(2026, 3, 13, 17, 0)
        )
    assert Notification.objects.get(dedupe_key=moved_key).status == Status.PENDING

    with _travel(at(2026, 3, 4, 14, 5)):
        outcome = deliver_keys([moved_key, kept_key])
    assert outcome == {"sent": 1, "skipped": 0, "retry": 0, "failed": 0, "cancelled": 1, "deferred": 0}
    assert Notification.objects.get(dedupe_key=moved_key).status == Status.CANCELLED
    assert Notification.objects.get(dedupe_key=kept_key).status == Status.SENT
    assert [message.to for message in mailoutbox] == [["xuly@phutho.gov.vn"]]
    assert kept.code in mailoutbox[0].subject + mailoutbox[0].body


# --- Point 7: two sweeps at once ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_write_every_reminder_exactly_once(transactional_world, monkeypatch):
    world = transactional_world
    monkeypatch.setattr("notifications.services.publish", lambda keys: 0)  # rows stay as written: counted, not sent
    give_email(world.handler, "xuly@phutho.gov.vn")
    give_email(world.province, "vanphong@phutho.gov.vn")
    # 30 in processing, received Mon 2/3 from 09:00 a minute apart → due Thu 5/3 from 09:00 a minute apart;
    # 10 received on Mon 9/3 09:00–09:09 and never transferred (allowance Mon 9/3 17:00; due Thu 12/3, not soon)
    late = [in_processing(world, at(2026, 3, 2, 9, n), notify=False).pk for n in range(30)]
    waiting = [counter(world, at(2026, 3, 9, 9, n), notify=False).pk for n in range(10)]
    moment = at(2026, 3, 10, 10, 0)  # Tue: Thu 5/3 09:xx + 16 h = Mon 9/3 09:xx → all 30 overdue and escalated

    def sweep(index: int, barrier: threading.Barrier):
        barrier.wait()
        return sweep_deadlines(now=moment, batch_size=3)

    reports = run_in_threads(2, sweep)

    # per dossier: overdue to handler (in-app, e-mail), leader, reception; escalation to the province (in-app, e-mail);
    # not transferred to reception and leader
    expected = Counter({"overdue": 30 * 4, "escalation": 30 * 2, "not_transferred": 10 * 2})
    rows = list(
        Notification.objects.filter(kind__in=REMINDERS).values_list(
            "dossier_id", "kind", "recipient_id", "channel", "dedupe_key"
        )
    )
    assert Counter(kind for _d, kind, _r, _c, _k in rows) == expected
    assert Counter(key for *_rest, key in rows).most_common(1)[0][1] == 1
    assert Counter((d, kind, r, c) for d, kind, r, c, _k in rows).most_common(1)[0][1] == 1
    # each dossier was handled by one sweep or the other, never by both
    assert reports[0].scanned + reports[1].scanned == 40
    reminded = reports[0].reminded + reports[1].reminded
    assert reminded == Counter({"overdue": 30, "escalation": 30, "not_transferred": 10})
    assert reports[0].created + reports[1].created == expected
    marks = Dossier.objects.filter(pk__in=late).values_list(
        "due_at", "remind_due_soon_for", "remind_overdue_for", "remind_escalated_for"
    )
    assert all(due == soon == overdue == escalated for due, soon, overdue, escalated in marks)
    assert len({due for due, *_marks in marks}) == 30
    assert set(Dossier.objects.filter(pk__in=waiting).values_list("remind_transfer_at", flat=True)) == {moment}
    # and a third sweep finds nothing left to do
    assert sweep_deadlines(now=moment, batch_size=3).scanned == 0


# --- manage.py sweep_deadlines ------------------------------------------------------------------------------------


def _command(*args) -> str:
    out = StringIO()
    call_command("sweep_deadlines", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def late_and_untransferred(world):
    """At Mon 9/3/2026 17:30: one dossier 6 working hours overdue (due 09:00), one not handed over by 17:00."""
    late = in_processing(world, RECEIVED)
    untransferred = counter(world, at(2026, 3, 9, 8, 0))
    return late, untransferred


def test_the_command_dry_run_prints_vietnamese_lines_and_writes_nothing(world, late_and_untransferred):
    late, untransferred = late_and_untransferred
    text = _command("--dry-run", "--at", "2026-03-09T17:30:00+07:00")
    assert reminder_count() == 0
    assert text.splitlines() == [
        "Chạy thử lúc 17:30 09/03/2026: không ghi, không gửi gì.",
        f"  Hồ sơ quá hạn — hồ sơ {late.code} — hạn 09:00 09/03/2026 — 3 người nhận",
        f"  Hồ sơ chưa được chuyển xử lý — hồ sơ {untransferred.code} — hạn 17:00 09/03/2026 — 2 người nhận",
        "Đã xem 2 hồ sơ; 2 lượt nhắc; 5 thông báo sẽ được viết; 0 hủy.",
        "  Hồ sơ chưa được chuyển xử lý: 1 hồ sơ",
        "  Hồ sơ quá hạn: 1 hồ sơ",
    ]
    # the same moment given in UTC
    assert _command("--dry-run", "--at", "2026-03-09T10:30:00Z").splitlines()[0].startswith("Chạy thử lúc 17:30")
    assert reminder_count() == 0


def test_the_command_without_dry_run_writes(world, late_and_untransferred):
    text = _command("--at", "2026-03-09T17:30:00+07:00")
    assert text.splitlines()[:2] == [
        "Quét hạn lúc 17:30 09/03/2026.",
        "Đã xem 2 hồ sơ; 2 lượt nhắc; 5 thông báo đã viết; 0 hủy.",
    ]
    # overdue: handler, leader, reception (in-app: nobody here has an e-mail address); not transferred: reception,
    # leader
    assert Counter(Notification.objects.filter(kind__in=REMINDERS).values_list("kind", flat=True)) == Counter(
        {"overdue": 3, "not_transferred": 2}
    )
    # run again: nothing more
    assert "0 thông báo đã viết" in _command("--at", "2026-03-09T17:30:00+07:00")
    assert reminder_count() == 5


def test_the_command_with_digest_writes_the_daily_digest(world, late_and_untransferred):
    text = _command("--at", "2026-03-10T07:30:00+07:00", "--digest")
    assert "Bản tin hằng ngày: 2 thông báo." in text  # the unit's leader and the province office, in-app
    assert Notification.objects.filter(kind__in=[Kind.DIGEST_UNIT, Kind.DIGEST_PROVINCE]).count() == 2


def test_the_command_prints_english_with_lang_en(world, late_and_untransferred):
    late, untransferred = late_and_untransferred
    text = _command("--dry-run", "--at", "2026-03-09T17:30:00+07:00", "--lang", "en")
    assert text.splitlines()[:3] == [
        "Dry run at 17:30 09/03/2026: nothing is written or sent.",
        f"  Dossier overdue — dossier {late.code} — due 09:00 09/03/2026 — 3 recipient(s)",
        f"  Dossier not transferred for processing — dossier {untransferred.code} — due 17:00 09/03/2026"
        " — 2 recipient(s)",
    ]
    assert "Chạy thử" not in text and "hồ sơ" not in text
    assert reminder_count() == 0


@pytest.mark.parametrize("value", ["ngày mai", "2026-03-09T17:30:00", "2026-13-45T25:00:00+07:00"])
def test_a_bad_at_is_a_command_error_in_vietnamese(world, value):
    with pytest.raises(CommandError, match=r"--at cần một thời điểm ISO 8601 có múi giờ"):
        _command("--dry-run", "--at", value)


# --- The demo: reminders a demo staff account finds in-app (issue point 10) ---------------------------------------


@pytest.fixture
def catalogue(communes_loaded):
    from procedures.services import catalogue_file, catalogue_load

    catalogue_load(path=catalogue_file())


def test_the_demo_and_a_sweep_give_a_demo_staff_account_its_reminders_in_app(catalogue):
    from dossiers.demo.seed import demo_seed

    anchor = datetime.date(2026, 3, 2)  # a Monday; the demo's steps all happen before it
    demo_seed(seed=11, count=60, anchor_day=anchor)
    report = sweep_deadlines(now=datetime.datetime.combine(anchor, datetime.time(8, 0), tzinfo=TZ))
    assert report.reminded["due_soon"] + report.reminded["overdue"] > 0

    leader = User.objects.get(username="demo-phuong-viet-tri-lanhdao")
    client = Client()
    client.force_login(leader)
    response = client.get("/api/me/notifications/", {"kind": ["due_soon", "overdue"]})
    assert response.status_code == 200
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert results, "the demo leader of Phường Việt Trì sees no due-soon or overdue reminder"
    unit_codes = set(
        Dossier.objects.filter(processing_unit__key="ubnd-07900", state__in=reminders.RUNNING).values_list(
            "code", flat=True
        )
    )
    for item in results:
        assert item["kind"] in ("due_soon", "overdue") and item["unread"] is True
        assert item["dossier_code"] in unit_codes and item["dossier_code"] in item["subject"]
    # what the API lists is exactly the leader's in-app rows of those kinds
    assert (
        len(results)
        == Notification.objects.filter(recipient=leader, channel=INAPP, kind__in=["due_soon", "overdue"]).count()
    )


def test_lateness_agrees_with_the_calendar_over_random_moments():
    """``Lateness`` (the sweep's shortcut for long delays) equals ``working_time_between`` exactly."""
    import random

    from dossiers.services.reminders import Lateness
    from procedures.worktime import WorkingCalendar

    calendar = WorkingCalendar()
    rng = random.Random(20261204)
    base = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=calendar.tz)
    for _ in range(20):
        now = base - datetime.timedelta(days=rng.randint(0, 900), minutes=rng.randint(0, 1440))
        lateness = Lateness(calendar, now)
        for _ in range(100):
            due = now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 400))
            assert lateness(due) == calendar.working_time_between(due, now), (now, due)


def test_a_paused_dossier_whose_applicant_asks_to_withdraw_is_not_reminded_of_its_old_due_moment(world):
    """Withdrawal requested during a supplement pause: the state counts as running, but the clock is still stopped
    (``paused_at``), so its old due moment is no reminder's business — neither the sweep's nor the delivery's."""
    dossier = in_processing(world, RECEIVED)
    services.dossier_request_supplement(
        dossier_id=dossier.pk,
        actor=world.handler,
        reason="Thiếu giấy chứng sinh",
        missing_components=["Giấy chứng sinh"],
        at=at(2026, 3, 5, 9, 0),
    )
    services.dossier_withdraw(dossier_id=dossier.pk, actor=world.citizen, reason="Không cần nữa", at=at(2026, 3, 5, 10))
    assert Dossier.objects.get(pk=dossier.pk).state == "withdrawal_requested"
    sweep_deadlines(now=at(2026, 3, 20, 9, 0))  # long after the old due moment
    assert told(dossier, Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION) == []
