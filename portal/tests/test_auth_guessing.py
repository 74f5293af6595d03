"""Guessing is stopped wherever a credential is checked (issue 15, point 7), and every failure is recorded where staff
see it — django-axes' "Access failures" in the admin — with the identifier masked, in the records and in the logs:

* API tokens: ``TOKEN_FAILURE_RATE`` refused tokens lock the address out (429 with ``Retry-After`` and ``"limited":
  "token"``; no token from it is looked up meanwhile, a right one neither); sessions and other addresses go on.
* Passwords — the citizens' log-in page, the admin's, HTTP Basic on the API — beyond django-axes' limit per user name
  and address (``test_login_limit.py``): ``LOGIN_ADDRESS_RATE`` failures from one address whatever the user names.
"""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dossiers.tests.factories import UserFactory
from portal.common.authentication import TOKEN_LABEL, mask_identifier
from portal.tasks import purge_failed_logins

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

PASSWORD = "matkhau-an-toan-123"  # the factories' password
URL = "/api/dossiers/"


@pytest.fixture
def address() -> str:
    return f"10.88.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.fixture
def token_rate(settings) -> int:
    settings.TOKEN_FAILURE_RATE = "3/hour"
    return 3


def wrong_token() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]  # 40 characters, like a real one


# --- API tokens ------------------------------------------------------------------------------------------------


def test_wrong_tokens_lock_the_address_out(address, token_rate, logged_text):
    user = UserFactory(username=f"tichhop-{uuid.uuid4().hex[:6]}")
    good = Token.objects.create(user=user).key
    api = APIClient(REMOTE_ADDR=address)
    assert api.get(URL, HTTP_AUTHORIZATION=f"Token {good}").status_code == 200  # successes are not counted
    guesses = [wrong_token() for _n in range(token_rate)]
    for guess in guesses[:-1]:
        refused = api.get(URL, HTTP_AUTHORIZATION=f"Token {guess}")
        assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    locked = api.get(URL, HTTP_AUTHORIZATION=f"Token {guesses[-1]}", HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert locked.json() == {
        "code": "throttled",
        "limited": "token",
        "detail": "Too many invalid access tokens from this address; please try again in 60 minutes.",
    }
    assert 3500 < int(locked["Retry-After"]) <= 3600
    # locked out: not even the right token is looked up, in Vietnamese by default
    again = api.get(URL, HTTP_AUTHORIZATION=f"Token {good}")
    assert again.status_code == 429 and again.json()["limited"] == "token"
    assert again.json()["detail"].startswith("Mã truy cập (token) sai quá nhiều lần từ địa chỉ này")
    # another address, and a session from this one, are not concerned
    assert APIClient(REMOTE_ADDR=f"{address}1").get(URL, HTTP_AUTHORIZATION=f"Token {good}").status_code == 200
    session = Client(REMOTE_ADDR=address)
    session.force_login(user)
    assert session.get(URL).status_code == 200
    # the audit: one row per refused token, the last one locked out; the tokens themselves are written nowhere
    rows = list(AccessFailureLog.objects.filter(ip_address=address).order_by("pk"))
    assert [(row.username, row.path_info, row.locked_out) for row in rows] == [
        (TOKEN_LABEL, URL, False),
        (TOKEN_LABEL, URL, False),
        (TOKEN_LABEL, URL, True),
    ]
    text = logged_text()
    assert "authentication failed: [token] from " + address in text
    for key in [good, *guesses]:
        assert key not in text
        assert not AccessFailureLog.objects.filter(user_agent__contains=key).exists()


def test_a_malformed_token_header_is_a_failure_too(address, token_rate):
    api = APIClient(REMOTE_ADDR=address)
    for header in ("Token", "Token a b"):
        assert api.get(URL, HTTP_AUTHORIZATION=header).status_code == 401
    assert api.get(URL, HTTP_AUTHORIZATION="Token").status_code == 429
    assert AccessFailureLog.objects.filter(ip_address=address, username=TOKEN_LABEL).count() == 3


def test_an_inactive_accounts_token_is_a_failure(address, token_rate):
    user = UserFactory(username=f"tichhop-{uuid.uuid4().hex[:6]}", is_active=False)
    key = Token.objects.create(user=user).key
    api = APIClient(REMOTE_ADDR=address)
    assert api.get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert AccessFailureLog.objects.filter(ip_address=address, username=TOKEN_LABEL).count() == 1


def test_public_endpoints_without_a_token_are_not_concerned(address, token_rate):
    api = APIClient(REMOTE_ADDR=address)
    for _n in range(token_rate):
        api.get(URL, HTTP_AUTHORIZATION=f"Token {wrong_token()}")
    assert api.get("/api/procedures/fields/").status_code == 200
    assert api.get(URL).status_code == 401  # no credentials: asked to log in, not throttled


# --- passwords -----------------------------------------------------------------------------------------------------


def test_the_log_in_page_records_each_failure_masked(address, logged_text):
    cccd = f"0{uuid.uuid4().int % 10**11:011d}"
    citizen = UserFactory(username=cccd, id_number=cccd, phone=f"09{uuid.uuid4().int % 10**8:08d}")
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT="Mozilla/5.0 (thử)")
    response = client.post("/tai-khoan/dang-nhap/", {"username": cccd, "password": "sai-mat-khau"})
    assert response.status_code == 400
    response = client.post("/tai-khoan/dang-nhap/", {"username": f"+84 {citizen.phone[1:]}", "password": "sai"})
    assert response.status_code == 400
    rows = list(AccessFailureLog.objects.filter(ip_address=address).order_by("pk"))
    assert [row.username for row in rows] == [mask_identifier(cccd), mask_identifier(citizen.phone)]
    assert rows[0].username == cccd[:3] + "•" * 7 + cccd[-2:]
    assert {row.path_info for row in rows} == {"/tai-khoan/dang-nhap/"}
    assert {row.user_agent for row in rows} == {"Mozilla/5.0 (thử)"}
    assert not any(row.locked_out for row in rows)
    text = logged_text()
    assert cccd not in text and citizen.phone not in text and citizen.phone[1:] not in text
    assert mask_identifier(cccd) in text  # django-axes' own line and ours name it masked


def test_a_forwarded_value_that_is_no_address_is_still_recorded(settings):
    """Behind our proxy the client is what it appended; something else there is kept out of the address column."""
    settings.TRUSTED_PROXY_COUNT = 1
    marker = uuid.uuid4().hex
    client = Client(HTTP_X_FORWARDED_FOR=f"10.1.1.1, khong-phai-dia-chi-{marker}", HTTP_USER_AGENT=f"ua-{marker}\0x")
    assert client.post("/tai-khoan/dang-nhap/", {"username": "ai-do", "password": "sai"}).status_code == 400
    row = AccessFailureLog.objects.get(user_agent=f"ua-{marker}x")
    assert row.ip_address is None and row.username == "ai-do"


def test_one_address_trying_many_user_names_at_the_admin_is_stopped(address, settings):
    settings.LOGIN_ADDRESS_RATE = "3/hour"
    # letters only: a name with six digits or more is masked like a CCCD (mask_identifier), and this one must not be
    letters = uuid.uuid4().hex[:6].translate(str.maketrans("0123456789", "ghijklmnop"))
    staff = UserFactory(username=f"canbo-{letters}", is_staff=True)
    client = Client(REMOTE_ADDR=address)
    for _n in range(3):
        response = client.post("/admin/login/?next=/admin/", {"username": uuid.uuid4().hex[:10], "password": "123456"})
        assert response.status_code == 200  # the form again
    locked = client.post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau" in locked.content.decode()
    assert int(locked["Retry-After"]) > 3000  # the address's window, beyond django-axes' 15 minutes
    assert "_auth_user_id" not in client.session
    rows = list(AccessFailureLog.objects.filter(ip_address=address).order_by("pk"))
    assert [row.locked_out for row in rows] == [False, False, False, True]
    assert rows[-1].username == staff.username and rows[-1].path_info == "/admin/login/"
    # another address logs in
    assert (
        Client(REMOTE_ADDR=f"{address}2")
        .post("/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD})
        .status_code
        == 302
    )


def test_http_basic_counts_towards_the_address_limit_and_is_recorded(address, settings):
    settings.LOGIN_ADDRESS_RATE = "3/hour"
    api = APIClient(REMOTE_ADDR=address)

    def basic(username: str, password: str) -> dict:
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}

    for _n in range(3):
        assert api.get(URL, **basic(f"0{uuid.uuid4().int % 10**11:011d}", "123456")).status_code == 401
    user = UserFactory(username=f"congdan-{uuid.uuid4().hex[:6]}")
    locked = api.get(URL, **basic(user.username, PASSWORD))
    assert locked.status_code == 429 and locked.json()["limited"] == "login"
    assert int(locked["Retry-After"]) > 3000
    rows = list(AccessFailureLog.objects.filter(ip_address=address).order_by("pk"))
    assert len(rows) == 4 and {row.path_info for row in rows} == {URL}
    assert all("•" in row.username for row in rows[:3]) and rows[3].locked_out


def test_the_failures_are_listed_in_the_admin(address):
    cccd = f"0{uuid.uuid4().int % 10**11:011d}"
    Client(REMOTE_ADDR=address).post("/tai-khoan/dang-nhap/", {"username": cccd, "password": "sai"})
    APIClient(REMOTE_ADDR=address).get(URL, HTTP_AUTHORIZATION=f"Token {wrong_token()}")
    admin = Client()
    admin.force_login(UserFactory(username=f"quantri-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True))
    page = admin.get("/admin/axes/accessfailurelog/", {"q": address})
    html = page.content.decode()
    assert page.status_code == 200
    assert mask_identifier(cccd) in html and TOKEN_LABEL in html and cccd not in html


def test_old_failures_are_purged_nightly(settings, address):
    settings.FAILED_LOGIN_LOG_DAYS = 30
    old = AccessFailureLog.objects.create(
        ip_address=address, username="x", user_agent="", http_accept="", path_info="/"
    )
    recent = AccessFailureLog.objects.create(
        ip_address=address, username="y", user_agent="", http_accept="", path_info="/"
    )
    AccessFailureLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=31))
    assert purge_failed_logins() >= 1
    assert list(AccessFailureLog.objects.filter(ip_address=address)) == [recent]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("025188004512", "025•••••••12"),
        ("025 188 004 512", "025•••••••12"),
        ("0912345601", "091•••••01"),
        ("+84 912 345 601", "849••••••01"),
        ("0101234567-001", "010••••••••01"),
        ("ha.nguyen@example.vn", "h•••@example.vn"),
        ("demo-xa-pa-co-xuly", "demo-xa-pa-co-xuly"),
        ("123", "123"),
        ("", ""),
    ],
)
def test_identifiers_are_masked(typed, written):
    assert mask_identifier(typed) == written
