import pytest

from dossiers.tests.factories import APPLICANT, filing_form

pytestmark = pytest.mark.django_db


def test_file_receive_and_stale_if_match(world, client):
    client.force_login(world.citizen)
    body = {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": world.citizen.id_number},
        "reception_centre": world.centre.agency_code,
    }
    response = client.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201, response.json()
    dossier_id = response.json()["id"]
    assert response["ETag"] == '"1"'
    again = client.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 200 and again.json()["id"] == dossier_id
    client.force_login(world.reception)
    stale = client.post(f"/api/dossiers/{dossier_id}/receive/", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ok = client.post(f"/api/dossiers/{dossier_id}/receive/", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["state"] == "received" and ok["ETag"] == '"2"'
    assert "transfer" in ok.json()["allowed_actions"]
    client.force_login(world.other_reception)
    assert client.get(f"/api/dossiers/{dossier_id}/").status_code == 404
