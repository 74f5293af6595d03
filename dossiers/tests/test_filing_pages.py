"""The filing pages ``/nop-ho-so/<code>/…`` through Django's test client: every step with good and bad input, resume
and start over, scope, log-in, CSRF, the JSON upload, and the idempotent submit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dossiers.models import Document, Dossier, FilingDraft
from dossiers.tests.factories import procedure_version, tiny_pdf, tiny_png
from procedures.models import Component

pytestmark = pytest.mark.django_db
CODE = "1.001193"


def url(name: str, **kwargs) -> str:
    return reverse(name, kwargs={"code": CODE, **kwargs})


@pytest.fixture
def citizen(world, private_dir):
    world.citizen.commune = world.centre.commune
    world.citizen.address = "Khu 3, phường Việt Trì"
    world.citizen.email = "hoa@example.vn"
    world.citizen.save()
    return world.citizen


@pytest.fixture
def client(citizen) -> Client:
    client = Client()
    client.force_login(citizen)
    return client


def component() -> Component:
    return Component.objects.get(version__procedure__code=CODE, is_required=True)


def start(client) -> FilingDraft:
    response = client.post(url("filing-start"), {"action": "start"})
    assert response.status_code == 302 and response["Location"] == url("filing-place")
    return FilingDraft.objects.get(procedure_code=CODE, submitted_at__isnull=True)


def to_review(client, world) -> FilingDraft:
    draft = start(client)
    assert client.post(url("filing-place"), {"reception_centre": world.centre.pk}).status_code == 302
    applicant = {"name": "Nguyễn Thị Hoa", "id_number": "025190001234", "phone": "0912 345 678", "email": ""}
    assert client.post(url("filing-applicant"), applicant).status_code == 302
    field = f"component-{component().pk}"
    response = client.post(url("filing-documents"), {field: tiny_pdf("tờ khai.pdf")})
    assert response.status_code == 302 and response["Location"] == url("filing-review")
    return draft


def test_anonymous_is_sent_to_the_login_page_with_next(world):
    for name in ("filing-start", "filing-place", "filing-applicant", "filing-documents", "filing-review"):
        response = Client().get(url(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=/nop-ho-so/")
    response = Client().post(url("filing-upload"), {"component": "1"})
    assert response.status_code == 401


def test_start_page_lists_the_components_and_a_new_draft_is_prefilled_from_the_profile(client, world, citizen):
    response = client.get(url("filing-start"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tờ khai đăng ký khai sinh" in text and "bắt buộc" in text and "Bắt đầu" in text
    draft = start(client)
    assert draft.owner == citizen
    assert draft.data["place"]["reception_centre_id"] == world.centre.pk  # the profile's commune centre
    assert draft.data["applicant"]["id_number"] == citizen.id_number
    page = client.get(url("filing-place")).content.decode()
    assert f'<option value="{world.centre.pk}" selected>' in page
    assert "Bước 1/4" in page
    page = client.get(url("filing-applicant")).content.decode()
    assert f'value="{citizen.id_number}"' in page and 'value="hoa@example.vn"' in page


def test_resume_and_start_over(client, world):
    draft = start(client)
    client.post(url("filing-place"), {"reception_centre": world.other_centre.pk})
    page = client.get(url("filing-start")).content.decode()
    assert "Tiếp tục hồ sơ nộp dở" in page and "Bắt đầu lại từ đầu" in page
    response = client.post(url("filing-start"), {"action": "continue"})
    assert response["Location"] == url("filing-applicant")  # the first unfinished step
    assert FilingDraft.objects.get().pk == draft.pk
    client.post(url("filing-start"), {"action": "restart"})
    fresh = FilingDraft.objects.get()
    assert fresh.pk != draft.pk and fresh.data["done"] == []


def test_wizard_pages_without_a_draft_go_back_to_the_start(client):
    for name in ("filing-place", "filing-applicant", "filing-documents", "filing-review"):
        response = client.get(url(name))
        assert response.status_code == 302 and response["Location"] == url("filing-start")


def test_place_step_refuses_an_unknown_centre(client, world):
    start(client)
    response = client.post(url("filing-place"), {"reception_centre": "999999"})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#reception_centre"' in text and "Trung tâm tiếp nhận không tồn tại." in text
    response = client.post(url("filing-place"), {"reception_centre": ""})
    assert response.status_code == 400 and "Hãy chọn trung tâm tiếp nhận hồ sơ." in response.content.decode()


def test_any_centre_and_another_return_centre(client, world):
    draft = start(client)
    body = {"reception_centre": world.other_centre.pk, "return_centre": world.centre.pk, "commune": ""}
    assert client.post(url("filing-place"), body).status_code == 302
    draft.refresh_from_db()
    assert draft.data["place"] == {
        "reception_centre_id": world.other_centre.pk,
        "return_centre_id": world.centre.pk,
        "commune_code": "",
        "return_method": "counter",
        "return_address": "",
    }


def test_the_result_by_post_to_an_address(client, world):
    draft = start(client)
    body = {"reception_centre": world.centre.pk, "return_method": "post", "return_address": ""}
    response = client.post(url("filing-place"), body)
    text = response.content.decode()
    assert response.status_code == 400 and 'href="#return_address"' in text and 'id="return_address-error"' in text
    body["return_address"] = "Khu 3, xã Pà Cò"
    assert client.post(url("filing-place"), body).status_code == 302
    draft.refresh_from_db()
    assert draft.data["place"]["return_method"] == "post"
    assert draft.data["place"]["return_address"] == "Khu 3, xã Pà Cò"


def test_online_return_is_offered_only_for_a_fully_online_procedure(client, world):
    from procedures.models import OnlineLevel, ProcedureVersion

    start(client)
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(online_level=OnlineLevel.PARTIAL)
    assert 'value="online"' not in client.get(url("filing-place")).content.decode()
    refused = client.post(url("filing-place"), {"reception_centre": world.centre.pk, "return_method": "online"})
    assert refused.status_code == 400 and 'href="#return_method"' in refused.content.decode()
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(online_level=OnlineLevel.FULL)
    assert 'value="online"' in client.get(url("filing-place")).content.decode()


def test_applicant_step_reports_every_bad_field_beside_it(client, world):
    start(client)
    response = client.post(url("filing-applicant"), {"name": " ", "id_number": "123", "phone": "abc", "email": "x@"})
    assert response.status_code == 400
    text = response.content.decode()
    for field in ("name", "id_number", "phone", "email"):
        assert f'href="#{field}"' in text and f'id="{field}-error"' in text
    assert "Số CCCD phải gồm đúng 12 chữ số." in text
    assert "Hãy nhập họ và tên người nộp." in text


def test_documents_step_requires_the_mandatory_component(client, world):
    start(client)
    response = client.post(url("filing-documents"), {})
    assert response.status_code == 400
    field = f"component-{component().pk}"
    text = response.content.decode()
    assert f'href="#{field}"' in text and "Hãy tải lên tệp cho giấy tờ bắt buộc này." in text


def test_a_renamed_text_file_is_refused_beside_its_field_and_nothing_is_filed(client, world):
    draft = start(client)
    field = f"component-{component().pk}"
    fake = SimpleUploadedFile("giay-to.pdf", b"day la van ban, khong phai PDF\n" * 20, content_type="application/pdf")
    response = client.post(url("filing-documents"), {field: fake})
    assert response.status_code == 400
    text = response.content.decode()
    assert f'id="{field}-error"' in text
    assert "không phải PDF, JPEG hoặc PNG hợp lệ." in text
    assert not draft.files.exists() and not Dossier.objects.exists()


def test_json_upload_replace_and_remove(client, world, private_dir, django_capture_on_commit_callbacks):
    draft = start(client)
    pk = component().pk
    response = client.post(url("filing-upload"), {"component": pk, "file": tiny_png("ảnh.png")})
    assert response.status_code == 201
    first = response.json()
    assert first["name"] == "ảnh.png" and first["size"] > 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("filing-upload"), {"component": pk, "file": tiny_pdf("tờ khai.pdf")})
    assert response.status_code == 201
    assert list(draft.files.values_list("original_name", flat=True)) == ["tờ khai.pdf"]  # replaced
    stored = list((private_dir / "drafts").rglob("*.*"))
    assert len(stored) == 1  # the replaced file is gone from the storage too
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(url("filing-upload"), {"component": pk, "file": bad})
    assert response.status_code == 400
    assert response.json()["fields"][f"component-{pk}"][0].endswith("không phải PDF, JPEG hoặc PNG hợp lệ.")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("filing-documents"), {"remove": draft.files.get().pk})
    assert response.status_code == 302 and not draft.files.exists()
    assert not list((private_dir / "drafts").rglob("*.*"))


def test_upload_to_a_component_of_another_procedure_is_refused(client, world):
    start(client)
    other = procedure_version(code="1.000001", name="Thủ tục khác")
    foreign = other.components.get()
    response = client.post(url("filing-upload"), {"component": foreign.pk, "file": tiny_pdf()})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_component"


def test_review_shows_everything_with_change_links_and_submit_files_once(client, world):
    draft = to_review(client, world)
    page = client.get(url("filing-review")).content.decode()
    assert "Bước 4/4" in page and "Nguyễn Thị Hoa" in page and "tờ khai.pdf" in page
    for name in ("filing-place", "filing-applicant", "filing-documents"):
        assert f'href="{url(name)}' in page
    response = client.post(url("filing-review"), {"draft": draft.pk})
    assert response.status_code == 302
    assert response["Location"] == url("filing-done", draft_id=draft.pk)
    dossier = Dossier.objects.get()
    assert dossier.state == "filed" and dossier.channel == "online"
    assert dossier.applicant_phone == "0912345678" and dossier.reception_centre == world.centre
    assert Document.objects.get(dossier=dossier).original_name == "tờ khai.pdf"
    draft.refresh_from_db()
    assert draft.dossier == dossier and draft.submitted_at is not None and not draft.files.exists()
    # the back button and a resubmit, or a double click: the same dossier
    again = client.post(url("filing-review"), {"draft": draft.pk})
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert Dossier.objects.count() == 1
    # the confirmation: the provisional reference, no receipt yet, a link to "Hồ sơ của tôi"
    page = client.get(response["Location"]).content.decode()
    assert dossier.reference in page
    assert reverse("my-dossier", kwargs={"id": dossier.pk}) in page
    assert "slips/01.pdf" not in page and "sau khi trung tâm tiếp nhận" in page
    # the wizard starts afresh afterwards
    assert client.get(url("filing-review"))["Location"] == url("filing-start")


def test_confirmation_shows_the_receipt_once_received(client, world):
    from dossiers import services

    draft = to_review(client, world)
    client.post(url("filing-review"), {"draft": draft.pk})
    dossier = Dossier.objects.get()
    services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    dossier.refresh_from_db()
    page = client.get(url("filing-done", draft_id=draft.pk)).content.decode()
    assert dossier.code in page and f"/api/dossiers/{dossier.pk}/slips/01.pdf" in page


def test_another_persons_draft_is_404(client, world):
    draft = to_review(client, world)
    client.post(url("filing-review"), {"draft": draft.pk})
    other = Client()
    other.force_login(world.other_citizen)
    assert other.get(url("filing-done", draft_id=draft.pk)).status_code == 404
    assert other.post(url("filing-review"), {"draft": draft.pk}).status_code == 404
    assert Dossier.objects.count() == 1


def test_submit_of_an_incomplete_draft_goes_back_to_the_steps(client, world):
    draft = start(client)
    response = client.post(url("filing-review"), {"draft": draft.pk})
    assert response.status_code == 302 and response["Location"] == url("filing-start")
    assert not Dossier.objects.exists()
    assert client.get(url("filing-review"))["Location"] == url("filing-place")


def test_csrf_is_required(world, citizen):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert strict.post(url("filing-start"), {"action": "start"}).status_code == 403
    assert strict.post(url("filing-upload"), {"component": "1"}).status_code == 403
    assert not FilingDraft.objects.exists()


def test_unknown_procedure_and_procedure_not_filed_online(client, world):
    response = client.get(reverse("filing-start", kwargs={"code": "9.999999"}))
    assert response.status_code == 404
    assert "Không tìm thấy thủ tục" in response.content.decode()
    version = procedure_version(code="1.000002", name="Thủ tục chỉ nộp trực tiếp")
    version.channel_online, version.online_level = False, "none"
    version.save()
    response = client.get(reverse("filing-start", kwargs={"code": "1.000002"}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Thủ tục này chưa nhận hồ sơ trực tuyến" in text and "bất kỳ Trung tâm" in text
    assert client.post(reverse("filing-start", kwargs={"code": "1.000002"})).status_code == 200
    assert not FilingDraft.objects.exists()


def test_pages_in_english_when_chosen(client, world):
    client.cookies["django_language"] = "en"
    start(client)
    page = client.get(url("filing-place")).content.decode()
    assert '<html lang="en"' in page and "Step 1/4" in page
    client.cookies.pop("django_language")  # a browser asking for English still gets Vietnamese
    page = client.get(url("filing-place"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="vi"' in page and "Bước 1/4" in page


def test_a_step_posted_from_a_stale_tab_after_filing_changes_nothing_and_says_so(client, world):
    draft = to_review(client, world)
    client.post(url("filing-review"), {"draft": draft.pk})
    response = client.post(url("filing-applicant"), {"name": "Người khác"}, follow=True)
    assert response.redirect_chain[0] == (url("filing-start"), 302)
    assert "không còn: có thể bạn đã nộp" in response.content.decode()
    draft.refresh_from_db()
    assert draft.data["applicant"]["name"] == "Nguyễn Thị Hoa"
    assert not FilingDraft.objects.filter(submitted_at__isnull=True).exists()


def test_review_names_the_deciding_commune(client, world):
    to_review(client, world)
    page = client.get(url("filing-review")).content.decode()
    assert world.centre.commune.name in page


def test_the_upload_endpoint_is_closed_to_visitors_whatever_the_method(world, client):
    for method in ("get", "put", "delete"):
        assert getattr(Client(), method)(url("filing-upload")).status_code == 401
    assert client.get(url("filing-upload")).status_code == 405
