"""Log-in at /tai-khoan/dang-nhap/ with a CCCD number, a phone or a user name; one message for every failure;
django-axes counts the form per identifier and address; log-out is a POST."""

from __future__ import annotations

import random

import pytest
from django.contrib.auth import authenticate
from django.test import Client

from portal.accounts.backends import normalise_identifier
from portal.accounts.models import User
from portal.accounts.services import user_register

pytestmark = [pytest.mark.django_db]
URL = "/tai-khoan/dang-nhap/"
PASSWORD = "Hoa-sen-nở-2026"
GENERIC = "Số CCCD/số điện thoại hoặc mật khẩu không đúng."


@pytest.fixture
def address() -> str:
    return f"10.31.{random.randrange(250)}.{random.randrange(250)}"


@pytest.fixture
def citizen() -> User:
    cccd = f"0{random.randrange(10**10, 10**11)}"
    mobile = f"09{random.randrange(10**7, 10**8)}"
    return user_register(full_name="Bùi Thị Nguyệt", id_number=cccd, phone=mobile, password=PASSWORD)


def log_in(client, identifier, password, address, **extra):
    return client.post(URL, {"username": identifier, "password": password, **extra}, REMOTE_ADDR=address)


def logged_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("025 188 004 512", "025188004512"),
        ("025.188.004.512", "025188004512"),
        ("+84 912 345 601", "0912345601"),
        ("0084912345601", "0912345601"),
        ("0912.345.601", "0912345601"),
        ("0101234567-001", "0101234567-001"),
        (" demo-congdan-1 ", "demo-congdan-1"),
    ],
)
def test_identifiers_are_normalised(raw, normal):
    assert normalise_identifier(raw) == normal


def test_the_page(client):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="vi"' in page
    assert '<label for="id_username">Số CCCD hoặc số điện thoại</label>' in page
    assert 'autocomplete="current-password"' in page
    assert 'href="/tai-khoan/quen-mat-khau/"' in page


def test_log_in_with_the_cccd_written_with_spaces(client, citizen, address):
    cccd = citizen.id_number
    response = log_in(client, f"{cccd[:4]} {cccd[4:8]} {cccd[8:]}", PASSWORD, address)
    assert response.status_code == 302 and response["Location"] == "/ho-so-cua-toi/"
    assert logged_in_as(client) == citizen.pk


def test_log_in_with_the_phone_as_plus_84(client, citizen, address):
    response = log_in(client, "+84 " + citizen.phone[1:], PASSWORD, address)
    assert response.status_code == 302
    assert logged_in_as(client) == citizen.pk


def test_log_in_with_a_user_name(client, address):
    staff = User.objects.create_user(username="demo-congdan-test", password=PASSWORD, full_name="Demo")
    assert log_in(client, "demo-congdan-test", PASSWORD, address).status_code == 302
    assert logged_in_as(client) == staff.pk


def test_a_phone_shared_by_two_accounts_logs_into_neither(client, citizen, address):
    other = User.objects.create_user(username="chung-so", password=PASSWORD, phone=citizen.phone)
    response = log_in(client, citizen.phone, PASSWORD, address)
    assert response.status_code == 400
    assert GENERIC in response.content.decode()
    assert logged_in_as(client) is None
    # each still logs in by what is theirs alone
    assert log_in(client, other.username, PASSWORD, address).status_code == 302
    client.post("/tai-khoan/dang-xuat/")
    assert log_in(client, citizen.id_number, PASSWORD, address).status_code == 302
    assert logged_in_as(client) == citizen.pk


def test_ten_digits_are_a_tax_code_first_then_a_phone(client, citizen, address):
    business = User.objects.create_user(username="0912000111", id_number="0912000111", password=PASSWORD)
    assert log_in(client, "0912000111", PASSWORD, address).status_code == 302
    assert logged_in_as(client) == business.pk
    assert authenticate(None, username=citizen.phone, password=PASSWORD) == citizen  # no request: not counted


@pytest.mark.parametrize("which", ["wrong password", "unknown cccd", "unknown phone"])
def test_one_message_whatever_was_wrong(client, citizen, address, which):
    identifier, password = {
        "wrong password": (citizen.id_number, "sai-mat-khau"),
        "unknown cccd": ("099999999999", PASSWORD),
        "unknown phone": ("0399999999", PASSWORD),
    }[which]
    response = log_in(client, identifier, password, address)
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count(GENERIC) == 2  # in the summary and beside the field
    assert '<a href="#id_username">' + GENERIC + "</a>" in page
    assert 'aria-invalid="true"' in page
    assert logged_in_as(client) is None


def test_the_message_in_english_after_the_switch(client, citizen, address):
    client.cookies["django_language"] = "en"
    page = log_in(client, citizen.id_number, "sai", address).content.decode()
    assert "The CCCD/phone number or the password is not right." in page


def test_an_inactive_account_cannot_log_in(client, citizen, address):
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert GENERIC in log_in(client, citizen.id_number, PASSWORD, address).content.decode()


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/nop-ho-so/1.001/", "/nop-ho-so/1.001/"),
        ("https://evil.example/", "/ho-so-cua-toi/"),
        ("///evil.example", "/ho-so-cua-toi/"),
        ("javascript:alert(1)", "/ho-so-cua-toi/"),
    ],
)
def test_next_only_on_this_site(client, citizen, address, target, expected):
    response = log_in(client, citizen.id_number, PASSWORD, address, next=target)
    assert response["Location"] == expected


def test_log_in_required_pages_send_here_with_next(client):
    response = client.get("/tai-khoan/")
    assert response.status_code == 302
    assert response["Location"] == "/tai-khoan/dang-nhap/?next=/tai-khoan/"


def test_csrf_is_required(citizen):
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"username": citizen.id_number, "password": PASSWORD}, REMOTE_ADDR="10.32.0.1")
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.redis
def test_locked_after_the_limit_per_identifier_and_address(client, citizen, address, settings):
    settings.AXES_FAILURE_LIMIT = 3
    cccd = citizen.id_number
    # the same identifier written three ways is counted as one
    for written in (cccd, f"{cccd[:6]} {cccd[6:]}", f"{cccd[:3]}.{cccd[3:]}"):
        response = log_in(client, written, "sai", address)
    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="vi"' in page
    assert "Tạm khóa đăng nhập" in page
    assert "Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút." in page
    assert response["Retry-After"] == "900"
    # the right password does not open it during the lock, by CCCD or by phone from this address …
    assert log_in(client, cccd, PASSWORD, address).status_code == 429
    # … another address is not affected
    assert log_in(client, cccd, PASSWORD, f"{address}9").status_code == 302


@pytest.mark.redis
def test_the_locked_page_in_english(client, citizen, address, settings):
    settings.AXES_FAILURE_LIMIT = 1
    client.cookies["django_language"] = "en"
    response = log_in(client, citizen.id_number, "sai", address)
    assert response.status_code == 429
    assert "Too many failed log-ins; please try again in 15 minutes." in response.content.decode()


def test_nothing_personal_is_logged(client, citizen, address, logged_text):
    log_in(client, citizen.id_number, "sai", address)
    log_in(client, "+84" + citizen.phone[1:], "sai", address)
    log_in(client, citizen.phone, PASSWORD, address)
    text = logged_text()
    assert citizen.id_number not in text
    assert citizen.phone not in text and citizen.phone[1:] not in text


def test_log_out_is_a_post(client, citizen, address):
    log_in(client, citizen.id_number, PASSWORD, address)
    assert client.get("/tai-khoan/dang-xuat/").status_code == 405
    assert logged_in_as(client) == citizen.pk
    response = client.post("/tai-khoan/dang-xuat/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert logged_in_as(client) is None
    assert "Bạn đã đăng xuất." in client.get("/").content.decode()


def test_the_admin_keeps_its_own_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.redis
def test_one_address_trying_many_identifiers_is_stopped(client, citizen, address, settings):
    """django-axes counts per identifier and address; a second limit counts an address's failures whatever the
    identifier (many CCCD numbers, one common password)."""
    settings.LOGIN_ADDRESS_RATE = "3/hour"
    for _n in range(3):
        assert log_in(client, f"0{random.randrange(10**10, 10**11)}", "123456aA", address).status_code == 400
    locked = log_in(client, citizen.id_number, PASSWORD, address)
    assert locked.status_code == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau" in locked.content.decode()
    assert int(locked["Retry-After"]) > 0
    assert logged_in_as(client) is None
    # successes and blank forms are not counted; another address is not affected
    assert log_in(client, citizen.id_number, PASSWORD, f"{address}7").status_code == 302
