"""Registration at /tai-khoan/dang-ky/: numbers as people type them, NFD names, duplicates, the generated user name,
log-in and ``next`` afterwards, CSRF, the per-address limit, nothing personal in the logs."""

from __future__ import annotations

import random
import threading
import unicodedata
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.services import DuplicateIdentity, user_register

pytestmark = [pytest.mark.django_db]
URL = "/tai-khoan/dang-ky/"
PASSWORD = "Hoa-sen-nở-2026"


def new_cccd() -> str:
    return f"0{random.randrange(10**10, 10**11)}"


def new_mobile() -> str:
    return f"09{random.randrange(10**7, 10**8)}"


@pytest.fixture
def address(settings):
    ip = f"10.21.{random.randrange(250)}.{random.randrange(250)}"
    yield ip
    cache.delete(f"throttle_register_{ip}")


def form(**overrides) -> dict:
    data = {
        "full_name": "Nguyễn Thị Thu Hà",
        "id_number": new_cccd(),
        "phone": new_mobile(),
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def post(client, data, address, url=URL):
    return client.post(url, data, REMOTE_ADDR=address)


def test_the_page_is_vietnamese_whatever_the_browser_asks(client):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi"' in page
    assert "<h1>Đăng ký tài khoản</h1>" in page
    assert "Cần có để tự đặt lại mật khẩu khi quên" in page  # why the optional e-mail matters
    assert 'autocomplete="new-password"' in page and 'autocomplete="tel"' in page


def test_register_with_spaces_dots_and_nfd_logs_in_and_goes_to_my_dossiers(client, address, logged_text):
    cccd = new_cccd()
    mobile = new_mobile()
    nfd_name = unicodedata.normalize("NFD", "Giàng A Tủa")
    spaced = f"{cccd[:3]} {cccd[3:6]}.{cccd[6:9]} {cccd[9:]}"
    plus84 = f"+84 {mobile[1:4]} {mobile[4:7]} {mobile[7:]}"
    response = post(client, form(full_name=nfd_name, id_number=spaced, phone=plus84, email=" Ha@Example.VN "), address)
    assert response.status_code == 302
    assert response["Location"] == "/ho-so-cua-toi/"
    user = User.objects.get(id_number=cccd)
    assert user.full_name == "Giàng A Tủa" and unicodedata.is_normalized("NFC", user.full_name)
    assert user.username == cccd  # generated, never asked
    assert user.phone == mobile
    assert user.email == "ha@example.vn"
    assert user.check_password(PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk
    text = logged_text()
    assert "account registered" in text
    assert cccd not in text and mobile not in text and mobile[1:] not in text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/thu-tuc/", "/thu-tuc/"),
        ("https://evil.example/steal", "/ho-so-cua-toi/"),
        ("//evil.example/", "/ho-so-cua-toi/"),
    ],
)
def test_next_is_followed_only_on_this_site(client, address, target, expected):
    response = post(client, {**form(), "next": target}, address)
    assert response.status_code == 302
    assert response["Location"] == expected


def test_the_page_carries_next_into_the_form(client):
    page = client.get(URL + "?next=/nop-ho-so/1.001/").content.decode()
    assert 'name="next" value="/nop-ho-so/1.001/"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "12345", "Nhập số CCCD gồm đúng 12 chữ số"),
        ("id_number", "0251880045AB", "Nhập số CCCD gồm đúng 12 chữ số"),
        ("phone", "02103846123", "Nhập số điện thoại di động 10 chữ số"),
        ("phone", "0912", "Nhập số điện thoại di động 10 chữ số"),
        ("full_name", "   ", "Trường này là bắt buộc."),
        ("email", "khong-phai-thu", "Nhập một địa chỉ email hợp lệ."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_in_the_summary(client, address, field, value, message):
    response = post(client, form(**{field: value}), address)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'<a href="#id_{field}">' in page  # the error summary links to the field
    assert f'id="id_{field}_error"' in page
    assert not User.objects.filter(full_name="Nguyễn Thị Thu Hà").exists()


def test_password_rules_are_said_in_vietnamese_with_diacritics(client, address):
    page = post(client, form(password1="1234", password2="1234"), address).content.decode()
    assert "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in page
    assert "Mật khẩu này hoàn toàn là số." in page
    assert "This password" not in page
    mismatch = post(client, form(password2="khac-" + PASSWORD), address).content.decode()
    assert "Hai mật khẩu không giống nhau." in mismatch


def test_password_rules_in_english_after_the_switch(client, address):
    client.cookies["django_language"] = "en"
    page = post(client, form(password1="1234", password2="1234"), address).content.decode()
    assert "This password is too short: it needs at least 8 characters." in page
    assert '<html lang="en"' in page


def test_a_registered_cccd_is_refused_with_a_way_to_reset(client, address):
    existing = user_register(full_name="Trần Văn Nam", id_number=new_cccd(), phone=new_mobile(), password=PASSWORD)
    response = post(client, form(id_number=existing.id_number), address)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Số CCCD này đã có tài khoản." in page
    assert 'href="/tai-khoan/quen-mat-khau/">Quên mật khẩu?</a>' in page
    assert User.objects.filter(id_number=existing.id_number).count() == 1
    assert "_auth_user_id" not in client.session


def test_a_registered_phone_is_refused(client, address):
    existing = user_register(full_name="Trần Văn Nam", id_number=new_cccd(), phone=new_mobile(), password=PASSWORD)
    plus84 = "+84" + existing.phone[1:]
    response = post(client, form(phone=plus84), address)
    assert response.status_code == 400
    assert "Số điện thoại này đã có tài khoản." in response.content.decode()
    assert User.objects.filter(phone=existing.phone).count() == 1


def test_the_unique_constraint_wins_a_race_with_a_clear_error(monkeypatch):
    """The check before the insert saw nothing (the other registration was not committed yet): the insert fails on
    the unique CCCD, and the service says so instead of a 500."""
    cccd = new_cccd()
    user_register(full_name="A", id_number=cccd, phone=new_mobile(), password=PASSWORD)
    monkeypatch.setattr(services, "_check_unique", lambda **kwargs: None)
    with pytest.raises(DuplicateIdentity) as raised:
        user_register(full_name="B", id_number=cccd, phone=new_mobile(), password=PASSWORD)
    assert raised.value.field == "id_number"
    assert User.objects.filter(id_number=cccd).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_at_once_give_one_account():
    """Two threads, two connections, the same CCCD and phone at the same moment: one account, one clear error."""
    cccd, mobile = new_cccd(), new_mobile()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            user_register(full_name=name, id_number=cccd, phone=mobile, password=PASSWORD)
            outcomes.append("created")
        except DuplicateIdentity as exc:
            outcomes.append(exc.field)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[0] == "created" and len(outcomes) == 2
    assert outcomes.count("created") == 1
    assert User.objects.filter(id_number=cccd).count() == 1
    User.objects.filter(id_number=cccd).delete()


def test_csrf_is_required():
    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, form(), REMOTE_ADDR="10.22.0.1")
    assert response.status_code == 403
    assert not User.objects.filter(full_name="Nguyễn Thị Thu Hà").exists()


@pytest.mark.redis
def test_registration_is_limited_per_client_address(client, address, settings):
    settings.REGISTER_RATE = "2/min"
    for _attempt in range(2):
        assert post(client, form(id_number="1"), address).status_code == 400
    limited = post(client, form(), address)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1
    assert "Bạn đã gửi quá nhiều yêu cầu đăng ký; vui lòng thử lại sau 1 phút." in limited.content.decode()
    assert not User.objects.filter(full_name="Nguyễn Thị Thu Hà").exists()
    # another address is not affected
    assert post(client, form(), f"10.23.{uuid.uuid4().int % 250}.7").status_code == 302


def test_a_logged_in_person_is_sent_on(client, address):
    post(client, form(), address)
    assert client.get(URL)["Location"] == "/ho-so-cua-toi/"
