"""Deadlines through the services, on frozen time (DOMAIN.md §4, §5): appointment at reception, codes, supplement
pauses, early / on time / late, the extension of form 04.

The procedure of the ``world`` fixture (1.001193) takes 3 working days = 24 working hours. Sessions 07:00–11:30
(4.5 h) and 13:30–17:00 (3.5 h). The centre of Phường Việt Trì has the (placeholder) agency code 079.00.00.H25.
Every expectation is counted by hand in a comment.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import ControlSlipRow, DailySequence, Pause
from dossiers.tests.factories import APPLICANT, file_online, procedure_version, receive_at_counter

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AGENCY = "079.00.00.H25"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TZ)


def counter(world, moment, *, code="1.001193", actor=None, centre=None):
    """A reception officer receives a dossier at the counter at ``moment``."""
    centre = centre or world.centre
    with time_machine.travel(moment, tick=False):
        return receive_at_counter(
            actor=actor or world.reception,
            procedure_code=code,
            applicant={**APPLICANT, "id_number": world.citizen.id_number},
            reception_centre_id=centre.pk,
        )


def online(world, filed, received):
    with time_machine.travel(filed, tick=False):
        dossier = file_online(world.citizen, world.centre)
    assert dossier.code is None and dossier.reference.startswith("TN-")  # provisional until received
    with time_machine.travel(received, tick=False):
        return services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)


def act(moment, service, **kwargs):
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


def to_processing(world, dossier, moment):
    dossier = act(moment, services.dossier_transfer, dossier_id=dossier.pk, actor=world.reception)
    return act(moment, services.dossier_assign, dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk)


def request_supplement(world, dossier, moment):
    return act(
        moment,
        services.dossier_request_supplement,
        dossier_id=dossier.pk,
        actor=world.handler,
        reason="Thiếu giấy chứng sinh",
        missing_components=["Giấy chứng sinh"],
    )


def supplement(world, dossier, moment):
    return act(moment, services.dossier_supplement, dossier_id=dossier.pk, actor=world.reception)


def decide(world, dossier, moment):
    return act(
        moment,
        services.dossier_decide,
        dossier_id=dossier.pk,
        actor=world.leader,
        outcome="approved",
        result_document="Giấy khai sinh số 1/2026",
    )


# --- Appointment and code at reception ---------------------------------------------------------------------------


def test_received_just_before_tet_2026(world):
    # counter, Fri 13/2/2026 10:00: Fri 1.5 + 3.5 = 5 h; Tết Mon 16 – Fri 20/2 (and the weekends) off;
    # Mon 23/2 8 h (13); Tue 24/2 8 h (21); Wed 25/2 07:00 + 3 h → 10:00
    first = counter(world, at(2026, 2, 13, 10, 0))
    assert first.code == f"{AGENCY}-260213-0001"
    assert first.state == "received" and first.status_code == 2
    assert first.received_at == at(2026, 2, 13, 10, 0)
    assert first.due_at == at(2026, 2, 25, 10, 0)
    # filed online Thu 12/2 20:00, received Fri 13/2 16:30 — the second number of the centre that day.
    # Fri 0.5 h; Mon 23/2 8 (8.5); Tue 24/2 8 (16.5); Wed 25/2 4.5 (21) + 13:30 + 3 h → 16:30
    second = online(world, at(2026, 2, 12, 20, 0), at(2026, 2, 13, 16, 30))
    assert second.code == f"{AGENCY}-260213-0002"
    assert second.due_at == at(2026, 2, 25, 16, 30)
    # transfer allowance: received at 16:30 (after 15:00) → the next working morning, Mon 23/2 11:30;
    # transferred Mon 23/2 10:00, inside the 07:00–11:30 session → on time
    act(at(2026, 2, 23, 10, 0), services.dossier_transfer, dossier_id=second.pk, actor=world.reception)
    row = ControlSlipRow.objects.get(dossier=second, step="transfer")
    assert row.allowed_until == at(2026, 2, 23, 11, 30)
    assert row.timeliness == "on_time"
    # the first one, received at 10:00, must be handed over the same day (17:00); handed on Mon 23/2 → late
    act(at(2026, 2, 23, 10, 5), services.dossier_transfer, dossier_id=first.pk, actor=world.reception)
    row = ControlSlipRow.objects.get(dossier=first, step="transfer")
    assert row.allowed_until == at(2026, 2, 13, 17, 0)
    assert row.timeliness == "late"


def test_received_just_before_tet_2027(world):
    # Wed 3/2/2027 09:00: Wed 2.5 + 3.5 = 6 h; Thu 4 – Wed 10/2 off; Thu 11/2 8 (14); Fri 12/2 8 (22);
    # Mon 15/2 07:00 + 2 h → 09:00
    before = counter(world, at(2027, 2, 3, 9, 0))
    assert before.code == f"{AGENCY}-270203-0001"
    assert before.due_at == at(2027, 2, 15, 9, 0)
    # filed online during Tết (Sat 6/2/2027), received on the first working day Thu 11/2 07:00:
    # Thu 8, Fri 8, Mon 15/2 8 → Mon 15/2 17:00; the code carries the reception day, not the filing day
    after = online(world, at(2027, 2, 6, 21, 0), at(2027, 2, 11, 7, 0))
    assert after.code == f"{AGENCY}-270211-0001"
    assert after.due_at == at(2027, 2, 15, 17, 0)


def test_counter_reception_on_the_make_up_saturday(world):
    # Sat 22/8/2026 is a working day (swapped with Mon 31/8). 08:00: Sat 3.5 + 3.5 = 7 h; Sun off; Mon 24/8 8 (15);
    # Tue 25/8 8 (23); Wed 26/8 07:00 + 1 h → 08:00
    dossier = counter(world, at(2026, 8, 22, 8, 0))
    assert dossier.code == f"{AGENCY}-260822-0001"
    assert dossier.due_at == at(2026, 8, 26, 8, 0)
    # another centre keeps its own sequence the same day; this centre's next number is 0002
    elsewhere = counter(world, at(2026, 8, 22, 8, 5), actor=world.other_reception, centre=world.other_centre)
    assert elsewhere.code == f"{world.other_centre.agency_code}-260822-0001"
    assert counter(world, at(2026, 8, 22, 9, 0)).code == f"{AGENCY}-260822-0002"
    # a new day starts again at 0001
    assert counter(world, at(2026, 8, 24, 7, 30)).code == f"{AGENCY}-260824-0001"
    assert DailySequence.objects.get(centre=world.centre, day=datetime.date(2026, 8, 22)).last == 2
    # decided Wed 26/8 07:59: inside the session (07:00–11:30) that contains the due moment 08:00 → on time
    to_processing(world, dossier, at(2026, 8, 22, 9, 0))
    dossier = decide(world, dossier, at(2026, 8, 26, 7, 59))
    assert dossier.finished_at == at(2026, 8, 26, 7, 59)
    assert dossier.timeliness == "on_time"


def test_receptions_outside_working_hours(world):
    # Mon 9/3/2026 18:30: counts from Tue 10/3 07:00; Tue, Wed, Thu → Thu 12/3 17:00; code of the reception day
    evening = counter(world, at(2026, 3, 9, 18, 30))
    assert evening.code == f"{AGENCY}-260309-0001"
    assert evening.due_at == at(2026, 3, 12, 17, 0)
    # received after 15:00 (here after 17:00): hand over by the next working morning, Tue 10/3 11:30;
    # handed Tue 08:00, inside the 07:00–11:30 session → on time
    act(at(2026, 3, 10, 8, 0), services.dossier_transfer, dossier_id=evening.pk, actor=world.reception)
    row = ControlSlipRow.objects.get(dossier=evening, step="transfer")
    assert (row.allowed_until, row.timeliness) == (at(2026, 3, 10, 11, 30), "on_time")
    # online, received on Sunday 15/3 10:00: counts from Mon 16/3 07:00 → Wed 18/3 17:00
    sunday = online(world, at(2026, 3, 14, 9, 0), at(2026, 3, 15, 10, 0))
    assert sunday.code == f"{AGENCY}-260315-0001"
    assert sunday.due_at == at(2026, 3, 18, 17, 0)
    # before 07:00, Tue 10/3 06:40: from 07:00, Tue, Wed, Thu → Thu 12/3 17:00
    early_bird = counter(world, at(2026, 3, 10, 6, 40))
    assert early_bird.due_at == at(2026, 3, 12, 17, 0)
    # a 1-working-day procedure received at lunch, Tue 10/3 12:15: from 13:30, 3.5 h; Wed 11/3 07:00 + 4.5 h
    # → 11:30 (the morning session's end, not 13:30)
    procedure_version(code="1.000001", name="Thủ tục một ngày", time_value="1")
    lunch = counter(world, at(2026, 3, 10, 12, 15), code="1.000001")
    assert lunch.due_at == at(2026, 3, 11, 11, 30)
    assert lunch.code == f"{AGENCY}-260310-0002"


def test_calendar_days_procedure_ending_on_a_weekend(world):
    # 5 calendar days from Mon 9/3/2026 (the day itself not counted) → Sat 14/3, not worked → Mon 16/3 17:00
    procedure_version(code="1.000002", name="Thủ tục năm ngày", time_value="5", time_unit="days")
    dossier = counter(world, at(2026, 3, 9, 10, 0), code="1.000002")
    assert dossier.due_at == at(2026, 3, 16, 17, 0)


def test_due_moment_exactly_at_17h_and_the_classes_around_it(world):
    # Mon 9/3/2026 07:00 + 24 h = Mon, Tue, Wed 11/3 → 17:00 exactly (not Thu 07:00). The session containing
    # 17:00 starts at 13:30: finished 13:29 early, 13:30 on time, 17:00 on time, 17:01 late
    finished = {
        at(2026, 3, 11, 13, 29): "early",
        at(2026, 3, 11, 13, 30): "on_time",
        at(2026, 3, 11, 17, 0): "on_time",
        at(2026, 3, 11, 17, 1): "late",
    }
    for number, (moment, expected) in enumerate(finished.items(), start=1):
        dossier = counter(world, at(2026, 3, 9, 7, 0))
        assert dossier.code == f"{AGENCY}-260309-{number:04d}"
        assert dossier.due_at == at(2026, 3, 11, 17, 0)
        to_processing(world, dossier, at(2026, 3, 9, 8, 0))
        dossier = decide(world, dossier, moment)
        assert (dossier.finished_at, dossier.timeliness) == (moment, expected)
        assert dossier.status_code == 9


# --- Supplement pauses -------------------------------------------------------------------------------------------


def test_supplement_pause_across_tet_2026(world):
    # received Wed 11/2/2026 09:00: Wed 6, Thu 8 (14), Fri 8 (22), Mon 23/2 07:00 + 2 → due Mon 23/2 09:00
    dossier = counter(world, at(2026, 2, 11, 9, 0))
    assert dossier.due_at == at(2026, 2, 23, 9, 0)
    to_processing(world, dossier, at(2026, 2, 11, 9, 30))
    # paused Thu 12/2 14:00: Thu 3 h + Fri 8 h + Mon 2 h = 13 h = 46 800 s left; Tết is not counted
    dossier = request_supplement(world, dossier, at(2026, 2, 12, 14, 0))
    assert dossier.state == "supplement_requested" and dossier.status_code == 5
    assert dossier.paused_at == at(2026, 2, 12, 14, 0)
    assert dossier.remaining_seconds == 46_800
    assert dossier.supplement_count == 1
    assert dossier.due_at == at(2026, 2, 23, 9, 0)  # unchanged while the clock stands
    # supplemented Tue 24/2 10:00: Tue 1.5 + 3.5 = 5 h; Wed 25/2 8 h → 13 h at Wed 25/2 17:00
    dossier = supplement(world, dossier, at(2026, 2, 24, 10, 0))
    assert dossier.due_at == at(2026, 2, 25, 17, 0)
    assert dossier.paused_at is None and dossier.remaining_seconds is None
    pause = Pause.objects.get(dossier=dossier)
    assert (pause.started_at, pause.ended_at, pause.remaining_seconds) == (
        at(2026, 2, 12, 14, 0),
        at(2026, 2, 24, 10, 0),
        46_800,
    )
    # decided Wed 25/2 14:00: in the 13:30–17:00 session containing the due moment → on time
    dossier = decide(world, dossier, at(2026, 2, 25, 14, 0))
    assert dossier.timeliness == "on_time"
    assert dossier.supplement_count == 1


def test_supplement_pause_across_24_11(world):
    # received Fri 20/11/2026 10:00: Fri 5, Mon 23/11 8 (13), Tue 24/11 off, Wed 25/11 8 (21), Thu 26/11 3 → 10:00
    dossier = counter(world, at(2026, 11, 20, 10, 0))
    assert dossier.due_at == at(2026, 11, 26, 10, 0)
    to_processing(world, dossier, at(2026, 11, 20, 10, 30))
    # paused Mon 23/11 16:00: Mon 1 + Wed 8 + Thu 3 = 12 h
    dossier = request_supplement(world, dossier, at(2026, 11, 23, 16, 0))
    assert dossier.remaining_seconds == 12 * 3600
    # supplemented on the holiday Tue 24/11 09:00: the clock restarts Wed 25/11 07:00; Wed 8, Thu 07:00 + 4 → 11:00
    dossier = supplement(world, dossier, at(2026, 11, 24, 9, 0))
    assert dossier.due_at == at(2026, 11, 26, 11, 0)
    dossier = decide(world, dossier, at(2026, 11, 26, 11, 1))
    assert dossier.timeliness == "late"


def test_two_supplement_requests_make_the_dossier_late_even_when_early(world):
    # received Mon 9/3/2026 07:00 → due Wed 11/3 17:00
    dossier = counter(world, at(2026, 3, 9, 7, 0))
    to_processing(world, dossier, at(2026, 3, 9, 7, 30))
    # pause 1 Mon 08:00: 3.5 + 3.5 + 8 + 8 = 23 h; resumed 09:00: Mon 2.5 + 3.5 = 6, Tue (14), Wed (22),
    # Thu 12/3 07:00 + 1 → 08:00
    dossier = request_supplement(world, dossier, at(2026, 3, 9, 8, 0))
    assert dossier.remaining_seconds == 23 * 3600
    dossier = supplement(world, dossier, at(2026, 3, 9, 9, 0))
    assert dossier.due_at == at(2026, 3, 12, 8, 0)
    # pause 2 Mon 10:00: 1.5 + 3.5 + 8 + 8 + 1 = 22 h; resumed 10:30: Mon 1 + 3.5 = 4.5, Tue (12.5), Wed (20.5),
    # Thu 07:00 + 1.5 → 08:30
    dossier = request_supplement(world, dossier, at(2026, 3, 9, 10, 0))
    assert dossier.remaining_seconds == 22 * 3600
    dossier = supplement(world, dossier, at(2026, 3, 9, 10, 30))
    assert dossier.due_at == at(2026, 3, 12, 8, 30)
    assert dossier.supplement_count == 2
    assert list(Pause.objects.filter(dossier=dossier).values_list("started_at", "ended_at")) == [
        (at(2026, 3, 9, 8, 0), at(2026, 3, 9, 9, 0)),
        (at(2026, 3, 9, 10, 0), at(2026, 3, 9, 10, 30)),
    ]
    # decided Mon 9/3 14:00, three days before the due moment — still late
    dossier = decide(world, dossier, at(2026, 3, 9, 14, 0))
    assert dossier.timeliness == "late"


def test_stopped_while_paused_ends_the_pause(world):
    # received Mon 9/3/2026 07:00 → due Wed 11/3 17:00; paused Tue 10/3 13:30: Tue 3.5 + Wed 8 = 11.5 h
    dossier = counter(world, at(2026, 3, 9, 7, 0))
    to_processing(world, dossier, at(2026, 3, 9, 8, 0))
    dossier = request_supplement(world, dossier, at(2026, 3, 10, 13, 30))
    assert dossier.remaining_seconds == 41_400
    # stopped Mon 16/3 09:00 (form 05): the pause ends there → Mon 2.5 + 3.5 = 6; Tue 17/3 4.5 (10.5) +
    # 13:30 + 1 → 14:30; finished before 13:30 of Tue 17/3 → early
    dossier = act(
        at(2026, 3, 16, 9, 0), services.dossier_stop, dossier_id=dossier.pk, actor=world.leader, reason="Không bổ sung"
    )
    assert dossier.status_code == 8
    assert dossier.due_at == at(2026, 3, 17, 14, 30)
    assert dossier.finished_at == at(2026, 3, 16, 9, 0)
    assert dossier.timeliness == "early"
    assert Pause.objects.get(dossier=dossier).ended_at == at(2026, 3, 16, 9, 0)


# --- The extension of form 04 --------------------------------------------------------------------------------


def test_extension_does_not_make_a_late_dossier_on_time_and_happens_once(world):
    # received Mon 9/3/2026 07:00 → due Wed 11/3 17:00
    dossier = counter(world, at(2026, 3, 9, 7, 0))
    to_processing(world, dossier, at(2026, 3, 9, 8, 0))
    # Thu 12/3 09:00, already late: apology letter with a new date Fri 13/3 17:00
    dossier = act(
        at(2026, 3, 12, 9, 0),
        services.dossier_extend,
        dossier_id=dossier.pk,
        actor=world.handler,
        reason="Cần xác minh thêm",
        new_due_at=at(2026, 3, 13, 17, 0),
    )
    assert dossier.extended_due_at == at(2026, 3, 13, 17, 0)
    assert dossier.extension_count == 1
    assert dossier.due_at == at(2026, 3, 11, 17, 0)  # the legal due moment stays
    version = dossier.version
    # a second extension is refused (409) and changes nothing
    with pytest.raises(services.InvalidTransition) as refused:
        act(
            at(2026, 3, 12, 10, 0),
            services.dossier_extend,
            dossier_id=dossier.pk,
            actor=world.leader,
            reason="Hẹn lại lần nữa",
            new_due_at=at(2026, 3, 20, 17, 0),
        )
    assert refused.value.status_code == 409
    assert refused.value.code == "already_extended"
    dossier.refresh_from_db()
    assert (dossier.version, dossier.extension_count, dossier.extended_due_at) == (
        version,
        1,
        at(2026, 3, 13, 17, 0),
    )
    # decided Fri 13/3 10:00, before the new date but after the legal due moment → late
    dossier = decide(world, dossier, at(2026, 3, 13, 10, 0))
    assert dossier.timeliness == "late"
    # returned the same day: the return step is measured against the new date; the dossier stays late
    dossier = act(at(2026, 3, 13, 11, 0), services.dossier_return, dossier_id=dossier.pk, actor=world.reception)
    assert dossier.timeliness == "late" and dossier.status_code == 10
    assert ControlSlipRow.objects.get(dossier=dossier, step="return").allowed_until == at(2026, 3, 13, 17, 0)
