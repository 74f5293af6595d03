"""The services' explicit clock and notify switch (``dossiers.services.core``).

A service called with ``at`` acts at that moment, whatever the wall clock says: the code of that local day, the
appointment counted from it, the pause and the resumption from their own moments, the timeliness of the decision, the
audit trail and the control slip at it. ``notify=False`` queues no notification; the default still does. The API
passes neither: a client cannot backdate an action or silence it.

The procedure of the ``world`` fixture (1.001193) takes 3 working days = 24 working hours; sessions 07:00–11:30
(4.5 h) and 13:30–17:00 (3.5 h). Every expectation is counted by hand in a comment. The wall clock is frozen far
from the moments given, so that reading it anywhere would show.
"""

from __future__ import annotations

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import AuditEvent, ControlSlipRow, DailySequence, Dossier, Pause
from dossiers.tests.factories import APPLICANT, file_online, receive_at_counter

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = datetime.UTC
AGENCY = "079.00.00.H25"
WALL_CLOCK = datetime.datetime(2027, 1, 14, 9, 30, tzinfo=TZ)  # a Thursday, nowhere near the moments below


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def wall_clock():
    with time_machine.travel(WALL_CLOCK, tick=False):
        yield WALL_CLOCK


def counter(world, moment, **kwargs) -> Dossier:
    return receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=world.centre.pk,
        at=moment,
        **kwargs,
    )


def moments_of(dossier: Dossier) -> list[tuple[str, datetime.datetime]]:
    return list(AuditEvent.objects.filter(dossier=dossier).order_by("id").values_list("action", "at"))


def test_a_counter_reception_at_a_given_moment_takes_the_code_of_its_local_day(world, wall_clock):
    # 06:40 on Tuesday 3 March in Việt Nam is still Monday 2 March in UTC: the code counts the local day
    moment = datetime.datetime(2026, 3, 2, 23, 40, tzinfo=UTC)
    dossier = counter(world, moment)
    assert dossier.code == f"{AGENCY}-260303-0001"
    assert DailySequence.objects.get(centre=world.centre, day=datetime.date(2026, 3, 3)).last == 1
    assert not DailySequence.objects.filter(day=WALL_CLOCK.date()).exists()
    assert dossier.filed_at == dossier.received_at == moment
    # counted from 07:00 (the next session start): Tue 8 h, Wed 8 h, Thu 8 h → Thursday 17:00
    assert dossier.due_at == at(2026, 3, 5, 17, 0)
    assert moments_of(dossier) == [("receive_at_counter", moment)]
    assert list(ControlSlipRow.objects.filter(dossier=dossier).values_list("handed_at", flat=True)) == [moment]
    assert counter(world, at(2026, 3, 3, 9, 0)).code == f"{AGENCY}-260303-0002"
    assert counter(world, at(2026, 3, 4, 9, 0)).code == f"{AGENCY}-260304-0001"


def test_every_step_of_a_life_happens_at_its_given_moment(world, wall_clock):
    filed = at(2026, 2, 27, 20, 15)  # Friday evening, online
    dossier = file_online(world.citizen, world.centre, at=filed)
    assert dossier.filed_at == filed and dossier.code is None

    received = at(2026, 3, 2, 8, 0)  # Monday
    dossier = services.dossier_receive(dossier_id=dossier.pk, actor=world.reception, at=received)
    assert dossier.code == f"{AGENCY}-260302-0001" and dossier.received_at == received
    # Mon 08:00–11:30 3.5 h + 3.5 h = 7; Tue 8 → 15; Wed 8 → 23; Thu 1 h → Thursday 08:00
    assert dossier.due_at == at(2026, 3, 5, 8, 0)

    transferred, assigned = at(2026, 3, 2, 10, 0), at(2026, 3, 2, 10, 30)
    services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception, at=transferred)
    services.dossier_assign(dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk, at=assigned)

    asked = at(2026, 3, 3, 9, 0)  # Tuesday
    dossier = services.dossier_request_supplement(
        dossier_id=dossier.pk, actor=world.handler, reason="Thiếu giấy", missing_components=["Tờ khai"], at=asked
    )
    # left when the clock stops: Tue 2.5 + 3.5 = 6, Wed 8, Thu 1 → 15 h
    assert dossier.paused_at == asked and dossier.remaining_seconds == 15 * 3600
    assert Pause.objects.get(dossier=dossier).started_at == asked

    back = at(2026, 3, 9, 13, 30)  # the next Monday afternoon
    dossier = services.dossier_supplement(dossier_id=dossier.pk, actor=world.citizen, at=back)
    # 15 h from Monday 13:30: Mon 3.5 → 11.5 left; Tue 8 → 3.5 left; Wed 07:00 + 3.5 h → Wednesday 10:30
    assert dossier.due_at == at(2026, 3, 11, 10, 30)
    assert Pause.objects.get(dossier=dossier).ended_at == back

    decided = at(2026, 3, 11, 10, 0)  # inside the session that holds the due moment, before it: on time
    dossier = services.dossier_decide(
        dossier_id=dossier.pk, actor=world.leader, outcome="approved", result_document="Số 1/2026", at=decided
    )
    assert (dossier.finished_at, dossier.timeliness) == (decided, "on_time")

    returned = at(2026, 3, 11, 15, 0)
    services.dossier_return(dossier_id=dossier.pk, actor=world.reception, at=returned)
    assert moments_of(dossier) == [
        ("file", filed),
        ("receive", received),
        ("transfer", transferred),
        ("assign", assigned),
        ("request_supplement", asked),
        ("supplement", back),
        ("decide", decided),
        ("return", returned),
    ]
    slip = list(ControlSlipRow.objects.filter(dossier=dossier).order_by("id").values_list("handed_at", flat=True))
    assert slip == [moment for _action, moment in moments_of(dossier)]


def test_a_stop_past_the_due_moment_is_late_at_its_own_moment(world, wall_clock):
    late = counter(world, at(2026, 3, 2, 8, 0))  # due Thursday 08:00, as above
    services.dossier_transfer(dossier_id=late.pk, actor=world.reception, at=at(2026, 3, 2, 9, 0))
    services.dossier_assign(
        dossier_id=late.pk, actor=world.leader, handler_id=world.handler.pk, at=at(2026, 3, 2, 9, 5)
    )
    late = services.dossier_stop(dossier_id=late.pk, actor=world.leader, reason="Dừng", at=at(2026, 3, 5, 8, 1))
    assert (late.finished_at, late.timeliness) == (at(2026, 3, 5, 8, 1), "late")


def test_a_naive_moment_is_refused(world, wall_clock):
    with pytest.raises(ValueError, match="timezone-aware"):
        counter(world, datetime.datetime(2026, 3, 3, 9, 0))
    assert not Dossier.objects.exists()


# --- notify -----------------------------------------------------------------------------------------------


def _life(world, *, notify: bool | None) -> Dossier:
    """File, receive, ask for a supplement, get it, ask for fees, decide: every notified action but refuse and stop."""
    switch = {} if notify is None else {"notify": notify}
    dossier = file_online(world.citizen, world.centre, **switch)
    for service, kwargs in [
        (services.dossier_receive, {"actor": world.reception}),
        (services.dossier_transfer, {"actor": world.reception}),
        (services.dossier_assign, {"actor": world.leader, "handler_id": world.handler.pk}),
        (
            services.dossier_request_supplement,
            {"actor": world.handler, "reason": "Thiếu", "missing_components": ["Tờ khai"]},
        ),
        (services.dossier_supplement, {"actor": world.citizen}),
        (services.dossier_request_payment, {"actor": world.handler, "amount_vnd": 8000}),
        (services.dossier_confirm_payment, {"actor": world.handler}),
        (services.dossier_decide, {"actor": world.leader, "outcome": "approved", "result_document": "Số 2"}),
    ]:
        dossier = service(dossier_id=dossier.pk, **kwargs, **switch)
    return dossier


#: The actions of ``_life`` the applicant is told of (``dossiers.services.notices.CITIZEN_NOTICES``).
TOLD = ["file", "receive", "request_supplement", "request_payment", "decide"]


def test_notify_false_queues_no_notification(world, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossier = _life(world, notify=False)
        counter(world, at(2026, 3, 3, 9, 0), notify=False)
        refused = file_online(world.citizen, world.centre, notify=False)
        services.dossier_refuse(dossier_id=refused.pk, actor=world.reception, reason="Sai thủ tục", notify=False)
    assert dossier.state == "result_ready"
    assert callbacks == [] and mailoutbox == []


def test_by_default_the_applicant_is_told_of_each_notified_action_once(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossier = _life(world, notify=None)
    assert len(callbacks) == len(TOLD)
    assert len(mailoutbox) == len(TOLD) and {mail.to[0] for mail in mailoutbox} == {APPLICANT["email"]}
    assert dossier.code in mailoutbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        counter(world, at(2026, 3, 3, 9, 0))
    assert len(callbacks) == 1 and len(mailoutbox) == len(TOLD) + 1


# --- The API passes neither -------------------------------------------------------------------------------


def test_a_client_cannot_backdate_or_silence_an_action(world, client, wall_clock, django_capture_on_commit_callbacks):
    dossier = file_online(world.citizen, world.centre)
    client.force_login(world.reception)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            f"/api/dossiers/{dossier.pk}/receive/",
            json.dumps({"at": "2026-03-02T08:00:00+07:00", "notify": False}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content.decode()
    dossier.refresh_from_db()
    assert dossier.received_at == WALL_CLOCK
    assert dossier.code == f"{AGENCY}-{WALL_CLOCK:%y%m%d}-0001"
    assert moments_of(dossier)[-1] == ("receive", WALL_CLOCK)
    assert len(callbacks) == 1


def test_document_writes_take_the_same_explicit_moment(world, wall_clock):
    """An upload and components received on paper are stamped with ``at`` too (the demo plays them in the past)."""
    from dossiers.models import Document, ReceivedComponent
    from dossiers.tests.factories import tiny_pdf

    moment = at(2026, 3, 2, 9, 0)
    dossier = counter(world, moment)
    uploaded = services.document_upload(
        dossier_id=dossier.pk,
        actor=world.reception,
        file=tiny_pdf("quet.pdf"),
        at=moment + datetime.timedelta(minutes=5),
    )
    paper = services.documents_mark_received_on_paper(
        dossier_id=dossier.pk,
        actor=world.reception,
        items=[{"name": "Giấy chứng sinh", "copy_kind": "original", "count": 1}],
        at=moment + datetime.timedelta(minutes=6),
    )
    assert Document.objects.get(pk=uploaded.pk).uploaded_at == moment + datetime.timedelta(minutes=5)
    assert ReceivedComponent.objects.get(pk=paper[0].pk).received_at == moment + datetime.timedelta(minutes=6)
    # without ``at``: now, the wall clock
    later = services.document_upload(dossier_id=dossier.pk, actor=world.reception, file=tiny_pdf("quet-2.pdf"))
    assert Document.objects.get(pk=later.pk).uploaded_at == WALL_CLOCK
