"""An action's answer is built from the dossier the service locked and changed (no second read of the dossier); it
must be exactly what a fresh ``GET`` of the dossier gives, ETag included, at every step of a life."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers.tests.factories import APPLICANT, filing_form, paper_for, tiny_pdf

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture(params=["reference-cache-off", "reference-cache-on"])
def reference_cache(request):
    """Both ways: reading centres and versions from the database, and from the per-process cache."""
    if request.param == "reference-cache-on":
        request.getfixturevalue("reference_cache_on")
    return request.param


def same_as_a_fresh_read(client, response, *, status=200):
    assert response.status_code == status, response.content.decode()
    fresh = client.get(f"/api/dossiers/{response.json()['id']}/")
    assert fresh.status_code == 200
    assert response.json() == fresh.json()
    assert response["ETag"] == fresh["ETag"]
    return response.json()


def act(client, user, dossier, action, body=None, **headers):
    client.force_login(user)
    return client.post(
        f"/api/dossiers/{dossier['id']}/{action}/",
        json.dumps(body or {}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{dossier["version"]}"',
        **headers,
    )


def online_filing(world) -> dict:
    return {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": world.citizen.id_number},
        "reception_centre": world.centre.agency_code,
    }


@pytest.mark.postgres
def test_every_answer_is_a_fresh_read(world, client, reference_cache):
    body = online_filing(world)
    client.force_login(world.citizen)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):  # Monday
        dossier = same_as_a_fresh_read(client, client.post("/api/dossiers/", filing_form(body)), status=201)
    assert [event["action"] for event in dossier["events"]] == ["file"]
    assert len(dossier["documents"]) == 1 and dossier["control_slip"][0]["step"] == "file"

    steps = [
        (world.reception, "receive", {}, at(2026, 11, 23, 10, 0)),
        (world.reception, "transfer", {"note": "Chuyển UBND phường"}, at(2026, 11, 23, 10, 30)),
        (world.leader, "assign", {"handler": world.handler.pk}, at(2026, 11, 23, 11, 0)),
        (
            world.handler,
            "request-supplement",
            {"reason": "Thiếu giấy chứng sinh", "missing_components": ["Giấy chứng sinh"]},
            at(2026, 11, 23, 14, 0),
        ),
        (world.citizen, "supplement", {"note": "Đã bổ sung"}, at(2026, 11, 25, 8, 0)),
        (world.handler, "request-payment", {"amount_vnd": 8000}, at(2026, 11, 25, 9, 0)),
        (world.handler, "confirm-payment", {"paid_online": True}, at(2026, 11, 25, 9, 30)),
        (
            world.leader,
            "decide",
            {"outcome": "approved", "result_document": "Giấy khai sinh số 12/2026"},
            at(2026, 11, 26, 9, 0),
        ),
        (world.reception, "return", {}, at(2026, 11, 26, 15, 0)),
        (world.citizen, "rate", {"rating": "very_satisfied", "comment": "Nhanh gọn"}, at(2026, 11, 26, 16, 0)),
    ]
    for user, action, payload, moment in steps:
        with time_machine.travel(moment, tick=False):
            dossier = same_as_a_fresh_read(client, act(client, user, dossier, action, payload))
        assert dossier["events"][-1]["action"] == action.replace("-", "_")
        if action == "receive":  # a file scanned at the counter after reception shows in the next answer
            client.force_login(world.reception)
            upload = client.post(f"/api/dossiers/{dossier['id']}/documents/", {"file": tiny_pdf("bo-sung.pdf")})
            assert upload.status_code == 201, upload.content.decode()
            dossier = client.get(f"/api/dossiers/{dossier['id']}/").json()
    assert dossier["state"] == "returned" and dossier["rating"] == "very_satisfied"
    assert len(dossier["events"]) == 11 and len(dossier["pauses"]) == 1 and len(dossier["documents"]) == 2
    assert [slip["form"] for slip in dossier["slips"]] == ["01", "02", "06"]


@pytest.mark.postgres
def test_a_counter_reception_answers_as_a_fresh_read(world, client, reference_cache):
    body = {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": "025190009999"},
        "reception_centre": world.centre.agency_code,
        "channel": "direct",
        "paper_components": [
            *({"component": row["component_id"], "count": row["count"]} for row in paper_for()),
            {"name": "Giấy chứng sinh", "copy_kind": "original", "count": 1},
        ],
    }
    client.force_login(world.reception)
    response = client.post("/api/dossiers/", json.dumps(body), content_type="application/json")
    dossier = same_as_a_fresh_read(client, response, status=201)
    assert dossier["state"] == "received" and dossier["code"].startswith(world.centre.agency_code)
    assert [item["name"] for item in dossier["paper_components"]] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]


@pytest.mark.postgres
def test_a_refused_action_writes_nothing_and_the_next_answer_is_fresh(world, client, reference_cache):
    body = online_filing(world)
    client.force_login(world.citizen)
    dossier = client.post("/api/dossiers/", filing_form(body)).json()
    client.force_login(world.reception)
    before = client.get(f"/api/dossiers/{dossier['id']}/")
    # a transfer before reception: 409, and the dossier is as it was
    refused = act(client, world.reception, dossier, "transfer")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    after = client.get(f"/api/dossiers/{dossier['id']}/")
    assert after.json() == before.json() and after["ETag"] == before["ETag"] == '"1"'
    received = same_as_a_fresh_read(client, act(client, world.reception, dossier, "receive"))
    assert received["version"] == 2 and [event["action"] for event in received["events"]] == ["file", "receive"]
