"""A body larger than the portal accepts is refused from its declared length — 413, a clear message in the client's
language, nothing read, nothing written — and a request Django itself refuses (too many fields) answers in JSON."""

import json

import pytest

from dossiers.models import Document, Dossier
from dossiers.tests.factories import filing_body, filing_form, tiny_pdf

pytestmark = pytest.mark.django_db


def filing(world) -> dict:
    return filing_body(world)


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(world, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    client.force_login(world.citizen)
    body = filing(world)
    body["applicant"]["address"] = "Khu 3 " * 20_000  # ~120 kB
    response = client.post("/api/dossiers/", json.dumps(body), content_type="application/json")
    size = len(json.dumps(body).encode())
    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        # sizes as Django writes them (filesizeformat): Vietnamese decimal comma, a non-breaking space
        "detail": f"Dữ liệu gửi lên quá lớn: {size / 1024:.1f}\u00a0KB, tối đa 64,0\u00a0KB.".replace(".", ",", 1),
    }
    assert response["Connection"] == "close"
    english = client.post(
        "/api/dossiers/", json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 413
    assert english.json()["detail"] == f"The data sent is too large: {size / 1024:.1f}\u00a0KB, at most 64.0\u00a0KB."
    assert Dossier.objects.count() == 0


def test_files_over_what_a_dossier_may_hold_are_refused_before_they_are_stored(world, client, settings, private_dir):
    settings.DOSSIER_DOCUMENTS_MAX_BYTES = 200 * 1024
    client.force_login(world.citizen)
    big = tiny_pdf("to-khai-lon.pdf")
    big.file.write(b"%" * (1400 * 1024))  # a comment after %%EOF: 1.4 MB
    big.file.seek(0)
    documents = [{"file": big, "component_id": None, "is_original_scan": False}]
    response = client.post("/api/dossiers/", filing_form(filing(world), documents))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "tối đa 1,2\u00a0MB" in response.json()["detail"]  # 200 kB of documents + 1 MB for the form around them
    assert (Dossier.objects.count(), Document.objects.count()) == (0, 0)
    assert not private_dir.exists() or not any(path.is_file() for path in private_dir.rglob("*"))


def test_a_filing_within_the_limits_goes_through(world, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    client.force_login(world.citizen)
    response = client.post("/api/dossiers/", filing_form(filing(world)))
    assert response.status_code == 201, response.content.decode()


def test_too_many_fields_answer_in_json_on_the_api(world, client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    client.force_login(world.citizen)
    form = filing_form(filing(world)) | {f"extra{number}": "x" for number in range(50)}
    response = client.post("/api/dossiers/", form)
    assert response.status_code == 400
    assert response.json() == {"code": "bad_request", "detail": "Yêu cầu không hợp lệ."}


def test_a_page_gets_the_message_as_a_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/tra-cuu/", "x" * 5000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in response.content.decode()
