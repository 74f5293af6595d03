"""Documents over the API: filing as multipart, uploads, the scoped and audited download, paper
components — and that no file is reachable under a public URL."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve

from dossiers.models import Document, DocumentDownload, Dossier, ReceivedComponent
from dossiers.tests.factories import (
    _tiny_pdf_bytes,
    file_online,
    filing_body,
    filing_form,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
)
from dossiers.tests.states import PATHS, walk
from dossiers.tests.test_documents import BAD_FILES, MB, _exe, component, stored
from dossiers.workflow import State

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_dir")]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def body(world, **changes) -> dict:
    return filing_body(world, **changes)


def documents_url(dossier) -> str:
    return f"/api/dossiers/{dossier.pk}/documents/"


def written(private_dir) -> tuple[int, int, int]:
    return Dossier.objects.count(), Document.objects.count(), len(stored(private_dir))


# --- Filing ------------------------------------------------------------------------------------------------


def test_filing_as_json_lists_the_missing_mandatory_components(world, client, private_dir):
    client.force_login(world.citizen)
    response = client.post("/api/dossiers/", body(world), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "missing_components",
        "detail": "Hồ sơ còn thiếu thành phần bắt buộc: Tờ khai đăng ký khai sinh.",
        "fields": {"documents": ['Chưa có tệp cho "Tờ khai đăng ký khai sinh".']},
        "missing_components": [{"id": component().pk, "name": "Tờ khai đăng ký khai sinh"}],
    }
    english = client.post("/api/dossiers/", body(world), content_type="application/json", **EN)
    assert english.json()["detail"] == "The dossier lacks mandatory components: Tờ khai đăng ký khai sinh."
    assert written(private_dir) == (0, 0, 0)


def test_filing_as_multipart_stores_the_files_and_shows_them(world, client, private_dir):
    client.force_login(world.citizen)
    form = filing_form(
        body(world),
        [
            {"file": tiny_pdf("Tờ khai khai sinh.pdf"), "component_id": component().pk, "is_original_scan": True},
            {"file": tiny_jpeg("cccd.jpg"), "component_id": None},
        ],
    )
    response = client.post("/api/dossiers/", form, HTTP_IDEMPOTENCY_KEY="nop-1")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "filed" and response["ETag"] == '"1"'
    form_doc, other = data["documents"]
    document = Document.objects.get(pk=form_doc["id"])
    assert form_doc == {
        "id": document.pk,
        "kind": "component",
        "component": component().pk,
        "component_name": "Tờ khai đăng ký khai sinh",
        "name": "Tờ khai khai sinh.pdf",
        "content_type": "application/pdf",
        "size": len(_tiny_pdf_bytes()),
        "sha256": hashlib.sha256(_tiny_pdf_bytes()).hexdigest(),
        "is_original_scan": True,
        "uploaded_by": "Nguyễn Thị Hoa",
        "uploaded_at": form_doc["uploaded_at"],
        "download": f"/api/dossiers/{data['id']}/documents/{document.pk}/download/",
    }
    assert (other["component"], other["content_type"], other["is_original_scan"]) == (None, "image/jpeg", False)
    assert data["paper_components"] == []
    assert written(private_dir) == (1, 2, 2)
    # a retry with the same key answers with the first dossier and stores nothing more
    again = client.post("/api/dossiers/", filing_form(body(world)), HTTP_IDEMPOTENCY_KEY="nop-1")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert written(private_dir) == (1, 2, 2)


def test_the_applicant_may_come_as_separate_form_parts(world, client):
    client.force_login(world.citizen)
    form = filing_form(body(world))
    del form["applicant"]
    form.update({f"applicant.{key}": value for key, value in body(world)["applicant"].items()})
    response = client.post("/api/dossiers/", form)
    assert response.status_code == 201, response.json()
    assert response.json()["applicant_name"] == "Nguyễn Thị Hoa"


def test_a_disguised_file_in_a_filing_is_a_400_naming_it_and_nothing_is_stored(world, client, private_dir):
    client.force_login(world.citizen)
    disguised = SimpleUploadedFile("giay-khai-sinh.pdf", _exe(), content_type="application/pdf")
    form = filing_form(body(world), [{"file": disguised, "component_id": component().pk}])
    response = client.post("/api/dossiers/", form)
    assert response.status_code == 400
    message = 'Tệp "giay-khai-sinh.pdf": không phải PDF, JPEG hoặc PNG hợp lệ.'
    assert response.json() == {
        "code": "invalid_file",
        "detail": message,
        "fields": {"documents": [message]},
        "files": [{"name": "giay-khai-sinh.pdf", "reason": "not_allowed"}],
    }
    assert written(private_dir) == (0, 0, 0)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"components": ["1", "2", "3"]}, "components", "Cần đúng một giá trị cho mỗi tệp (1 tệp)."),
        ({"original_scans": ["true", "false"]}, "original_scans", "Cần đúng một giá trị cho mỗi tệp (1 tệp)."),
        ({"components": ["tờ khai"]}, "components", 'Thành phần hồ sơ phải là mã số thành phần hoặc "other".'),
        ({"applicant": "{not json"}, "applicant", "Phần applicant phải là JSON."),
    ],
)
def test_badly_described_files_are_a_400(world, client, private_dir, change, field, message):
    client.force_login(world.citizen)
    response = client.post("/api/dossiers/", {**filing_form(body(world)), **change})
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert written(private_dir) == (0, 0, 0)


def test_counter_reception_over_the_api_takes_paper_components(world, client):
    client.force_login(world.reception)
    items = [{"component": component().pk, "copy_kind": "original", "count": 1}, {"name": "Giấy chứng sinh"}]
    response = client.post(
        "/api/dossiers/",
        body(world, channel="direct", paper_components=items),
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    rows = response.json()["paper_components"]
    assert [(r["component"], r["name"], r["copy_kind"], r["count"], r["received_by"]) for r in rows] == [
        (component().pk, "Tờ khai đăng ký khai sinh", "original", 1, str(world.reception)),
        (None, "Giấy chứng sinh", "original", 1, str(world.reception)),
    ]
    assert response.json()["documents"] == []


# --- Uploading ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "content", "reason", "text"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_upload_is_a_400_naming_the_file_and_nothing_is_stored(
    world, client, private_dir, name, content_type, content, reason, text
):
    dossier = file_online(world.citizen, world.centre)
    before = written(private_dir)
    client.force_login(world.citizen)
    upload = SimpleUploadedFile(name, content(), content_type=content_type)
    response = client.post(documents_url(dossier), {"file": upload, "component": component().pk})
    assert response.status_code == 400
    message = f'Tệp "{name}": {text}'
    assert response.json() == {
        "code": "invalid_file",
        "detail": message,
        "fields": {"file": [message]},
        "files": [{"name": name, "reason": reason}],
    }
    assert written(private_dir) == before


def test_an_oversize_upload_is_a_400_at_the_default_and_at_a_configured_limit(world, client, settings, private_dir):
    dossier = file_online(world.citizen, world.centre)
    before = written(private_dir)
    client.force_login(world.citizen)
    big = SimpleUploadedFile("lon.pdf", b"%PDF-1.7\n" + b"0" * (10 * MB + 1 - 9), content_type="application/pdf")
    response = client.post(documents_url(dossier), {"file": big})
    assert response.status_code == 400
    assert response.json()["detail"] == 'Tệp "lon.pdf": vượt quá 10 MB cho một tệp.'
    settings.DOCUMENT_MAX_BYTES = 1536
    response = client.post(documents_url(dossier), {"file": tiny_jpeg("ảnh.jpg", size=(200, 150))}, **EN)
    assert response.status_code == 400
    assert response.json()["detail"] == 'File "ảnh.jpg": larger than 1.5 KB, the limit for one file.'
    assert written(private_dir) == before


def test_the_dossier_total_is_a_400_over_the_api(world, client, settings, private_dir):
    dossier = file_online(world.citizen, world.centre)
    settings.DOSSIER_DOCUMENTS_MAX_BYTES = len(_tiny_pdf_bytes()) + 100
    client.force_login(world.citizen)
    response = client.post(documents_url(dossier), {"file": tiny_pdf()})
    assert response.status_code == 400 and response.json()["code"] == "documents_too_large"
    assert list(response.json()["fields"]) == ["file"]
    assert dossier.documents.count() == 1


def test_uploads_by_role_over_the_api(world, client, private_dir):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    client.force_login(world.reception)
    scan = client.post(documents_url(dossier), {"file": tiny_png("scan.png"), "is_original_scan": "true"})
    assert scan.status_code == 201, scan.json()
    assert (scan.json()["kind"], scan.json()["is_original_scan"], scan.json()["uploaded_by"]) == (
        "component",
        True,
        str(world.reception),
    )
    client.force_login(world.leader)
    result = client.post(documents_url(dossier), {"file": tiny_pdf("ket-qua.pdf"), "kind": "result", "component": ""})
    assert result.status_code == 201, result.json()
    assert (result.json()["kind"], result.json()["component"]) == ("result", None)
    client.force_login(world.citizen)
    refused = client.post(documents_url(dossier), {"file": tiny_pdf()})
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_state"
    stale = client.post(documents_url(dossier), {"file": tiny_pdf(), "kind": "result"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    client.force_login(world.handler)
    forbidden = client.post(documents_url(dossier), {"file": tiny_pdf()})
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    assert dossier.documents.count() == 3 and len(stored(private_dir)) == 3
    json_body = client.post(documents_url(dossier), {"kind": "result"}, content_type="application/json")
    assert json_body.status_code == 415


# --- Listing and downloading -------------------------------------------------------------------------------


def test_the_list_is_scoped_and_out_of_scope_is_exactly_like_unknown(world, client):
    dossier = file_online(world.citizen, world.centre)
    client.force_login(world.citizen)
    listed = client.get(documents_url(dossier))
    assert listed.status_code == 200
    assert [d["component_name"] for d in listed.json()] == ["Tờ khai đăng ký khai sinh"]
    client.force_login(world.other_citizen)
    hidden = client.get(documents_url(dossier))
    unknown = client.get("/api/dossiers/999999/documents/")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.content == unknown.content == '{"code":"not_found","detail":"Không tìm thấy."}'.encode()
    upload = client.post(documents_url(dossier), {"file": tiny_pdf()})
    assert upload.status_code == 404 and upload.content == unknown.content


def test_the_download_streams_the_file_as_an_attachment_and_is_recorded(world, client):
    name = "Tờ khai của bà Hoa.pdf"
    dossier = file_online(
        world.citizen, world.centre, documents=[{"file": tiny_pdf(name), "component_id": component().pk}]
    )
    document = dossier.documents.get()
    client.force_login(world.reception)
    url = f"/api/dossiers/{dossier.pk}/documents/{document.pk}/download/"
    response = client.get(url, HTTP_ACCEPT="application/json")  # whatever Accept says
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == _tiny_pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(document.size)
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"To khai cua ba Hoa.pdf\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert list(DocumentDownload.objects.values_list("document_id", "user_id")) == [(document.pk, world.reception.pk)]


def test_a_download_out_of_scope_is_a_404_like_an_unknown_one_and_is_not_recorded(world, client):
    dossier = file_online(world.citizen, world.centre)
    mine = dossier.documents.get()
    other = file_online(world.other_citizen, world.other_centre).documents.get()
    client.force_login(world.other_reception)
    answers = [
        client.get(f"/api/dossiers/{dossier.pk}/documents/{mine.pk}/download/", HTTP_ACCEPT="application/pdf"),
        client.get(f"/api/dossiers/{other.dossier_id}/documents/{mine.pk}/download/"),  # a path that lies
        client.get(f"/api/dossiers/{dossier.pk}/documents/999999/download/"),
    ]
    for answer in answers:
        assert answer.status_code == 404 and answer["Content-Type"] == "application/json"
        assert answer.content == '{"code":"not_found","detail":"Không tìm thấy."}'.encode()
    assert DocumentDownload.objects.count() == 0
    anonymous = client.__class__().get(f"/api/dossiers/{dossier.pk}/documents/{mine.pk}/download/")
    assert anonymous.status_code in (401, 403) and DocumentDownload.objects.count() == 0


def test_no_file_is_reachable_under_a_public_url(world, client, settings, private_dir):
    document = file_online(world.citizen, world.centre).documents.get()
    assert (private_dir / document.file.name).is_file()
    client.force_login(world.citizen)
    for path in (
        f"{settings.MEDIA_URL}{document.file.name}",
        f"/media/{document.file.name}",
        f"/{document.file.name}",
        f"/private/{document.file.name}",
        f"/static/{document.file.name}",
    ):
        assert client.get(path).status_code == 404, path
        with pytest.raises(Resolver404):
            resolve(path)
    api = client.get(f"/api/dossiers/{document.dossier_id}/")
    assert document.file.name not in api.content.decode()  # the API never tells where the file is stored


# --- Paper components over the API ------------------------------------------------------------------------


def test_reception_records_paper_components_over_the_api(world, client):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    url = f"/api/dossiers/{dossier.pk}/paper-components/"
    items = {"items": [{"component": component().pk, "count": 1}, {"name": "Sổ hộ khẩu", "copy_kind": "copy"}]}
    client.force_login(world.citizen)
    assert client.post(url, items, content_type="application/json").status_code == 403
    client.force_login(world.other_reception)
    assert client.post(url, items, content_type="application/json").status_code == 404
    client.force_login(world.reception)
    bad = client.post(url, {"items": [{"name": "A", "count": 0}]}, content_type="application/json")
    assert bad.status_code == 400 and "items" in bad.json()["fields"]
    response = client.post(url, items, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert [(row["name"], row["copy_kind"], row["count"]) for row in response.json()] == [
        ("Tờ khai đăng ký khai sinh", "original", 1),
        ("Sổ hộ khẩu", "copy", 1),
    ]
    detail = client.get(f"/api/dossiers/{dossier.pk}/").json()
    assert [row["name"] for row in detail["paper_components"]] == ["Tờ khai đăng ký khai sinh", "Sổ hộ khẩu"]
    assert ReceivedComponent.objects.filter(dossier=dossier).count() == 2
