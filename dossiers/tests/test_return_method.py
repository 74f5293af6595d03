"""How the result reaches the applicant (issue 11: "the return point (counter, post, online)"): at a centre's
counter, by public post to an address, or — for a fully online procedure only — as an electronic result. Checked by
the filing service, accepted and shown by the API, printed on form 01, said by the lookup's next step."""

import pytest

from dossiers.lookup import next_step
from dossiers.models import ReturnMethod
from dossiers.slips.context import slip_context
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from portal.common.errors import InvalidInput
from procedures.models import OnlineLevel, ProcedureVersion

pytestmark = pytest.mark.django_db
ADDRESS = "Số 5, khu 3, xã Pà Cò, tỉnh Phú Thọ"


def test_the_counter_is_the_default(world):
    dossier = file_online(world.citizen, world.centre)
    assert dossier.return_method == ReturnMethod.COUNTER and dossier.return_address == ""


def test_by_post_needs_an_address_and_keeps_it(world):
    with pytest.raises(InvalidInput) as missing:
        file_online(world.citizen, world.centre, return_method="post")
    assert "return_address" in missing.value.extra["fields"]
    dossier = file_online(world.citizen, world.centre, return_method="post", return_address=f"  {ADDRESS} ")
    assert dossier.return_method == ReturnMethod.POST and dossier.return_address == ADDRESS
    assert ADDRESS in dossier.return_place()


def test_online_only_for_a_fully_online_procedure(world):
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(online_level=OnlineLevel.PARTIAL)
    with pytest.raises(InvalidInput) as refused:
        file_online(world.citizen, world.centre, return_method="online")
    assert "return_method" in refused.value.extra["fields"]
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(online_level=OnlineLevel.FULL)
    dossier = file_online(world.citizen, world.centre, return_method="online", return_address="ignored")
    assert dossier.return_method == ReturnMethod.ONLINE and dossier.return_address == ""


def test_an_unknown_method_is_refused(world):
    with pytest.raises(InvalidInput):
        file_online(world.citizen, world.centre, return_method="pigeon")


def test_the_receipt_and_the_lookup_say_how_the_result_comes(world):
    dossier = file_online(world.citizen, world.centre, return_method="post", return_address=ADDRESS)
    received = walk(world, dossier, PATHS[State.RECEIVED])
    context = slip_context(received, "01")
    assert context["return_place"].startswith("Qua dịch vụ bưu chính công ích, gửi đến: " + ADDRESS)
    ready = walk(world, received, PATHS[State.RESULT_READY][len(PATHS[State.RECEIVED]) :])
    assert next_step(ready) == f"Kết quả đã có và sẽ được gửi qua bưu chính đến {ADDRESS}."


def test_the_api_takes_and_shows_it(world, client):
    from dossiers.tests.factories import required_documents

    client.force_login(world.citizen)
    documents = required_documents("1.001193")
    body = {
        "procedure": "1.001193",
        "reception_centre": world.centre.agency_code,
        "channel": "online",
        "return_method": "post",
        "return_address": ADDRESS,
        "applicant.name": "Nguyễn Thị Hoa",
        "applicant.id_number": world.citizen.id_number,
        "applicant.phone": "0912345678",
        "documents": [item["file"] for item in documents],
        "components": [item["component_id"] for item in documents],
    }
    response = client.post("/api/dossiers/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["return_method"] == "post" and data["return_address"] == ADDRESS
    assert data["return_method_label"] == "Nhận qua dịch vụ bưu chính công ích"
