"""A dossier's whole life through the services, on frozen time."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers import services
from dossiers.models import AuditEvent, ControlSlipRow
from dossiers.tests.factories import file_online

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


def test_online_filing_to_rating(world):
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):  # Monday
        dossier = file_online(world.citizen, world.centre)
    assert dossier.state == "filed" and dossier.status_code == 1 and dossier.code is None
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        dossier = services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    assert dossier.code == "079.00.00.H25-261123-0001"
    # 24 working hours from Mon 23/11 10:00: Mon 5 h; Tue 24/11 is Vietnam Culture Day (off); Wed 8 h; Thu 8 h;
    # Fri 07:00–10:00 3 h → Fri 27/11 10:00
    assert dossier.due_at == at(2026, 11, 27, 10, 0)
    with time_machine.travel(at(2026, 11, 23, 10, 30), tick=False):
        dossier = services.dossier_transfer(dossier_id=dossier.pk, actor=world.reception)
        dossier = services.dossier_assign(dossier_id=dossier.pk, actor=world.leader, handler_id=world.handler.pk)
    with time_machine.travel(at(2026, 11, 23, 14, 0), tick=False):
        dossier = services.dossier_request_supplement(
            dossier_id=dossier.pk,
            actor=world.handler,
            reason="Thiếu giấy chứng sinh",
            missing_components=["Giấy chứng sinh"],
        )
    assert dossier.status_code == 5 and dossier.supplement_count == 1
    # left on the clock: Mon 14:00–17:00 (3 h) + Wed 8 h + Thu 8 h + Fri 07:00–10:00 (3 h) = 22 h
    assert dossier.remaining_seconds == 22 * 3600
    with time_machine.travel(at(2026, 11, 27, 8, 0), tick=False):  # Friday
        dossier = services.dossier_supplement(dossier_id=dossier.pk, actor=world.citizen)
    # 22 h from Fri 08:00: Fri 3.5 + 3.5 = 7 h; Mon 30/11 8 h (15 h); Tue 1/12 07:00–11:30 (19.5 h) + 2.5 h → 16:00
    assert dossier.due_at == at(2026, 12, 1, 16, 0)
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        dossier = services.dossier_decide(
            dossier_id=dossier.pk, actor=world.leader, outcome="approved", result_document="Giấy khai sinh số 12/2026"
        )
    assert dossier.status_code == 9 and dossier.timeliness == "early"
    with time_machine.travel(at(2026, 11, 30, 15, 0), tick=False):
        dossier = services.dossier_return(dossier_id=dossier.pk, actor=world.reception)
        dossier = services.dossier_rate(dossier_id=dossier.pk, actor=world.citizen, rating="very_satisfied")
    assert dossier.status_code == 10 and dossier.rating == "very_satisfied"
    actions = list(AuditEvent.objects.filter(dossier=dossier).values_list("action", flat=True))
    assert actions == [
        "file",
        "receive",
        "transfer",
        "assign",
        "request_supplement",
        "supplement",
        "decide",
        "return",
        "rate",
    ]
    assert ControlSlipRow.objects.filter(dossier=dossier).count() == len(actions)
    assert dossier.version == len(actions)
