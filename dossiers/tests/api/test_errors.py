"""Errors of the dossier API: bad input gets a clear error and loses nothing.

Errors are JSON ``{"code", "detail", "fields"?}`` in Vietnamese (English with ``Accept-Language: en``): 400 invalid
input (per field), 403 a role that may not act, 404 out of scope or missing, 409 invalid transition or stale version.
Text is NFC-normalised and length-limited. Every failed request writes nothing.
"""

from __future__ import annotations

import datetime
import unicodedata
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dossiers.models import AuditEvent, ControlSlipRow, DailySequence, Dossier, IdempotencyKey, Pause
from dossiers.tests.factories import APPLICANT, filing_form, procedure_version, required_documents
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from procedures.models import ProcedureVersion

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9AM = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def rows() -> tuple[int, ...]:
    """Everything a request may write: a failed one must leave all of it as it was."""
    return (
        Dossier.objects.count(),
        AuditEvent.objects.count(),
        ControlSlipRow.objects.count(),
        Pause.objects.count(),
        IdempotencyKey.objects.count(),
        sum(DailySequence.objects.values_list("last", flat=True)),
    )


def filing(world, *, procedure: str = "1.001193", **applicant) -> dict:
    return {
        "procedure": procedure,
        "applicant": {**APPLICANT, "id_number": world.citizen.id_number, **applicant},
        "reception_centre": world.centre.agency_code,
    }


def file(client, body: dict, **headers):
    """POST a filing that must fail: nothing may be written, whatever the failure."""
    before = rows()
    response = client.post("/api/dossiers/", body, content_type="application/json", **headers)
    assert rows() == before, response.content
    return response


def act(client, dossier: Dossier, segment: str, body: dict | None = None, **headers):
    """POST an action that must fail: the dossier and every table stay as they were."""
    before, row = rows(), Dossier.objects.filter(pk=dossier.pk).values().get()
    response = client.post(
        f"/api/dossiers/{dossier.pk}/{segment}/", body or {}, content_type="application/json", **headers
    )
    assert rows() == before, response.content
    assert Dossier.objects.filter(pk=dossier.pk).values().get() == row
    return response


@pytest.fixture
def citizen(world, client):
    client.force_login(world.citizen)
    return client


def filed(world) -> Dossier:
    return walk(world, _file(world), PATHS[State.FILED])


def processing(world) -> Dossier:
    return walk(world, _file(world), PATHS[State.PROCESSING])


def _file(world) -> Dossier:
    from dossiers import services

    return services.dossier_file(
        actor=world.citizen,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=world.centre.pk,
        documents=required_documents(),
    )


# --- 400: one field at a time ----------------------------------------------------------------------------

CCCD = "Số CCCD phải gồm đúng 12 chữ số."
PHONE = "Số điện thoại không hợp lệ (di động 10 chữ số, ví dụ 0912345678; cố định 11 chữ số, ví dụ 02103846123)."
EMAIL = "Địa chỉ thư điện tử không hợp lệ."


@pytest.mark.parametrize(
    ("field", "value", "key", "message"),
    [
        ("id_number", "02519000123", "applicant_id_number", CCCD),  # 11 digits
        ("id_number", "0251900012345", "applicant_id_number", CCCD),  # 13 digits
        ("id_number", "02519000123A", "applicant_id_number", CCCD),  # a letter
        ("id_number", "CCCD02519000", "applicant_id_number", CCCD),
        ("phone", "12345", "applicant_phone", PHONE),
        ("phone", "+1 555 0100", "applicant_phone", PHONE),  # not Vietnamese
        ("phone", "+44 20 7946 0958", "applicant_phone", PHONE),
        ("phone", "0112345678", "applicant_phone", PHONE),  # no such prefix
        ("phone", "0212345678", "applicant_phone", PHONE),  # a landline has 11 digits
        ("phone", "09l2345678", "applicant_phone", PHONE),  # a letter l for a one
        ("phone", "0912345678 ext 1", "applicant_phone", PHONE),
        ("email", "khong-phai-thu", "applicant_email", EMAIL),
        ("email", "hoa@", "applicant_email", EMAIL),
        ("email", "hoa@@example.vn", "applicant_email", EMAIL),
        ("email", "hoa @example.vn", "applicant_email", EMAIL),
    ],
)
def test_a_bad_id_number_phone_or_e_mail_is_a_400_naming_the_field(world, citizen, field, value, key, message):
    response = file(citizen, filing(world, **{field: value}), HTTP_IDEMPOTENCY_KEY=f"k-{field}-{value}")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": message, "fields": {key: [message]}}
    assert response["Content-Language"] == "vi"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("0386-123-456", "0386123456"),
        ("0210 3846 123", "02103846123"),  # a Phú Thọ landline
        ("(024) 3825 1234", "02438251234"),  # a Hà Nội landline
    ],
)
def test_vietnamese_mobile_and_landline_numbers_are_accepted_and_normalised(world, citizen, value, stored):
    response = citizen.post("/api/dossiers/", filing_form(filing(world, phone=value)))
    assert response.status_code == 201, response.json()
    assert response.json()["applicant_phone"] == stored


def test_a_missing_or_blank_name_is_a_400_on_the_name(world, citizen):
    body = filing(world)
    del body["applicant"]["name"]
    response = file(citizen, body)
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Dữ liệu không hợp lệ.",
        "fields": {"applicant": {"name": ["Trường này là bắt buộc."]}},
    }
    response = file(citizen, filing(world, name="   "))
    assert response.status_code == 400
    assert list(response.json()["fields"]["applicant"]) == ["name"]


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 200), ("address", 300), ("organisation_name", 300)],
)
def test_over_long_text_is_a_400_on_that_field(world, citizen, field, limit):
    overrides = {field: "ễ" * (limit + 1)}
    if field == "organisation_name":
        overrides.update(kind="organisation", id_number="0101234567")
    response = file(citizen, filing(world, **overrides))
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Dữ liệu không hợp lệ.",
        "fields": {"applicant": {field: [f"Tối đa {limit} ký tự."]}},
    }
    exactly = {**overrides, field: "ễ" * limit}
    response = citizen.post("/api/dossiers/", filing_form(filing(world, **exactly)))
    assert response.status_code == 201, response.json()


def test_text_arrives_nfd_and_is_stored_nfc_and_the_limit_counts_stored_characters(world, citizen):
    name = "Nguyễn Thị Hoa"
    # 200 characters once composed, far more code points in NFD: within the limit
    long_name = ("Nguyễn Thị Ngọc Hằng " * 10)[:200]
    assert len(nfd(long_name)) > 250 and len(unicodedata.normalize("NFC", long_name)) == 200
    address = "Khu 3, phường Việt Trì, tỉnh Phú Thọ"
    response = citizen.post("/api/dossiers/", filing_form(filing(world, name=nfd(name), address=nfd(address))))
    assert response.status_code == 201, response.json()
    dossier = Dossier.objects.get(pk=response.json()["id"])
    assert dossier.applicant_name == name and unicodedata.is_normalized("NFC", dossier.applicant_name)
    assert dossier.applicant_address == address

    response = citizen.post("/api/dossiers/", filing_form(filing(world, name=nfd(long_name))))
    assert response.status_code == 201, response.json()
    assert Dossier.objects.get(pk=response.json()["id"]).applicant_name == long_name.strip()

    # a reason, too, is stored composed, in the dossier and in its audit event
    dossier = filed(world)
    citizen.force_login(world.reception)
    reason = "Hồ sơ không thuộc thẩm quyền giải quyết của xã"
    response = citizen.post(
        f"/api/dossiers/{dossier.pk}/refuse/", {"reason": nfd(reason)}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    dossier.refresh_from_db()
    assert dossier.closing_reason == reason
    assert dossier.events.latest("pk").reason == reason


@pytest.mark.parametrize(
    ("state", "actor", "segment", "body", "field", "limit"),
    [
        (State.FILED, "reception", "refuse", {"reason": "ễ" * 2001}, "reason", 2000),
        (State.PROCESSING, "handler", "request-payment", {"amount_vnd": 1, "note": "a" * 2001}, "note", 2000),
        (
            State.PROCESSING,
            "leader",
            "decide",
            {"outcome": "approved", "result_document": "a" * 501},
            "result_document",
            500,
        ),
        (State.RETURNED, "citizen", "rate", {"rating": "satisfied", "comment": "ề" * 2001}, "comment", 2000),
    ],
)
def test_over_long_text_in_an_action_is_a_400(world, client, state, actor, segment, body, field, limit):
    dossier = walk(world, _file(world), PATHS[state])
    client.force_login(getattr(world, actor))
    response = act(client, dossier, segment, body)
    assert response.status_code == 400
    assert response.json()["fields"] == {field: [f"Tối đa {limit} ký tự."]}


# --- 400: the procedure ----------------------------------------------------------------------------------


def test_an_unknown_procedure_is_a_400_naming_it(world, citizen):
    response = file(citizen, filing(world, procedure="9.999999"))
    assert response.status_code == 400
    message = "Thủ tục 9.999999 không tồn tại hoặc đã bị bãi bỏ."
    assert response.json() == {"code": "unknown_procedure", "detail": message, "fields": {"procedure": [message]}}


def test_a_procedure_not_applied_is_a_400_naming_it(world, citizen):
    procedure_version(code="1.000001", name="Thủ tục chưa phát sinh hồ sơ", is_applied=False)
    response = file(citizen, filing(world, procedure="1.000001"))
    assert response.status_code == 400
    message = "Thủ tục 1.000001 hiện không áp dụng tại tỉnh."
    assert response.json() == {"code": "procedure_not_applied", "detail": message, "fields": {"procedure": [message]}}


@pytest.mark.parametrize("chained", [True, False], ids=["chained", "version-before-not-closed"])
def test_an_abolished_procedure_is_a_400_naming_it(world, citizen, chained):
    version = procedure_version(code="2.000002", name="Thủ tục đã bãi bỏ")
    abolished_on = datetime.date(2026, 1, 1)
    if chained:
        version.effective_until = abolished_on
        version.save(update_fields=["effective_until"])
    ProcedureVersion.objects.create(
        procedure=version.procedure,
        change="abolished",
        effective_from=abolished_on,
        name=version.name,
        name_folded=version.name_folded,
        field=version.field,
        level=version.level,
    )
    response = file(citizen, filing(world, procedure="2.000002"))
    assert response.status_code == 400
    message = "Thủ tục 2.000002 đã bị bãi bỏ."
    assert response.json() == {"code": "procedure_abolished", "detail": message, "fields": {"procedure": [message]}}


def test_an_abolition_not_yet_in_force_does_not_stop_filing(world, citizen):
    version = procedure_version(code="2.000003", name="Thủ tục sắp bãi bỏ")
    ProcedureVersion.objects.create(
        procedure=version.procedure,
        change="abolished",
        effective_from=datetime.date(2026, 7, 1),
        name=version.name,
        name_folded=version.name_folded,
        field=version.field,
        level=version.level,
    )
    response = citizen.post("/api/dossiers/", filing_form(filing(world, procedure="2.000003")))
    assert response.status_code == 201, response.json()


def test_an_unknown_reception_centre_is_a_400_naming_it(world, citizen):
    body = {**filing(world), "reception_centre": "999.99.99.H99"}
    response = file(citizen, body)
    assert response.status_code == 400
    message = "Không có trung tâm với mã 999.99.99.H99."
    assert response.json() == {"code": "invalid", "detail": message, "fields": {"reception_centre": [message]}}


# --- 400: a required reason ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "actor", "segment", "extra", "label"),
    [
        (State.FILED, "reception", "refuse", {}, "Từ chối tiếp nhận"),
        (State.PROCESSING, "handler", "request-supplement", {"missing_components": ["Giấy chứng sinh"]}, None),
        (State.PROCESSING, "citizen", "withdraw", {}, "Yêu cầu rút hồ sơ"),
        (State.PROCESSING, "leader", "stop", {}, "Dừng xử lý"),
        (State.PROCESSING, "leader", "extend", {"new_due_at": "2026-06-01T09:00:00+07:00"}, None),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   \n\t "], ids=["absent", "empty", "blank"])
def test_an_action_without_its_required_reason_is_a_400(world, client, state, actor, segment, extra, label, reason):
    dossier = walk(world, _file(world), PATHS[state])
    client.force_login(getattr(world, actor))
    body = {**extra} if reason is None else {**extra, "reason": reason}
    response = act(client, dossier, segment, body)
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "reason_required"
    assert set(data) == {"code", "detail", "fields"} and data["fields"] == {"reason": [data["detail"]]}
    if label:
        assert data["detail"] == f'Thao tác "{label}" cần ghi rõ lý do.'


def test_denying_without_a_reason_is_a_400(world, client):
    dossier = processing(world)
    client.force_login(world.leader)
    response = act(client, dossier, "decide", {"outcome": "denied"})
    assert response.status_code == 400
    message = "Từ chối giải quyết cần ghi rõ lý do."
    assert response.json() == {"code": "reason_required", "detail": message, "fields": {"reason": [message]}}


def test_a_malformed_if_match_is_a_400(world, client):
    dossier = filed(world)
    client.force_login(world.reception)
    response = act(client, dossier, "receive", HTTP_IF_MATCH="phiên bản mới nhất")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_if_match",
        "detail": 'Tiêu đề If-Match không hợp lệ: cần phiên bản hồ sơ, ví dụ "3".',
    }


# --- 403, 404, 409 ---------------------------------------------------------------------------------------


def test_a_role_that_may_not_act_is_a_403(world, client):
    dossier = filed(world)
    for person in (world.province, world.admin, world.handler, world.citizen):
        client.force_login(person)
        response = act(client, dossier, "receive")
        assert response.status_code == 403
        assert response.json() == {
            "code": "forbidden",
            "detail": 'Bạn không có quyền thực hiện thao tác "Tiếp nhận" với hồ sơ này.',
        }


def test_out_of_scope_and_missing_are_the_same_404(world, client):
    dossier = filed(world)
    client.force_login(world.other_reception)
    answers = [
        act(client, dossier, "receive"),
        client.get(f"/api/dossiers/{dossier.pk}/"),
        client.post("/api/dossiers/999999/receive/"),
        client.get("/api/dossiers/999999/"),
    ]
    for response in answers:
        assert response.status_code == 404
        assert response.content.decode() == '{"code":"not_found","detail":"Không tìm thấy."}'


def test_an_invalid_transition_is_a_409(world, client):
    dossier = filed(world)
    client.force_login(world.reception)
    response = act(client, dossier, "transfer")
    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "detail": 'Không thể "Chuyển đơn vị xử lý" khi hồ sơ đang ở trạng thái "Mới đăng ký, chờ tiếp nhận".',
        "state": "filed",
    }


def test_a_repeated_action_is_a_409(world, client):
    dossier = filed(world)
    client.force_login(world.reception)
    assert client.post(f"/api/dossiers/{dossier.pk}/receive/").status_code == 200
    dossier.refresh_from_db()
    response = act(client, dossier, "receive")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


def test_a_second_extension_and_a_second_rating_are_409s(world, client):
    dossier = processing(world)
    client.force_login(world.leader)
    body = {"reason": "Cần xác minh thêm", "new_due_at": "2026-06-01T09:00:00+07:00"}
    assert client.post(f"/api/dossiers/{dossier.pk}/extend/", body, content_type="application/json").status_code == 200
    response = act(client, dossier, "extend", {**body, "new_due_at": "2026-07-01T09:00:00+07:00"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "already_extended",
        "detail": "Hồ sơ đã được hẹn lại một lần; không thể hẹn lại lần nữa.",
    }

    dossier = walk(world, _file(world), PATHS[State.RETURNED])
    client.force_login(world.citizen)
    body = {"rating": "very_satisfied"}
    assert client.post(f"/api/dossiers/{dossier.pk}/rate/", body, content_type="application/json").status_code == 200
    response = act(client, dossier, "rate", {"rating": "not_satisfied"})
    assert response.status_code == 409
    assert response.json() == {"code": "already_rated", "detail": "Hồ sơ đã được đánh giá."}
    assert Dossier.objects.get(pk=dossier.pk).rating == "very_satisfied"


def test_a_stale_version_is_a_409_with_the_current_version(world, client):
    dossier = filed(world)
    client.force_login(world.reception)
    response = act(client, dossier, "receive", HTTP_IF_MATCH='"0"')
    assert response.status_code == 409
    assert response.json() == {
        "code": "stale_version",
        "detail": "Hồ sơ đã được cập nhật bởi người khác (phiên bản 1); vui lòng tải lại.",
        "version": 1,
    }


# --- In English ------------------------------------------------------------------------------------------


def test_errors_in_english_when_asked(world, client):
    client.force_login(world.citizen)
    procedure_version(code="1.000001", name="Thủ tục chưa phát sinh hồ sơ", is_applied=False)
    expected_400 = [
        (filing(world, id_number="02519000123"), "The ID number (CCCD) must have exactly 12 digits."),
        (
            filing(world, phone="+1 555 0100"),
            "Invalid phone number (a mobile has 10 digits, e.g. 0912345678; a landline 11, e.g. 02103846123).",
        ),
        (filing(world, email="hoa@"), "Invalid e-mail address."),
        (filing(world, procedure="9.999999"), "Procedure 9.999999 does not exist or has been abolished."),
        (filing(world, procedure="1.000001"), "Procedure 1.000001 is not applied in the province."),
    ]
    for body, message in expected_400:
        response = file(client, body, **EN)
        assert response.status_code == 400
        assert response["Content-Language"] == "en"
        data = response.json()
        assert data["detail"] == message
        assert list(data["fields"].values()) == [[message]]

    response = file(client, filing(world, name="a" * 201), **EN)
    assert response.json() == {
        "code": "invalid",
        "detail": "Invalid data.",
        "fields": {"applicant": {"name": ["At most 200 characters."]}},
    }

    dossier = filed(world)
    response = act(client, dossier, "withdraw", {}, **EN)
    assert response.json()["detail"] == 'The action "Request withdrawal" needs a reason.'
    response = act(client, dossier, "receive", **EN)
    assert response.status_code == 403
    assert response.json() == {
        "code": "forbidden",
        "detail": 'You may not perform the action "Receive" on this dossier.',
    }
    client.force_login(world.reception)
    response = act(client, dossier, "transfer", **EN)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        'Cannot "Transfer to the processing unit" while the dossier is "Filed, awaiting reception".'
    )
    response = act(client, dossier, "receive", HTTP_IF_MATCH='"0"', **EN)
    assert response.json()["detail"] == "Someone else has updated this dossier (version 1); please reload."
    client.force_login(world.other_reception)
    response = client.get(f"/api/dossiers/{dossier.pk}/", **EN)
    assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "Not found."}
    # and Vietnamese again without the header
    assert client.get(f"/api/dossiers/{dossier.pk}/").json()["detail"] == "Không tìm thấy."


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("0039-05-09T04:10:22.038+17:06", 200),  # an offset PostgreSQL refuses: the same instant in UTC
        ("2026-03-01T00:00:00+23:59", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # leaves the calendar in UTC
        ("not a moment", 400),
    ],
)
def test_a_moment_filter_takes_any_offset_and_never_answers_500(world, client, value, status):
    """Found by schemathesis: ``received_after`` with an offset beyond ±15:59 was a database error (500)."""
    client.force_login(world.reception)
    for name in ("received_after", "received_before", "due_before"):
        response = client.get("/api/dossiers/", {name: value})
        assert response.status_code == status, (name, response.content)
