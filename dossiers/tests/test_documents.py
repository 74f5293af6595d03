"""Documents, through the services: checks on the content, names, limits, who may upload
when, filing online with every mandatory component, components received on paper, audited downloads.

Every refused file leaves nothing behind: no ``Document`` row and no file in the (temporary) private storage.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from dossiers import documents, services
from dossiers.documents import InvalidFile, check_file, clean_filename
from dossiers.models import Document, DocumentDownload, Dossier, ReceivedComponent
from dossiers.services import Forbidden, StaleVersion
from dossiers.tests.factories import (
    APPLICANT,
    _image_bytes,
    _tiny_pdf_bytes,
    file_online,
    procedure_version,
    required_documents,
    tiny_jpeg,
    tiny_pdf,
    tiny_png,
)
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from portal.common.errors import ClosedToDocuments, InvalidInput, NotFound, OutOfScope
from procedures.models import Component

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_dir")]

MB = 1024 * 1024


def stored(location: Path) -> list[Path]:
    return sorted(path for path in location.rglob("*") if path.is_file()) if location.exists() else []


def component() -> Component:
    return Component.objects.get(version__procedure__code="1.001193", name="Tờ khai đăng ký khai sinh")


# --- Bad files ---------------------------------------------------------------------------------------------


def _exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run in DOS mode.\r\n"


def _elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Tờ khai</w:document>")
    return buffer.getvalue()


def _html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("matkhau")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _cut(data: bytes, keep: float) -> bytes:
    return data[: int(len(data) * keep)]


NOT_ALLOWED = "không phải PDF, JPEG hoặc PNG hợp lệ."
DAMAGED = "tệp bị hỏng hoặc không đầy đủ (có thể bị cắt khi tải lên)."

#: (case, file name, declared content type, content, reason code, reason text)
BAD_FILES = [
    ("empty", "to-khai.pdf", "application/pdf", lambda: b"", "empty", "tệp rỗng."),
    ("exe-renamed-pdf", "giay-khai-sinh.pdf", "application/pdf", _exe, "not_allowed", NOT_ALLOWED),
    ("elf-renamed-pdf", "to-khai.pdf", "application/pdf", _elf, "not_allowed", NOT_ALLOWED),
    ("zip-renamed-pdf", "to-khai.pdf", "application/pdf", _docx, "not_allowed", NOT_ALLOWED),
    ("html-renamed-pdf", "to-khai.pdf", "application/pdf", _html, "not_allowed", NOT_ALLOWED),
    ("html-renamed-png", "anh.png", "image/png", _html, "not_allowed", NOT_ALLOWED),
    ("text", "ghi-chu.txt", "text/plain", lambda: "Tờ khai".encode(), "not_allowed", NOT_ALLOWED),
    ("pdf-without-eof", "to-khai.pdf", "application/pdf", lambda: _tiny_pdf_bytes()[:-6], "damaged", DAMAGED),
    ("pdf-cut-in-half", "to-khai.pdf", "application/pdf", lambda: _cut(_tiny_pdf_bytes(), 0.5), "damaged", DAMAGED),
    ("pdf-header-only", "to-khai.pdf", "application/pdf", lambda: b"%PDF-1.7\n%%EOF\n", "damaged", DAMAGED),
    ("png-cut", "anh.png", "image/png", lambda: _cut(_image_bytes("PNG", (64, 48)), 0.6), "damaged", DAMAGED),
    ("png-without-iend", "anh.png", "image/png", lambda: _image_bytes("PNG", (64, 48))[:-3], "damaged", DAMAGED),
    ("jpeg-cut", "anh.jpg", "image/jpeg", lambda: _cut(_image_bytes("JPEG", (64, 48)), 0.6), "damaged", DAMAGED),
    ("jpeg-cut-end", "anh.jpg", "image/jpeg", lambda: _image_bytes("JPEG", (64, 48))[:-10], "damaged", DAMAGED),
    (
        "pdf-with-password",
        "to-khai.pdf",
        "application/pdf",
        _encrypted_pdf,
        "encrypted",
        "tệp PDF có mật khẩu; hãy gửi bản không đặt mật khẩu.",
    ),
]


@pytest.mark.parametrize(
    ("name", "content_type", "content", "reason", "text"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_bad_file_refuses_the_filing_naming_the_file_and_the_reason(
    world, private_dir, name, content_type, content, reason, text
):
    upload = SimpleUploadedFile(name, content(), content_type=content_type)
    with pytest.raises(InvalidFile) as caught:
        file_online(world.citizen, world.centre, documents=[{"file": upload, "component_id": component().pk}])
    message = f'Tệp "{name}": {text}'
    assert caught.value.detail == message
    assert caught.value.extra == {"fields": {"documents": [message]}, "files": [{"name": name, "reason": reason}]}
    assert (Dossier.objects.count(), Document.objects.count(), stored(private_dir)) == (0, 0, [])


@pytest.mark.parametrize("case", [case for case in BAD_FILES if case[2].startswith("image/")], ids=lambda c: c[0])
def test_a_cut_image_is_refused_even_when_pillow_is_told_to_load_cut_images(monkeypatch, case):
    """WeasyPrint (the slips) sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process when imported."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    _, name, content_type, content, reason, _text = case
    with pytest.raises(documents._Rejected) as caught:
        check_file(SimpleUploadedFile(name, content(), content_type=content_type), max_bytes=1 * MB)
    assert caught.value.reason == reason
    for good in (tiny_jpeg(), tiny_png(), tiny_jpeg(size=(640, 480))):
        assert check_file(good, max_bytes=1 * MB).size == good.size


def test_every_bad_file_of_a_filing_is_named_and_a_good_one_is_not_stored_either(world, private_dir):
    files = [
        {"file": tiny_pdf("to-khai.pdf"), "component_id": component().pk},
        {"file": SimpleUploadedFile("a.pdf", _exe()), "component_id": None},
        {"file": SimpleUploadedFile("b.png", b""), "component_id": None},
    ]
    with pytest.raises(InvalidFile) as caught:
        file_online(world.citizen, world.centre, documents=files)
    assert caught.value.extra["fields"]["documents"] == [f'Tệp "a.pdf": {NOT_ALLOWED}', 'Tệp "b.png": tệp rỗng.']
    assert (Dossier.objects.count(), Document.objects.count(), stored(private_dir)) == (0, 0, [])


def test_ten_megabytes_and_one_byte_is_too_large(world, private_dir):
    big = SimpleUploadedFile("lon.pdf", b"%PDF-1.7\n" + b"0" * (10 * MB + 1 - 9), content_type="application/pdf")
    assert big.size == 10 * MB + 1
    with pytest.raises(InvalidFile) as caught:
        file_online(world.citizen, world.centre, documents=[{"file": big, "component_id": component().pk}])
    assert caught.value.detail == 'Tệp "lon.pdf": vượt quá 10 MB cho một tệp.'
    assert caught.value.extra["files"] == [{"name": "lon.pdf", "reason": "too_large"}]
    assert (Dossier.objects.count(), Document.objects.count(), stored(private_dir)) == (0, 0, [])


def test_the_size_limit_is_configurable_and_exactly_the_limit_is_accepted(world, settings, private_dir):
    size = len(_tiny_pdf_bytes())
    settings.DOCUMENT_MAX_BYTES = size - 1
    with pytest.raises(InvalidFile) as caught:
        file_online(world.citizen, world.centre)
    assert caught.value.extra["files"][0]["reason"] == "too_large"
    assert stored(private_dir) == []
    settings.DOCUMENT_MAX_BYTES = size
    dossier = file_online(world.citizen, world.centre)
    assert dossier.documents.get().size == size


class _CountingReader(io.BytesIO):
    """A stream that under-declares its size, counting what is read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk


def test_an_oversize_stream_is_not_read_to_its_end():
    stream = _CountingReader(b"%PDF-1.7\n" + b"0" * (8 * MB))
    stream.size = 10  # the declared size lies
    upload = File(stream, name="lon.pdf")
    with pytest.raises(documents._Rejected) as caught:
        check_file(upload, max_bytes=1 * MB)
    assert caught.value.reason == "too_large"
    assert stream.read_bytes < 2 * MB  # stopped one chunk past the limit, not after 8 MB


def test_the_documents_of_a_dossier_are_limited_in_total(world, settings, private_dir):
    size = len(_tiny_pdf_bytes())
    settings.DOSSIER_DOCUMENTS_MAX_BYTES = 2 * size + 10
    dossier = file_online(world.citizen, world.centre)  # one PDF
    upload(dossier, world.citizen, file=tiny_pdf("them.pdf"))  # two
    with pytest.raises(documents.DocumentsTooLarge) as caught:
        upload(dossier, world.citizen, file=tiny_pdf("qua-nhieu.pdf"))
    limit = f"{2 * size + 10} byte"
    assert caught.value.code == "documents_too_large"
    assert caught.value.detail == (
        f"Tổng dung lượng tài liệu của hồ sơ vượt quá {limit} (đã có {2 * size} byte, gửi thêm {size} byte)."
    )
    assert dossier.documents.count() == 2 and len(stored(private_dir)) == 2

    # a filing's files count together too
    with pytest.raises(documents.DocumentsTooLarge):
        file_online(
            world.citizen,
            world.centre,
            documents=[*required_documents(), *({"file": tiny_pdf(f"{i}.pdf")} for i in range(2))],
        )
    assert Dossier.objects.count() == 1 and len(stored(private_dir)) == 2


# --- Names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\hồ sơ.pdf", "hồ sơ.pdf"),
        ("/var/www/giấy khai sinh.PDF", "giấy khai sinh.PDF"),
        ("tờ\x00 khai\x1f\x7f.pdf", "tờ khai.pdf"),
        ("ảnh\nchụp\r\t.png", "ảnhchụp.png"),
        ("hoa\u202egnp.exe", "hoagnp.exe"),  # a right-to-left override hiding the real extension
        ("..htaccess", "htaccess"),
        ("  .  ", "tai-lieu"),
        ("", "tai-lieu"),
        (None, "tai-lieu"),
        ('a<b>:c?"d|e*.pdf', "a_b__c__d_e_.pdf"),
        ("Đơn   đề nghị  .pdf", "Đơn đề nghị .pdf"),
        (unicodedata.normalize("NFD", "Giấy chứng sinh Nguyễn Thị Hoa.pdf"), "Giấy chứng sinh Nguyễn Thị Hoa.pdf"),
    ],
)
def test_file_names_are_sanitised_and_vietnamese_is_kept(given, kept):
    cleaned = clean_filename(given)
    assert cleaned == kept
    assert unicodedata.is_normalized("NFC", cleaned)


def test_a_long_name_is_cut_and_keeps_its_extension():
    cleaned = clean_filename("Giấy xác nhận " * 30 + ".pdf")
    assert len(cleaned) <= 120 and cleaned.endswith(".pdf")
    assert len(clean_filename("ễ" * 300)) == 120


def test_the_stored_name_is_sanitised_and_the_storage_key_holds_no_user_text(world, private_dir):
    name = unicodedata.normalize("NFD", "C:\\Scan\\..\\tờ khai của bà Hoa.pdf")
    upload = SimpleUploadedFile(name, _tiny_pdf_bytes(), content_type="text/html")
    dossier = file_online(world.citizen, world.centre, documents=[{"file": upload, "component_id": component().pk}])
    document = dossier.documents.get()
    assert document.original_name == "tờ khai của bà Hoa.pdf"
    assert document.content_type == "application/pdf"  # sniffed, not the declared type
    assert document.file.name == f"dossiers/{dossier.pk}/{document.sha256[:2]}/{document.sha256}-component.pdf"
    assert stored(private_dir) == [private_dir / document.file.name]


def test_the_download_name_gets_the_extension_of_what_the_file_is():
    assert documents.download_name(Document(original_name="scan", content_type="image/png")) == "scan.png"
    assert documents.download_name(Document(original_name="ảnh.JPEG", content_type="image/jpeg")) == "ảnh.JPEG"
    assert documents.download_name(Document(original_name="x.pdf", content_type="image/png")) == "x.pdf.png"
    assert documents.content_disposition("hồ sơ.pdf") == (
        "attachment; filename=\"ho so.pdf\"; filename*=UTF-8''h%E1%BB%93%20s%C6%A1.pdf"
    )
    assert (
        documents.content_disposition('a"b;.pdf') == "attachment; filename=\"a_b_.pdf\"; filename*=UTF-8''a%22b%3B.pdf"
    )


# --- Filing online needs every mandatory component -------------------------------------------------------


def test_filing_online_without_a_mandatory_component_is_refused_listing_it(world, private_dir):
    other = {"file": tiny_png("anh-cccd.png"), "component_id": None}
    for documents_sent in (None, [], [other]):
        with pytest.raises(InvalidInput) as caught:
            file_online(world.citizen, world.centre, documents=documents_sent or [])
        assert caught.value.code == "missing_components"
        assert caught.value.detail == "Hồ sơ còn thiếu thành phần bắt buộc: Tờ khai đăng ký khai sinh."
        assert caught.value.extra == {
            "fields": {"documents": ['Chưa có tệp cho "Tờ khai đăng ký khai sinh".']},
            "missing_components": [{"id": component().pk, "name": "Tờ khai đăng ký khai sinh"}],
        }
    assert (Dossier.objects.count(), Document.objects.count(), stored(private_dir)) == (0, 0, [])


def test_an_optional_component_is_not_required_and_a_foreign_component_is_refused(world, private_dir):
    version = component().version
    Component.objects.create(version=version, order=2, name="Giấy chứng sinh", is_required=False)
    dossier = file_online(world.citizen, world.centre)  # the optional one is not needed
    assert dossier.documents.count() == 1
    foreign = procedure_version(code="1.000894", name="Thủ tục khác").components.get()
    with pytest.raises(InvalidInput) as caught:
        file_online(world.citizen, world.centre, documents=[{"file": tiny_pdf(), "component_id": foreign.pk}])
    assert caught.value.code == "unknown_component"
    assert caught.value.extra["fields"] == {"documents": [f"Thành phần {foreign.pk} không thuộc thủ tục của hồ sơ."]}
    assert Dossier.objects.count() == 1 and len(stored(private_dir)) == 1


def test_filing_with_its_components_stores_them_with_who_when_size_and_digest(world, private_dir):
    content = _tiny_pdf_bytes()
    sent = [
        {"file": tiny_pdf("tờ khai.pdf"), "component_id": component().pk, "is_original_scan": True},
        {"file": tiny_jpeg("cccd mặt trước.jpg"), "component_id": None, "is_original_scan": False},
        {"file": tiny_png("cccd mặt sau.png"), "component_id": None},
    ]
    dossier = file_online(world.citizen, world.centre, documents=sent)
    form, front, back = dossier.documents.order_by("id")
    assert (form.kind, form.component, form.original_name, form.content_type) == (
        "component",
        component(),
        "tờ khai.pdf",
        "application/pdf",
    )
    assert (form.size, form.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert (form.uploaded_by, form.uploaded_at, form.is_original_scan) == (world.citizen, dossier.filed_at, True)
    assert (front.component, front.content_type, front.is_original_scan) == (None, "image/jpeg", False)
    assert back.content_type == "image/png"
    with form.file.open("rb") as handle:
        assert handle.read() == content
    assert len(stored(private_dir)) == 3
    # the audit trail of transitions is unchanged: one "file" event, version 1
    assert list(dossier.events.values_list("action", flat=True)) == ["file"] and dossier.version == 1


def test_filing_by_post_needs_no_upload(world):
    dossier = file_online(world.citizen, world.centre, channel="post", documents=[])
    assert dossier.state == "filed" and dossier.documents.count() == 0


def test_a_failure_after_the_files_were_written_removes_them(world, private_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("notification queue down")

    monkeypatch.setattr(services.core, "notify_step", broken)
    with pytest.raises(RuntimeError):
        file_online(world.citizen, world.centre)
    assert (Dossier.objects.count(), Document.objects.count(), stored(private_dir)) == (0, 0, [])


def test_an_upload_whose_row_cannot_be_written_leaves_no_file(world, private_dir, monkeypatch):
    dossier = file_online(world.citizen, world.centre)
    before = stored(private_dir)

    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Document, "save", broken)
    with pytest.raises(RuntimeError):
        services.document_upload(dossier_id=dossier.pk, actor=world.citizen, file=tiny_png("bo-sung.png"))
    assert stored(private_dir) == before and dossier.documents.count() == 1


def test_an_idempotent_replay_stores_nothing_twice(world, private_dir):
    first = file_online(world.citizen, world.centre, idempotency_key="k-1")
    again = file_online(world.citizen, world.centre, idempotency_key="k-1")
    assert again.pk == first.pk and again.replayed
    assert Document.objects.count() == 1 and len(stored(private_dir)) == 1


# --- Uploading later: who, when, what ----------------------------------------------------------------------


def upload(dossier, actor, **kwargs):
    kwargs.setdefault("file", tiny_pdf("bo-sung.pdf"))
    return services.document_upload(dossier_id=dossier.pk, actor=actor, **kwargs)


@pytest.mark.parametrize(
    ("state", "who", "kind", "expected"),
    [
        (State.FILED, "citizen", "component", "ok"),
        (State.SUPPLEMENT_REQUESTED, "citizen", "component", "ok"),
        (State.RECEIVED, "citizen", "component", "invalid_state"),
        (State.PROCESSING, "citizen", "result", "forbidden"),
        (State.FILED, "reception", "component", "ok"),
        (State.RECEIVED, "reception", "component", "ok"),
        (State.TRANSFERRED, "reception", "component", "ok"),
        (State.PROCESSING, "reception", "component", "ok"),
        (State.SUPPLEMENT_REQUESTED, "reception", "component", "ok"),
        (State.RESULT_READY, "reception", "component", "invalid_state"),
        (State.PROCESSING, "reception", "result", "forbidden"),
        (State.PROCESSING, "handler", "result", "ok"),
        (State.PROCESSING, "leader", "result", "ok"),
        (State.RESULT_READY, "leader", "result", "ok"),
        (State.RETURNED, "leader", "result", "invalid_state"),
        (State.TRANSFERRED, "leader", "result", "invalid_state"),
        (State.PROCESSING, "handler", "component", "forbidden"),
        (State.PROCESSING, "province", "component", "forbidden"),
        (State.PROCESSING, "admin", "result", "forbidden"),
        (State.FILED, "other_citizen", "component", "not_found"),
        (State.RECEIVED, "other_reception", "component", "not_found"),
        (State.PROCESSING, "other_leader", "result", "not_found"),
    ],
)
def test_who_may_upload_what_and_when(world, private_dir, state, who, kind, expected):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[state])
    before = (Document.objects.count(), len(stored(private_dir)))
    actor = getattr(world, who)
    if expected == "ok":
        document = upload(dossier, actor, kind=kind, is_original_scan=who == "reception")
        assert (document.kind, document.uploaded_by, document.is_original_scan) == (kind, actor, who == "reception")
        assert Document.objects.count() == before[0] + 1 and len(stored(private_dir)) == before[1] + 1
        dossier.refresh_from_db()
        assert dossier.state == state  # nothing else changes
        return
    errors = {"invalid_state": ClosedToDocuments, "forbidden": Forbidden, "not_found": OutOfScope}
    with pytest.raises(errors[expected]) as caught:
        upload(dossier, actor, kind=kind)
    if expected == "not_found":
        with pytest.raises(OutOfScope) as unknown:
            services.document_upload(dossier_id=10**9, actor=actor, file=tiny_pdf())
        assert (caught.value.status_code, caught.value.code, caught.value.detail) == (
            unknown.value.status_code,
            unknown.value.code,
            unknown.value.detail,
        )
    assert (Document.objects.count(), len(stored(private_dir))) == before


def test_an_upload_checks_the_component_the_kind_and_the_version(world, private_dir):
    dossier = file_online(world.citizen, world.centre)
    foreign = procedure_version(code="1.000894", name="Thủ tục khác").components.get()
    with pytest.raises(InvalidInput) as caught:
        upload(dossier, world.citizen, component_id=foreign.pk)
    assert caught.value.code == "unknown_component"
    with pytest.raises(InvalidInput):
        upload(dossier, world.citizen, kind="signature")
    processing = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    with pytest.raises(InvalidInput) as caught:
        upload(processing, world.leader, kind="result", component_id=component().pk)
    assert caught.value.extra["fields"] == {"component": ["Kết quả giải quyết không gắn với thành phần hồ sơ."]}
    with pytest.raises(StaleVersion):
        upload(dossier, world.citizen, expected_version=dossier.version + 1)
    assert upload(dossier, world.citizen, expected_version=dossier.version, component_id=component().pk).component
    with pytest.raises(InvalidFile) as caught:
        upload(dossier, world.citizen, file=SimpleUploadedFile("x.pdf", _exe()))
    assert caught.value.extra["fields"] == {"file": [f'Tệp "x.pdf": {NOT_ALLOWED}']}
    assert dossier.documents.count() == 2 and len(stored(private_dir)) == 3  # two filings' forms + one upload


def test_the_leader_uploads_the_digitised_result(world, private_dir):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    result = upload(
        dossier, world.leader, kind="result", file=tiny_pdf("Giấy khai sinh số 12.pdf"), is_original_scan=True
    )
    assert (result.kind, result.component, result.uploaded_by, result.original_name) == (
        "result",
        None,
        world.leader,
        "Giấy khai sinh số 12.pdf",
    )
    dossier = services.dossier_decide(
        dossier_id=dossier.pk, actor=world.leader, outcome="approved", result_document="Giấy khai sinh số 12/2026"
    )
    assert dossier.state == "result_ready"
    assert list(dossier.documents.filter(kind="result")) == [result]


# --- Paper components at the counter (form 01) ------------------------------------------------------------


def test_reception_marks_components_received_on_paper(world):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    rows = services.documents_mark_received_on_paper(
        dossier_id=dossier.pk,
        actor=world.reception,
        items=[
            {"component_id": component().pk, "count": 1},
            {"component_id": None, "name": unicodedata.normalize("NFD", "Giấy chứng sinh"), "copy_kind": "copy"},
            {"component_id": "other", "name": "Sổ hộ khẩu", "copy_kind": "copy", "count": "2"},
        ],
    )
    assert [(r.component_id, r.name, r.copy_kind, r.count, r.received_by) for r in rows] == [
        (component().pk, "Tờ khai đăng ký khai sinh", "original", 1, world.reception),
        (None, "Giấy chứng sinh", "copy", 1, world.reception),
        (None, "Sổ hộ khẩu", "copy", 2, world.reception),
    ]
    assert ReceivedComponent.objects.filter(dossier=dossier).count() == 3


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "Hãy liệt kê các giấy tờ đã nhận."),
        ([{"component_id": None}], "Dòng 1: hãy ghi tên giấy tờ."),
        ([{"name": "Giấy chứng sinh", "copy_kind": "scan"}], "Dòng 1: bản chính (original) hoặc bản sao (copy)."),
        ([{"name": "A"}, {"name": "B", "count": 0}], "Dòng 2: số lượng từ 1 đến 99."),
        ([{"name": "A", "count": 100}], "Dòng 1: số lượng từ 1 đến 99."),
        ([{"name": "A", "count": True}], "Dòng 1: số lượng từ 1 đến 99."),
        ([{"component_id": "abc"}], 'Thành phần hồ sơ phải là mã số thành phần hoặc "other".'),
        ("Tờ khai", "Danh sách giấy tờ nhận bản giấy không hợp lệ (tối đa 100 dòng)."),
    ],
)
def test_paper_components_are_checked(world, items, message):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    with pytest.raises(InvalidInput) as caught:
        services.documents_mark_received_on_paper(dossier_id=dossier.pk, actor=world.reception, items=items)
    assert caught.value.extra["fields"] == {"items": [message]}
    assert ReceivedComponent.objects.count() == 0


def test_only_the_dossiers_reception_marks_paper_components(world):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    items = [{"name": "Giấy chứng sinh"}]
    with pytest.raises(OutOfScope):
        services.documents_mark_received_on_paper(dossier_id=dossier.pk, actor=world.other_reception, items=items)
    for someone in (world.citizen, world.province):
        with pytest.raises(Forbidden):
            services.documents_mark_received_on_paper(dossier_id=dossier.pk, actor=someone, items=items)
    returned = walk(world, file_online(world.citizen, world.centre), PATHS[State.RETURNED])
    with pytest.raises(ClosedToDocuments):
        services.documents_mark_received_on_paper(dossier_id=returned.pk, actor=world.reception, items=items)
    assert ReceivedComponent.objects.count() == 0


def test_counter_reception_takes_paper_components_and_needs_no_upload(world, private_dir):
    applicant = {**APPLICANT, "id_number": world.citizen.id_number}
    items = [{"component_id": component().pk, "copy_kind": "original", "count": 1}, {"name": "Giấy chứng sinh"}]
    dossier = services.dossier_receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant=applicant,
        reception_centre_id=world.centre.pk,
        paper_components=items,
    )
    assert dossier.state == "received" and dossier.documents.count() == 0
    assert list(dossier.paper_components.values_list("name", "copy_kind", "count")) == [
        ("Tờ khai đăng ký khai sinh", "original", 1),
        ("Giấy chứng sinh", "original", 1),
    ]
    # a bad line writes nothing at all: no dossier, no code used
    with pytest.raises(InvalidInput):
        services.dossier_receive_at_counter(
            actor=world.reception,
            procedure_code="1.001193",
            applicant=applicant,
            reception_centre_id=world.centre.pk,
            paper_components=[{"name": "A", "count": 0}],
        )
    assert Dossier.objects.count() == 1 and ReceivedComponent.objects.count() == 2
    # scans made at the counter may come with it
    scanned = services.dossier_receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant=applicant,
        reception_centre_id=world.centre.pk,
        documents=[{"file": tiny_pdf(), "component_id": component().pk, "is_original_scan": True}],
    )
    assert scanned.documents.get().uploaded_by == world.reception and len(stored(private_dir)) == 1


# --- Downloads are scoped and recorded ---------------------------------------------------------------------


def test_a_download_is_scoped_and_recorded(world):
    dossier = file_online(world.citizen, world.centre)
    document = dossier.documents.get()
    for someone in (world.citizen, world.reception, world.handler, world.province):
        found, handle = services.document_download(document_id=document.pk, actor=someone, dossier_id=dossier.pk)
        with handle:
            assert found == document and handle.read() == _tiny_pdf_bytes()
    assert list(DocumentDownload.objects.values_list("user__username", flat=True)) == [
        "citizen",
        "reception",
        "handler",
        "province",
    ]
    for outsider, document_id, dossier_id in [
        (world.other_citizen, document.pk, dossier.pk),
        (world.other_reception, document.pk, None),
        (world.citizen, 10**9, None),  # unknown
        (world.citizen, document.pk, dossier.pk + 1),  # another dossier's path
    ]:
        with pytest.raises(OutOfScope) as caught:
            services.document_download(document_id=document_id, actor=outsider, dossier_id=dossier_id)
        assert (caught.value.code, caught.value.detail) == ("not_found", "Không tìm thấy.")
    assert DocumentDownload.objects.count() == 4


def test_a_file_missing_from_the_storage_is_a_404_and_not_recorded(world, private_dir):
    document = file_online(world.citizen, world.centre).documents.get()
    (private_dir / document.file.name).unlink()
    with pytest.raises(NotFound) as caught:
        services.document_download(document_id=document.pk, actor=world.citizen)
    assert caught.value.code == "file_missing"
    assert DocumentDownload.objects.count() == 0
