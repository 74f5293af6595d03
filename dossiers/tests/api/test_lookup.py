"""Public dossier lookup and its bad input: ``GET /api/lookup/`` and the ``/tra-cuu/`` page.

Without login; by code + ID number or phone; a wrong pair answers byte for byte like an unknown code; personal data
masked; the next step in plain Vietnamese; 400 on missing or absurd input; 429 with ``Retry-After`` per client, on
the real Redis cache too; no ID number or phone in any log line.

Every test counts its requests under its own client address, and forgets it afterwards, so that throttle history
left in a shared cache (Redis under ``make test``) by another test, worker or run never answers for this one. The
cache is never cleared as a whole: on Redis that would flush what parallel tests keep there.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.test import APIClient

from dossiers import services
from dossiers.lookup import mask_name, mask_tail, normalise_phone
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import NATIONAL_STATUS, NATIONAL_STATUS_LABELS, STATE_LABELS, Action, State
from portal.tests.answers import comparable_headers

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_9AM = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
ID_NUMBER = "025190001234"
PHONE = "0912345678"
NOT_FOUND = {"code": "not_found", "detail": "Không tìm thấy hồ sơ với thông tin đã nhập."}
URL = "/api/lookup/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


def _address() -> str:
    n = uuid.uuid4().int
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


@pytest.fixture
def ip():
    """This test's own client address; its throttle history is forgotten afterwards."""
    address = _address()
    yield address
    cache.delete(f"throttle_lookup_{address}")


@pytest.fixture
def api(ip) -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def make(world, state: State = State.PROCESSING):
    dossier = file_online(world.citizen, world.centre, applicant={"id_number": ID_NUMBER, "phone": PHONE})
    return walk(world, dossier, PATHS[state])


def lookup(api, **params):
    return api.get(URL, params)


# --- answers -----------------------------------------------------------------------------------------------------


def test_by_id_number_without_login(world, api):
    dossier = make(world)
    response = lookup(api, code=dossier.code, id_number=ID_NUMBER)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "code",
        "procedure",
        "status",
        "received_at",
        "due_at",
        "extended_due_at",
        "return_point",
        "next_step",
        "applicant",
    }
    assert body["code"] == dossier.code
    assert body["procedure"] == {"code": "1.001193", "name": "Thủ tục đăng ký khai sinh"}
    assert body["status"] == {
        "state": "processing",
        "label": "Đang xử lý",
        "national_code": 4,
        "national_label": "Đang xử lý",
    }
    assert body["received_at"] == "2026-03-02T09:00:00+07:00"
    assert body["due_at"] == dossier.due_at.astimezone(TZ).isoformat()
    assert body["extended_due_at"] is None
    centre = dossier.return_centre
    assert body["return_point"] == {"name": centre.name, "address": centre.address, "phone": centre.phone}
    due = dossier.due_at.astimezone(TZ)
    assert body["next_step"] == (
        f"Hồ sơ đang được giải quyết; bạn chưa cần làm gì thêm. Hẹn trả kết quả lúc {due:%H:%M} ngày {due:%d/%m/%Y}."
    )
    assert response["Cache-Control"] == "no-store, private"


@pytest.mark.parametrize("phone", [PHONE, "+84 912 345 678", "+84912345678", "091.234.5678", " 0912 345 678 "])
def test_by_phone_in_any_usual_form(world, api, phone):
    dossier = make(world)
    response = lookup(api, code=dossier.code, phone=phone)
    assert response.status_code == 200, response.content
    assert response.json()["code"] == dossier.code


def test_code_is_normalised_and_id_number_may_carry_spaces(world, api):
    dossier = make(world)
    response = lookup(api, code=f"  {dossier.code.lower()} ", id_number="0251 9000 1234")
    assert response.status_code == 200, response.content


def test_an_online_filing_not_yet_received_is_found_by_its_reference(world, api):
    dossier = make(world, State.FILED)
    assert dossier.code is None
    body = lookup(api, code=dossier.reference, id_number=ID_NUMBER).json()
    assert body["code"] == dossier.reference
    assert body["status"]["national_code"] == 1
    assert body["received_at"] is None and body["due_at"] is None
    assert body["next_step"].startswith("Chờ cơ quan tiếp nhận kiểm tra hồ sơ")


def test_both_given_both_must_match(world, api):
    dossier = make(world)
    assert lookup(api, code=dossier.code, id_number=ID_NUMBER, phone=PHONE).status_code == 200
    assert lookup(api, code=dossier.code, id_number=ID_NUMBER, phone="0987654321").status_code == 404


def test_credentials_are_not_even_read(world, api):
    """No authentication: a broken token does not turn the public answer into a 401."""
    dossier = make(world)
    response = api.get(URL, {"code": dossier.code, "id_number": ID_NUMBER}, HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 200


# --- no way to learn that a code exists -----------------------------------------------------------------------


def _answer(response) -> tuple:
    """The answer as a client can compare it, without what differs by request whatever was asked."""
    return response.status_code, response.content, comparable_headers(response)


def test_wrong_pair_answers_byte_for_byte_like_an_unknown_code(world, api, django_assert_num_queries):
    dossier = make(world)
    unknown_code = dossier.code[:-4] + ("9999" if not dossier.code.endswith("9999") else "9998")
    answers = []
    for params in (
        {"code": unknown_code, "id_number": ID_NUMBER},  # unknown code
        {"code": dossier.code, "id_number": "025190009999"},  # wrong ID number
        {"code": dossier.code, "phone": "0987654321"},  # wrong phone
        {"code": unknown_code, "phone": PHONE},
        {"code": dossier.code, "id_number": ID_NUMBER[:-1]},  # a prefix of the right one
    ):
        with django_assert_num_queries(1):  # the same single query by code, whatever the answer
            response = lookup(api, **params)
        answers.append(_answer(response))
    assert answers[0][0] == 404
    assert response.json() == NOT_FOUND
    assert all(answer == answers[0] for answer in answers), answers


# --- masking and next steps -----------------------------------------------------------------------------------


def test_personal_data_is_masked(world, api):
    dossier = make(world)
    response = lookup(api, code=dossier.code, id_number=ID_NUMBER)
    assert response.json()["applicant"] == {"name": "N. T. H.", "id_number": "*********234", "phone": "*******678"}
    text = response.content.decode()
    for secret in (ID_NUMBER, PHONE, "Nguyễn", "Hoa", "hoa@example.vn", "Khu 3"):
        assert secret not in text


@pytest.mark.parametrize(
    ("name", "masked"),
    [("Nguyễn Thị Hoa", "N. T. H."), ("  đặng   văn  an ", "Đ. V. A."), ("Hoa", "H."), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("025190001234", "*********234"),
        ("0912345678", "*******678"),
        ("0101234567-001", "***********001"),
        ("12", "**"),
    ],
)
def test_mask_tail(value, masked):
    assert mask_tail(value) == masked


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("+84 912 345 678", "0912345678"), ("0084912345678", "0912345678"), ("(0210) 384.6123", "02103846123")],
)
def test_normalise_phone(raw, normal):
    assert normalise_phone(raw) == normal


def test_next_step_for_a_supplement_lists_the_components(world, api):
    dossier = make(world, State.PROCESSING)
    services.dossier_request_supplement(
        dossier_id=dossier.pk,
        actor=world.handler,
        reason="Thiếu giấy tờ",
        missing_components=["Giấy chứng sinh", "Bản sao giấy chứng nhận kết hôn"],
        expected_version=dossier.version,
    )
    body = lookup(api, code=dossier.code, id_number=ID_NUMBER).json()
    assert body["status"]["label"] == "Chờ bổ sung giấy tờ"
    assert body["status"]["national_code"] == 5
    assert body["status"]["national_label"] == "Yêu cầu bổ sung giấy tờ"
    assert body["next_step"].startswith(
        "Bổ sung các giấy tờ: Giấy chứng sinh; Bản sao giấy chứng nhận kết hôn. Thời hạn giải quyết tạm dừng"
    )


def test_next_step_for_a_ready_result_is_the_return_point(world, api):
    dossier = make(world, State.RESULT_READY)
    centre = dossier.return_centre
    assert centre.address, "the real centres carry an address"
    body = lookup(api, code=dossier.code, phone=PHONE).json()
    assert body["status"]["national_code"] == 9
    assert body["next_step"].startswith(f"Đến {centre.name} ({centre.address}) để nhận kết quả")
    assert body["return_point"]["name"] == centre.name


def test_next_step_for_a_payment_says_the_amount(world, api):
    dossier = make(world, State.PAYMENT_REQUESTED)  # states.py asks for 50 000 đồng
    body = lookup(api, code=dossier.code, id_number=ID_NUMBER).json()
    assert body["next_step"] == "Nộp phí, lệ phí 50.000 đồng để hồ sơ được tiếp tục giải quyết."


def test_next_step_for_a_stopped_dossier_gives_the_reason(world, api):
    dossier = make(world, State.STOPPED)
    body = lookup(api, code=dossier.code, id_number=ID_NUMBER).json()
    assert body["next_step"] == "Hồ sơ đã dừng xử lý. Lý do: Người nộp không bổ sung"


def test_extended_due_moment_is_given_and_is_the_one_waited_for(world, api):
    dossier = walk(world, make(world, State.PROCESSING), [Action.EXTEND])
    body = lookup(api, code=dossier.code, id_number=ID_NUMBER).json()
    new_due = dossier.extended_due_at.astimezone(TZ)
    assert body["extended_due_at"] == new_due.isoformat()
    assert f"{new_due:%H:%M} ngày {new_due:%d/%m/%Y}" in body["next_step"]


@pytest.mark.parametrize("state", list(State), ids=str)
def test_every_state_has_a_plain_label_its_national_code_and_a_next_step(world, api, state):
    dossier = make(world, state)
    body = lookup(api, code=dossier.code or dossier.reference, id_number=ID_NUMBER).json()
    assert body["status"] == {
        "state": state.value,
        "label": str(STATE_LABELS[state]),
        "national_code": NATIONAL_STATUS[state],
        "national_label": str(NATIONAL_STATUS_LABELS[NATIONAL_STATUS[state]]),
    }
    assert len(body["next_step"]) > 20


def test_english_when_asked(world, api):
    dossier = make(world)
    body = api.get(URL, {"code": dossier.code, "id_number": ID_NUMBER}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["status"]["label"] == "Being processed"
    assert body["next_step"].startswith("Your dossier is being processed; nothing is needed from you now.")
    missing = api.get(URL, {"code": "X", "id_number": ID_NUMBER}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert missing == {"code": "not_found", "detail": "No dossier matches the details you entered."}


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"code", "id_number", "phone"}),
        ({"id_number": ID_NUMBER}, {"code"}),
        ({"code": "000.00.53.H48-260302-0001"}, {"id_number", "phone"}),
        ({"code": "000.00.53.H48-260302-0001", "id_number": "  ", "phone": ""}, {"id_number", "phone"}),
        ({"code": "   ", "phone": PHONE}, {"code"}),
    ],
)
def test_missing_parameters_400(world, api, params, fields):
    response = lookup(api, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "Thông tin tra cứu chưa hợp lệ."
    assert set(body["fields"]) == fields


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"code": "A" * 41, "id_number": ID_NUMBER}, "code"),
        ({"code": "000.00.53.H48-260302-0001", "id_number": "1" * 21}, "id_number"),
        ({"code": "000.00.53.H48-260302-0001", "phone": "0" * 21}, "phone"),
        ({"code": "X" * 100_000, "phone": PHONE}, "code"),
    ],
)
def test_too_long_parameters_400(world, api, params, field):
    response = lookup(api, **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {field}
    assert body["fields"][field][0].startswith("Tối đa")


@pytest.mark.postgres  # the 500 it guards against is PostgreSQL refusing a NUL
@pytest.mark.parametrize("code", ["\x00", "000.00.53.H48\x00-260302-0001"])
def test_a_code_with_a_nul_character_is_unknown(world, api, code):
    # found by fuzzing (bench/fuzz.py): PostgreSQL refuses a NUL in a query, and the lookup answered 500
    make(world)
    for response in (lookup(api, code=code, id_number=ID_NUMBER), api.post(URL, {"code": code, "phone": PHONE})):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"


# --- the same lookup by POST (the page's script): personal data out of URLs -----------------------------------


def test_post_answers_exactly_as_get(world, api):
    dossier = make(world)
    for params, status in (
        ({"code": dossier.code, "id_number": ID_NUMBER}, 200),
        ({"code": dossier.code, "phone": PHONE}, 200),
        ({"code": dossier.code, "id_number": "025190009999"}, 404),  # a wrong pair: like an unknown code
        ({"code": dossier.code}, 400),  # neither ID number nor phone
    ):
        by_get = lookup(api, **params)
        by_json = api.post(URL, params, format="json")
        by_form = api.post(URL, params)  # a form (the test client sends it as multipart)
        assert by_get.status_code == status, (params, by_get.json())
        if status == 200:
            assert by_get.json()["code"] == dossier.code and by_get.json()["status"]["state"] == "processing"
        assert (by_json.status_code, by_json.json()) == (by_get.status_code, by_get.json())
        assert (by_form.status_code, by_form.json()) == (by_get.status_code, by_get.json())
    assert by_json["Cache-Control"] == by_get["Cache-Control"]


def test_post_with_a_body_that_is_not_an_object_is_a_400(world, api):
    response = api.post(URL, ["not", "an", "object"], format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_post_and_get_share_one_throttle(world, api, settings):
    settings.LOOKUP_RATE = "2/min"
    dossier = make(world)
    assert lookup(api, code=dossier.code, id_number=ID_NUMBER).status_code == 200
    assert api.post(URL, {"code": dossier.code, "id_number": ID_NUMBER}, format="json").status_code == 200
    assert api.post(URL, {"code": dossier.code, "id_number": ID_NUMBER}, format="json").status_code == 429


# --- rate limit -------------------------------------------------------------------------------------------------


def test_rate_limited_per_client_with_retry_after(world, api, ip, settings):
    settings.LOOKUP_RATE = "3/min"
    dossier = make(world)
    assert lookup(api, code=dossier.code, id_number=ID_NUMBER).status_code == 200
    assert lookup(api, code="X", id_number=ID_NUMBER).status_code == 404
    assert lookup(api).status_code == 400  # bad requests count too
    throttled = lookup(api, code=dossier.code, id_number=ID_NUMBER)
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "60"  # time is frozen: the oldest of the three leaves the window in 60 s
    assert throttled.json() == {
        "code": "throttled",
        "limited": "lookup",
        "detail": "Bạn đã tra cứu quá nhiều lần; vui lòng thử lại sau 60 giây.",
    }
    english = api.get(URL, {"code": dossier.code}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429
    assert english.json()["detail"] == "You have looked up too many times; please try again in 60 seconds."
    # another client is not affected …
    assert APIClient(REMOTE_ADDR=_address()).get(URL, {"code": dossier.code, "id_number": ID_NUMBER}).status_code == 200
    # … and a minute later this one may ask again
    with time_machine.travel(MONDAY_9AM + datetime.timedelta(seconds=61), tick=False):
        assert lookup(api, code=dossier.code, id_number=ID_NUMBER).status_code == 200


def test_forwarded_for_is_ignored_unless_behind_trusted_proxies(world, api, ip, settings):
    settings.LOOKUP_RATE = "1/min"
    assert api.get(URL, {"code": "X", "phone": PHONE}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 404
    # a client inventing a new address on every request is still counted under REMOTE_ADDR
    assert api.get(URL, {"code": "X", "phone": PHONE}, HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429

    settings.TRUSTED_PROXY_COUNT = 1
    proxy = APIClient(REMOTE_ADDR=_address())  # our reverse proxy, forwarding two different clients
    first, second = _address(), _address()

    def via_proxy(forwarded: str) -> int:
        return proxy.get(URL, {"code": "X", "phone": PHONE}, HTTP_X_FORWARDED_FOR=forwarded).status_code

    try:
        # the client may prepend anything; only the entry our proxy appended (the last one) counts
        assert via_proxy(f"9.9.9.9, {first}") == 404
        assert via_proxy(f"8.8.8.8, {first}") == 429
        assert via_proxy(second) == 404
    finally:
        cache.delete_many([f"throttle_lookup_{first}", f"throttle_lookup_{second}"])


@pytest.mark.redis
def test_the_throttle_counts_in_redis(world, api, ip, settings):
    """Several web processes share one count: the history lives in the Redis cache (settings under REDIS_URL)."""
    import redis

    assert settings.CACHES["default"]["BACKEND"] == "portal.common.cache.ResilientRedisCache"
    settings.LOOKUP_RATE = "2/min"
    key = cache.make_and_validate_key(f"throttle_lookup_{ip}")
    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    assert not server.exists(key)
    assert lookup(api, code="X", phone=PHONE).status_code == 404
    assert server.exists(key) and 0 < server.ttl(key) <= 60
    assert lookup(api, code="X", phone=PHONE).status_code == 404
    throttled = lookup(api, code="X", phone=PHONE)
    assert throttled.status_code == 429 and throttled["Retry-After"] == "60"
    server.delete(key)  # what another process would see: the count is gone for everyone
    assert lookup(api, code="X", phone=PHONE).status_code == 404


# --- logs ---------------------------------------------------------------------------------------------------


def test_no_id_number_or_phone_in_any_log(world, api, client, ip, settings, caplog):
    settings.LOOKUP_RATE = "6/min"
    dossier = make(world)
    caplog.set_level(logging.DEBUG)
    lookup(api, code=dossier.code, id_number=ID_NUMBER)
    lookup(api, code=dossier.code, phone="+84 912 345 678")
    lookup(api, code=dossier.code, id_number="025190009876")
    lookup(api, code="X" * 50, id_number=ID_NUMBER)
    client.post("/tra-cuu/", {"code": dossier.code, "id_number": ID_NUMBER}, REMOTE_ADDR=ip)
    client.post("/tra-cuu/", {"code": "X", "phone": PHONE}, REMOTE_ADDR=ip)
    assert lookup(api, code=dossier.code, id_number=ID_NUMBER).status_code == 429
    assert caplog.records, "the 4xx answers are logged (django.request)"
    text = caplog.text + " ".join(str(record.args) for record in caplog.records)
    for secret in (ID_NUMBER, "025190009876", PHONE, "912 345 678", "912345678"):
        assert secret not in text


# --- the page without JavaScript (the browser tests drive it with JavaScript) ----------------------------------


def test_page_prefills_the_code_from_the_qr_link(world, client):
    response = client.get("/tra-cuu/", {"code": "000.00.53.H48-260302-0001"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="000.00.53.H48-260302-0001"' in html
    assert 'data-api="/api/lookup/"' in html
    assert '<html lang="vi"' in html


def test_page_posts_to_itself_without_javascript(world, client, ip):
    dossier = make(world)
    response = client.post("/tra-cuu/", {"code": dossier.code, "id_number": ID_NUMBER}, REMOTE_ADDR=ip)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đang xử lý" in html and "N. T. H." in html and "*********234" in html
    assert ID_NUMBER not in html.replace(f'value="{ID_NUMBER}"', "")  # only the field the citizen typed it in
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]

    wrong = client.post("/tra-cuu/", {"code": dossier.code, "id_number": "025190009999"}, REMOTE_ADDR=ip)
    assert wrong.status_code == 404
    assert "Không tìm thấy hồ sơ với thông tin đã nhập." in wrong.content.decode()

    missing = client.post("/tra-cuu/", {"code": dossier.code}, REMOTE_ADDR=ip)
    assert missing.status_code == 400
    assert "Hãy nhập số CCCD (hoặc mã số thuế) hoặc số điện thoại của người nộp." in missing.content.decode()


def test_page_shares_the_throttle_of_the_api(world, client, api, ip, settings):
    settings.LOOKUP_RATE = "2/min"
    assert lookup(api, code="X", phone=PHONE).status_code == 404
    assert client.post("/tra-cuu/", {"code": "X", "phone": PHONE}, REMOTE_ADDR=ip).status_code == 404
    throttled = client.post("/tra-cuu/", {"code": "X", "phone": PHONE}, REMOTE_ADDR=ip)
    assert throttled.status_code == 429 and throttled["Retry-After"] == "60"
    assert "Bạn đã tra cứu quá nhiều lần; vui lòng thử lại sau 60 giây." in throttled.content.decode()
    assert lookup(api, code="X", phone=PHONE).status_code == 429
    assert client.get("/tra-cuu/", REMOTE_ADDR=ip).status_code == 200  # showing the form is never limited
