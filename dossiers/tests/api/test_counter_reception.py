"""Counter reception over the API (issue 12, points 3 and 4): completeness as the law requires — a dossier without a
mandatory component is not received (400 ``missing_components`` naming them, with the guidance slip's address,
nothing written, no code used) — and ``Idempotency-Key`` exactly as for online filing (a double click receives once
and prints one receipt), also when the two requests arrive at the same moment on PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from dossiers.models import AuditEvent, DailySequence, Dossier, IdempotencyKey, ReceivedComponent
from dossiers.tests.factories import APPLICANT, paper_for, tiny_pdf
from dossiers.tests.threads import run_in_threads
from portal.accounts.models import User
from procedures.models import Component, ProcedureVersion

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 3, 11, 9, 0, tzinfo=TZ)  # a Wednesday, a working day


def body(world, **changes) -> dict:
    return {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": "025190009999"},
        "reception_centre": world.centre.agency_code,
        "channel": "direct",
        **changes,
    }


def on_paper() -> list[dict]:
    return [
        {"component": row["component_id"], "copy_kind": row["copy_kind"], "count": row["count"]} for row in paper_for()
    ]


def post(client, data, **headers):
    return client.post("/api/dossiers/", json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def optional_component(world):
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    return Component.objects.create(version=version, order=2, name="Giấy ủy quyền (nếu có)", is_required=False)


@pytest.mark.django_db
def test_a_reception_without_the_mandatory_component_is_not_received(world, client):
    client.force_login(world.reception)
    mandatory = Component.objects.get(version__procedure__code="1.001193", is_required=True)
    for paper in (None, [], [{"name": "Giấy chứng sinh", "copy_kind": "original", "count": 1}]):
        data = body(world) if paper is None else body(world, paper_components=paper)
        response = post(client, data)
        assert response.status_code == 400, response.content
        answer = response.json()
        assert answer["code"] == "missing_components"
        assert "Tờ khai đăng ký khai sinh" in answer["detail"] and "chưa được tiếp nhận" in answer["detail"]
        assert answer["missing_components"] == [{"id": mandatory.pk, "name": "Tờ khai đăng ký khai sinh"}]
        assert answer["fields"] == {"paper_components": ['Chưa nhận "Tờ khai đăng ký khai sinh".']}
        assert answer["guidance_url"] == f"/can-bo/huong-dan/1.001193/?thieu={mandatory.pk}"
    assert Dossier.objects.count() == 0 and ReceivedComponent.objects.count() == 0
    assert not DailySequence.objects.exists()  # no code was used


@pytest.mark.django_db
def test_in_english_when_asked(world, client):
    client.force_login(world.reception)
    answer = post(client, body(world), HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["code"] == "missing_components" and "not been received" in answer["detail"]


@pytest.mark.django_db
def test_every_mandatory_component_on_paper_is_received(world, client, optional_component):
    client.force_login(world.reception)
    response = post(client, body(world, paper_components=on_paper()))
    assert response.status_code == 201, response.content
    dossier = response.json()
    assert dossier["state"] == "received" and dossier["code"].endswith("-0001")
    assert [row["name"] for row in dossier["paper_components"]] == ["Tờ khai đăng ký khai sinh"]  # optional: absent


@pytest.mark.django_db
def test_a_mandatory_component_scanned_at_the_counter_counts(world, client, private_dir):
    client.force_login(world.reception)
    mandatory = Component.objects.get(version__procedure__code="1.001193", is_required=True)
    form = {
        "procedure": "1.001193",
        "applicant": json.dumps({**APPLICANT, "id_number": "025190009999"}),
        "reception_centre": world.centre.agency_code,
        "channel": "direct",
        "documents": [tiny_pdf()],
        "components": [str(mandatory.pk)],
        "original_scans": ["true"],
    }
    response = client.post("/api/dossiers/", form)
    assert response.status_code == 201, response.content
    assert response.json()["paper_components"] == [] and len(response.json()["documents"]) == 1


@pytest.mark.django_db
def test_the_same_key_receives_once(world, client):
    client.force_login(world.reception)
    first = post(client, body(world, paper_components=on_paper()), HTTP_IDEMPOTENCY_KEY="quay-1-lan-1")
    again = post(client, body(world, paper_components=on_paper()), HTTP_IDEMPOTENCY_KEY="quay-1-lan-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1 and DailySequence.objects.get().last == 1  # one code used
    # a retry whose body no longer passes the checks still gets the first dossier
    broken = post(client, body(world), HTTP_IDEMPOTENCY_KEY="quay-1-lan-1")
    assert (broken.status_code, broken.json()["id"]) == (200, first.json()["id"])
    # another key is another reception; the same key by another officer is theirs
    other = post(client, body(world, paper_components=on_paper()), HTTP_IDEMPOTENCY_KEY="quay-1-lan-2")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    colleague = Client()
    colleague.force_login(_colleague(world))
    theirs = post(colleague, body(world, paper_components=on_paper()), HTTP_IDEMPOTENCY_KEY="quay-1-lan-1")
    assert theirs.status_code == 201 and theirs.json()["id"] not in (first.json()["id"], other.json()["id"])
    assert Dossier.objects.count() == 3 and DailySequence.objects.get().last == 3


def _colleague(world) -> User:
    from dossiers.tests.factories import staff
    from portal.accounts.models import StaffRole

    return staff(StaffRole.RECEPTION, centre=world.centre, username="reception-2")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_at_the_same_moment_receives_once(transactional_world):
    world = transactional_world
    data = body(world, paper_components=on_paper())
    with time_machine.travel(NOW, tick=False):

        def receive(index: int, barrier: threading.Barrier):
            client = Client()
            client.force_login(User.objects.get(pk=world.reception.pk))
            barrier.wait()
            response = post(client, data, HTTP_IDEMPOTENCY_KEY="nhan-tai-quay-1")
            return response.status_code, response.json().get("id"), response.json().get("code")

        results = run_in_threads(8, receive)

    assert Counter(status for status, _id, _code in results) == {201: 1, 200: 7}, results
    assert len({(dossier_id, code) for _status, dossier_id, code in results}) == 1
    assert Dossier.objects.count() == 1 and AuditEvent.objects.filter(action="receive_at_counter").count() == 1
    assert DailySequence.objects.get().last == 1  # one code, the next reception gets -0002
    assert IdempotencyKey.objects.filter(user=world.reception, key="nhan-tai-quay-1").count() == 1
