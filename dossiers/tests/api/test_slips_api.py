"""The slips over the API: forms 01–06 of a dossier as PDF and printable HTML, the register (form 07) as XLSX and
CSV, and the receipt attached to the applicant's confirmation e-mail.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import time_machine
from django.utils import timezone

from dossiers import services
from dossiers.tests import slip_cases
from dossiers.tests.factories import APPLICANT, file_online, receive_at_counter
from dossiers.tests.slip_cases import at, pdf_text

pytestmark = pytest.mark.django_db


def slip(client, dossier, form, extension="pdf", **headers):
    return client.get(f"/api/dossiers/{dossier.pk}/slips/{form}.{extension}", **headers)


# --- Forms 01–06 -----------------------------------------------------------------------------------------


def test_the_receipt_is_there_as_soon_as_the_dossier_is_received(world, client):
    dossier = slip_cases.filed(world)
    client.force_login(world.reception)
    before = slip(client, dossier, "01")
    assert before.status_code == 404 and before.json()["code"] == "slip_not_available"
    assert before.json()["detail"]

    received = client.post(f"/api/dossiers/{dossier.pk}/receive/")
    assert received.status_code == 200
    assert [item["form"] for item in received.json()["slips"]] == ["01", "06"]
    assert received.json()["slips"][0]["pdf"] == f"/api/dossiers/{dossier.pk}/slips/01.pdf"

    response = slip(client, dossier, "01")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    code = received.json()["code"]
    assert response["Content-Disposition"] == f'inline; filename="mau-01-tiep-nhan-{code}.pdf"'
    text = pdf_text(response.content)
    assert "Nguyễn Thị Hoa" in text and code in text


@pytest.mark.parametrize(
    ("make", "form"),
    [
        (slip_cases.supplement_requested, "02"),
        (slip_cases.refused, "03"),
        (slip_cases.extended, "04"),
        (slip_cases.stopped, "05"),
        (slip_cases.processing, "06"),
    ],
)
def test_each_step_gives_its_slip_to_the_staff_and_the_applicant(world, client, make, form):
    dossier = make(world)
    for user in (world.reception, world.citizen, world.province):
        client.force_login(user)
        response = slip(client, dossier, form)
        assert response.status_code == 200, (user, response.content[:200])
        assert response.content.startswith(b"%PDF-")
        assert (dossier.code or dossier.reference) in pdf_text(response.content)


@pytest.mark.parametrize(
    ("make", "missing"),
    [
        (slip_cases.filed, ["01", "02", "03", "04", "05", "06"]),
        (slip_cases.refused, ["01", "02", "04", "05", "06"]),
        (slip_cases.received, ["02", "03", "04", "05"]),
        (slip_cases.processing, ["02", "03", "04", "05"]),
    ],
    ids=["filed", "refused", "received", "processing"],
)
def test_a_slip_for_a_step_that_has_not_happened_is_a_404(world, client, make, missing):
    dossier = make(world)
    client.force_login(world.reception)
    for form in missing:
        for extension in ("pdf", "html"):
            response = slip(client, dossier, form, extension)
            assert response.status_code == 404, (form, extension)
            assert response.json()["code"] == "slip_not_available"


def test_a_dossier_outside_the_users_scope_is_a_404_like_a_missing_one(world, client):
    dossier = slip_cases.received(world)
    for user in (world.other_reception, world.other_citizen, world.other_handler):
        client.force_login(user)
        response = slip(client, dossier, "01")
        assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "Không tìm thấy."}
    client.force_login(world.reception)
    assert slip(client, dossier, "01").status_code == 200
    missing = client.get("/api/dossiers/999999999/slips/01.pdf")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_unknown_forms_are_404_and_anonymous_users_401(world, client):
    dossier = slip_cases.received(world)
    assert slip(client, dossier, "01").status_code == 401
    client.force_login(world.reception)
    for form in ("00", "07", "1", "x1"):
        response = slip(client, dossier, form)
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_file_is_the_answer_whatever_accept_asks_and_errors_stay_json(world, client):
    dossier = slip_cases.received(world)
    client.force_login(world.reception)
    assert slip(client, dossier, "01", HTTP_ACCEPT="application/pdf").status_code == 200
    refused = slip(client, dossier, "03", HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/json"


def test_the_printable_page_is_a4_html_with_the_qr_code_and_no_outside_resources(world, client):
    dossier = slip_cases.received(world)
    client.force_login(world.citizen)
    response = slip(client, dossier, "01", "html")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "@page" in html and "size: A4" in html and '"DejaVu Sans"' in html
    assert "Nguyễn Thị Hoa" in html and dossier.code in html and slip_cases.APPOINTMENT in html
    assert "Mẫu số 01" in html and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in html
    assert 'src="data:image/svg+xml' in html and "http://" not in html.split("</style>")[0]


def test_the_slip_speaks_english_when_asked(world, client):
    dossier = slip_cases.received(world)
    client.force_login(world.citizen)
    html = slip(client, dossier, "01", "html", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "RECEIPT OF DOSSIER AND APPOINTMENT FOR RESULTS" in html
    assert "Nguyễn Thị Hoa" in html  # names keep their diacritics in every language


# --- Form 07: the register -------------------------------------------------------------------------------


@pytest.fixture
def register_world(world):
    """At Việt Trì's centre: two dossiers received on Mon 30/11, one on Wed 2/12, one filed and never received;
    one received at another centre on Mon 30/11."""
    inside = [slip_cases.received(world), slip_cases.processing(world)]
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        later = services.dossier_receive(dossier_id=file_online(world.citizen, world.centre).pk, actor=world.reception)
    never = slip_cases.filed(world)
    with time_machine.travel(at(2026, 11, 30, 9, 30), tick=False):
        elsewhere = services.dossier_receive(
            dossier_id=file_online(world.citizen, world.other_centre).pk, actor=world.other_reception
        )
    return {"inside": inside, "later": later, "never": never, "elsewhere": elsewhere}


def register(client, centre, extension="xlsx", **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"/api/centres/{centre.agency_code}/register.{extension}?{query}")


def test_the_register_as_xlsx_lists_the_centres_dossiers_received_in_the_range_and_only_those(
    world, client, register_world, artifacts_dir
):
    client.force_login(world.reception)
    response = register(client, world.centre, **{"from": "2026-11-30", "to": "2026-12-01"})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    (artifacts_dir / "slips").mkdir(exist_ok=True)
    (artifacts_dir / "slips" / "mau-07.xlsx").write_bytes(response.content)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header_index = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[1][0] == world.centre.name and "SỔ THEO DÕI HỒ SƠ" in rows[2][0]
    assert rows[3][0] == "Từ ngày 30/11/2026 đến ngày 01/12/2026"
    body = rows[header_index + 1 :]
    codes = [row[1] for row in body]
    assert codes == [dossier.code for dossier in register_world["inside"]]
    assert [row[0] for row in body] == [1, 2]
    first = body[0]
    assert first[4] == "Nguyễn Thị Hoa" and first[6] == APPLICANT["phone"]
    assert first[8].strftime("%H:%M %d/%m/%Y") == "09:00 30/11/2026"  # a real date-time for the spreadsheet
    assert first[9].strftime("%H:%M %d/%m/%Y") == "09:00 03/12/2026"


def test_the_register_as_csv_is_utf8_with_a_bom_and_the_same_rows(world, client, register_world, artifacts_dir):
    client.force_login(world.reception)
    response = register(client, world.centre, "csv", **{"from": "2026-11-30", "to": "2026-12-02"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # so that Excel shows the Vietnamese letters
    (artifacts_dir / "slips").mkdir(exist_ok=True)
    (artifacts_dir / "slips" / "mau-07.csv").write_bytes(response.content)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Mã hồ sơ", "Tên thủ tục hành chính"]
    expected = [*register_world["inside"], register_world["later"]]
    assert [row[1] for row in rows[1:]] == [dossier.code for dossier in expected]
    assert rows[1][4] == "Nguyễn Thị Hoa" and rows[1][8] == "09:00 30/11/2026"
    assert register_world["elsewhere"].code not in response.content.decode("utf-8-sig")


def test_register_cells_are_never_formulas(world, client):
    dossier = slip_cases.received(world)
    type(dossier).objects.filter(pk=dossier.pk).update(applicant_name='=HYPERLINK("http://x")', applicant_address="+1")
    client.force_login(world.reception)
    params = {"from": "2026-11-30", "to": "2026-11-30"}
    rows = list(csv.reader(io.StringIO(register(client, world.centre, "csv", **params).content.decode("utf-8-sig"))))
    assert rows[1][4] == '\'=HYPERLINK("http://x")' and rows[1][5] == "'+1"
    sheet = openpyxl.load_workbook(io.BytesIO(register(client, world.centre, **params).content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("http://x")']
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_who_may_read_a_register(world, client, register_world):
    params = {"from": "2026-11-30", "to": "2026-12-01"}
    for user in (world.reception, world.province, world.admin):
        client.force_login(user)
        assert register(client, world.centre, **params).status_code == 200, user
    for user in (world.other_reception, world.citizen, world.handler, world.leader):
        client.force_login(user)
        response = register(client, world.centre, **params)
        assert response.status_code == 404 and response.json()["code"] == "not_found", user
    client.force_login(world.reception)
    unknown = client.get("/api/centres/999.99.99.H99/register.csv?from=2026-11-30&to=2026-12-01")
    assert unknown.status_code == 404
    client.logout()
    assert register(client, world.centre, **params).status_code == 401


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"to": "2026-12-01"}, "from", "invalid_date"),
        ({"from": "2026-11-30"}, "to", "invalid_date"),
        ({"from": "30/11/2026", "to": "2026-12-01"}, "from", "invalid_date"),
        ({"from": "2026-02-30", "to": "2026-12-01"}, "from", "invalid_date"),
        ({"from": "20261130", "to": "2026-12-01"}, "from", "invalid_date"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "to", "invalid_range"),
        ({"from": "2025-11-30", "to": "2026-12-01"}, "to", "range_too_long"),
        # found by fuzzing (bench/fuzz.py): the day after the calendar's last one does not exist (it was a 500)
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from", "invalid_date"),
    ],
)
def test_bad_dates_or_ranges_are_a_400_naming_the_parameter(world, client, params, field, code):
    client.force_login(world.reception)
    response = register(client, world.centre, "csv", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and field in body["fields"]


def test_a_full_year_is_allowed(world, client):
    client.force_login(world.province)
    assert register(client, world.centre, **{"from": "2025-12-01", "to": "2026-11-30"}).status_code == 200  # 365 days
    assert register(client, world.centre, **{"from": "2024-01-01", "to": "2024-12-31"}).status_code == 200  # 366


# --- The receipt attached to the confirmation e-mail -----------------------------------------------------


def test_receiving_e_mails_the_applicant_the_receipt_as_a_pdf(world, django_capture_on_commit_callbacks, mailoutbox):
    dossier = slip_cases.filed(world)
    mailoutbox.clear()
    with time_machine.travel(slip_cases.RECEIVED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            dossier = services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [APPLICANT["email"]] and mail.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert "09:00 03/12/2026" in mail.body and f"/tra-cuu/?code={dossier.code}" in mail.body
    assert len(mail.attachments) == 1
    name, content, mimetype = mail.attachments[0]
    assert name == f"mau-01-tiep-nhan-{dossier.code}.pdf" and mimetype == "application/pdf"
    text = pdf_text(content)
    assert dossier.code in text and "Nguyễn Thị Hoa" in text and slip_cases.APPOINTMENT in text


def test_a_counter_reception_e_mails_the_receipt_too(world, django_capture_on_commit_callbacks, mailoutbox):
    with time_machine.travel(slip_cases.RECEIVED, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            dossier = receive_at_counter(
                actor=world.reception,
                procedure_code="1.001193",
                applicant={**APPLICANT, "id_number": world.citizen.id_number},
                reception_centre_id=world.centre.pk,
            )
    assert len(mailoutbox) == 1 and dossier.code in pdf_text(mailoutbox[0].attachments[0][1])


def _email_keys(dossier, *, kind: str) -> list[str]:
    from notifications.models import Channel, Notification

    rows = Notification.objects.filter(dossier=dossier, channel=Channel.EMAIL, kind=kind)
    return list(rows.values_list("dedupe_key", flat=True))


def test_the_notification_is_safe_to_run_twice(world, django_capture_on_commit_callbacks, mailoutbox):
    from notifications.services import deliver_keys
    from notifications.tasks import deliver

    dossier = slip_cases.filed(world)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    assert len(mailoutbox) == 1
    keys = _email_keys(dossier, kind="received")
    deliver.delay(keys)  # delivered again (acks_late, the re-dispatcher …)
    assert deliver_keys(keys)["skipped"] == len(keys)
    assert len(mailoutbox) == 1


def test_a_failed_send_is_sent_by_the_retry(world, django_capture_on_commit_callbacks, mailoutbox, monkeypatch):
    """A send that fails on the network leaves the row pending with a back-off; the next try sends it, once,
    with the receipt attached."""
    from django.core.mail import EmailMessage

    from notifications.models import Notification, Status
    from notifications.services import deliver_keys

    dossier = slip_cases.filed(world)
    mailoutbox.clear()

    def broken(self, fail_silently=False):
        raise ConnectionError("SMTP down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", broken)
        with django_capture_on_commit_callbacks(execute=True):
            services.dossier_receive(dossier_id=dossier.pk, actor=world.reception)
    row = Notification.objects.get(dossier=dossier, channel="email", kind="received")
    assert (row.status, row.attempts, mailoutbox) == (Status.PENDING, 1, [])
    assert row.next_attempt_at > timezone.now() and "ConnectionError" in row.last_error
    assert deliver_keys([row.dedupe_key])["skipped"] == 1  # not before its back-off
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver_keys([row.dedupe_key])["sent"] == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].attachments
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_other_notifications_carry_no_attachment(world, django_capture_on_commit_callbacks, mailoutbox):
    dossier = slip_cases.filed(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_refuse(dossier_id=dossier.pk, actor=world.reception, reason="Không thuộc thẩm quyền")
    assert [mail.attachments for mail in mailoutbox] == [[]]
