"""The profile at /tai-khoan/ (one's own, log-in required), the password change, and the password reset by e-mail
end to end: request → mail → link → new password → log in with it."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from communes.models import Commune
from portal.accounts.models import User
from portal.accounts.services import user_register

pytestmark = [pytest.mark.django_db]
URL = "/tai-khoan/"
PASSWORD = "Hoa-sen-nở-2026"


def cccd() -> str:
    return f"0{random.randrange(10**10, 10**11)}"


def mobile() -> str:
    return f"08{random.randrange(10**7, 10**8)}"


@pytest.fixture
def citizen() -> User:
    return user_register(
        full_name="Phan Đức Anh", id_number=cccd(), phone=mobile(), email="anh@example.vn", password=PASSWORD
    )


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen, backend="portal.accounts.backends.IdentityBackend")
    return client


def profile_data(user: User, **overrides) -> dict:
    data = {
        "full_name": user.full_name,
        "id_number": user.id_number or "",
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "commune": user.commune_id or "",
        "language": user.language,
    }
    data.update(overrides)
    return data


def test_log_in_is_required(client):
    assert client.get(URL)["Location"] == "/tai-khoan/dang-nhap/?next=/tai-khoan/"
    assert client.post(URL, {"full_name": "X"})["Location"].startswith("/tai-khoan/dang-nhap/")


def test_the_page_shows_the_148_communes_grouped_by_former_province(signed_in, citizen):
    response = signed_in.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="vi"' in page
    assert f'value="{citizen.id_number}"' in page and f'value="{citizen.phone}"' in page
    select = re.search(r'<select name="commune".*?</select>', page, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["Phú Thọ (cũ)", "Vĩnh Phúc (cũ)", "Hòa Bình (cũ)"]
    assert len(re.findall(r'<option value="\d+"', select)) == 148
    first_group = re.search(r"<optgroup[^>]*>(.*?)</optgroup>", select, re.S).group(1)
    names = re.findall(r"<option value=\"\d+\">([^<]+)</option>", first_group)
    assert names == sorted(names, key=lambda name: Commune.objects.get(name=name).name_folded)
    assert 'action="/tai-khoan/dang-xuat/"' in page  # log out is a POST button here


def test_edit_the_profile_with_nfd_and_spaced_numbers(signed_in, citizen):
    commune = Commune.objects.order_by("name_folded").first()
    new_id, new_phone = cccd(), mobile()
    response = signed_in.post(
        URL,
        profile_data(
            citizen,
            full_name=unicodedata.normalize("NFD", "Phan Đức  Ánh"),
            id_number=f"{new_id[:6]} {new_id[6:]}",
            phone=f"+84 {new_phone[1:]}",
            address=unicodedata.normalize("NFD", "Tổ 5, đường Hùng Vương"),
            commune=commune.pk,
        ),
    )
    assert response.status_code == 302 and response["Location"] == URL
    citizen.refresh_from_db()
    assert citizen.full_name == "Phan Đức Ánh"
    assert citizen.id_number == new_id and citizen.username == new_id  # the user name follows the CCCD
    assert citizen.phone == new_phone
    assert citizen.address == "Tổ 5, đường Hùng Vương"
    assert citizen.commune_id == commune.pk
    assert "Đã lưu thông tin tài khoản." in signed_in.get(URL).content.decode()


def test_choosing_english_switches_the_pages(signed_in, citizen):
    response = signed_in.post(URL, profile_data(citizen, language="en"))
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    citizen.refresh_from_db()
    assert citizen.language == "en"
    page = signed_in.get(URL).content.decode()
    assert '<html lang="en"' in page and "<h1>My account</h1>" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("commune", "999999", "Hãy chọn một lựa chọn hợp lệ"),
        ("language", "fr", "Hãy chọn một lựa chọn hợp lệ"),
        ("id_number", "", "Nhập số CCCD."),
        ("id_number", "123", "Nhập số CCCD gồm đúng 12 chữ số"),
        ("phone", "", "Nhập số điện thoại di động."),
        ("phone", "0123", "Nhập số điện thoại di động 10 chữ số"),
        ("full_name", "", "Trường này là bắt buộc."),
    ],
)
def test_bad_input_is_refused(signed_in, citizen, field, value, message):
    response = signed_in.post(URL, profile_data(citizen, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'<a href="#id_{field}' in page
    before = citizen.full_name
    citizen.refresh_from_db()
    assert citizen.full_name == before


def test_another_persons_cccd_or_phone_is_refused(signed_in, citizen):
    other = user_register(full_name="Người khác", id_number=cccd(), phone=mobile(), password=PASSWORD)
    taken_id = signed_in.post(URL, profile_data(citizen, id_number=other.id_number))
    assert taken_id.status_code == 400 and "Số CCCD này đã có tài khoản." in taken_id.content.decode()
    taken_phone = signed_in.post(URL, profile_data(citizen, phone=other.phone))
    assert taken_phone.status_code == 400 and "Số điện thoại này đã có tài khoản." in taken_phone.content.decode()
    citizen.refresh_from_db()
    assert citizen.id_number != other.id_number and citizen.phone != other.phone


def test_a_person_edits_only_their_own_profile(signed_in, citizen):
    other = user_register(full_name="Người khác", id_number=cccd(), phone=mobile(), password=PASSWORD)
    response = signed_in.post(
        URL, {**profile_data(citizen, full_name="Tên mới"), "id": other.pk, "user": other.pk, "username": "x"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    citizen.refresh_from_db()
    assert other.full_name == "Người khác"
    assert citizen.full_name == "Tên mới" and citizen.username == citizen.id_number


def test_staff_see_the_same_page_and_keep_their_user_name(client):
    staff = User.objects.create_user(username="demo-xa-pa-co-xuly", password=PASSWORD, is_staff=True, phone="")
    client.force_login(staff, backend="portal.accounts.backends.IdentityBackend")
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"full_name": "Cán bộ", "id_number": "", "phone": "", "language": "vi"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "Cán bộ" and staff.username == "demo-xa-pa-co-xuly" and staff.id_number is None


def test_csrf_is_required(citizen):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen, backend="portal.accounts.backends.IdentityBackend")
    assert client.post(URL, profile_data(citizen, full_name="Tên mới")).status_code == 403


def test_nothing_personal_is_logged(signed_in, citizen, logged_text):
    new_id, new_phone = cccd(), mobile()
    signed_in.post(URL, profile_data(citizen, id_number=new_id, phone=new_phone))
    text = logged_text()
    assert "profile updated" in text
    for value in (citizen.id_number, new_id, new_phone, new_phone[1:]):
        assert value not in text


def test_change_password(signed_in, citizen):
    page = signed_in.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert "<h1>Đổi mật khẩu</h1>" in page
    wrong = signed_in.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": "sai", "new_password1": "Cay-tre-2027", "new_password2": "Cay-tre-2027"},
    )
    assert wrong.status_code == 200 and "Mật khẩu cũ không chính xác" in wrong.content.decode()
    short = signed_in.post(
        "/tai-khoan/doi-mat-khau/", {"old_password": PASSWORD, "new_password1": "ab1", "new_password2": "ab1"}
    )
    assert "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in short.content.decode()
    done = signed_in.post(
        "/tai-khoan/doi-mat-khau/",
        {"old_password": PASSWORD, "new_password1": "Cay-tre-2027", "new_password2": "Cay-tre-2027"},
    )
    assert done.status_code == 302 and done["Location"] == URL
    citizen.refresh_from_db()
    assert citizen.check_password("Cay-tre-2027")


# --- password reset by e-mail ---------------------------------------------------------------------------------


def test_reset_end_to_end(client, citizen, mailoutbox, settings):
    settings.PUBLIC_BASE_URL = "https://dichvucong.phutho.gov.vn"
    page = client.get("/tai-khoan/quen-mat-khau/").content.decode()
    assert "<h1>Quên mật khẩu</h1>" in page
    response = client.post("/tai-khoan/quen-mat-khau/", {"email": "ANH@example.vn"}, HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/quen-mat-khau/da-gui/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["anh@example.vn"]
    assert mail.subject == "Đặt lại mật khẩu — Cổng dịch vụ công tỉnh Phú Thọ"
    assert "Xin chào Phan Đức Anh," in mail.body
    link = re.search(r"https://dichvucong\.phutho\.gov\.vn(/tai-khoan/quen-mat-khau/[^/\s]+/[^/\s]+/)", mail.body)
    assert link, mail.body  # built on PUBLIC_BASE_URL, never on the Host header
    opened = client.get(link.group(1))
    assert opened.status_code == 302  # Django hides the token behind a session URL
    form_url = opened["Location"]
    assert "<h1>Đặt mật khẩu mới</h1>" in client.get(form_url).content.decode()
    short = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert "Mật khẩu quá ngắn: cần ít nhất 8 ký tự." in short.content.decode()
    done = client.post(form_url, {"new_password1": "Cay-tre-2027", "new_password2": "Cay-tre-2027"})
    assert done.status_code == 302 and done["Location"] == "/tai-khoan/quen-mat-khau/xong/"
    assert "Đã đặt mật khẩu mới" in client.get(done["Location"]).content.decode()
    # the link works once
    again = client.get(link.group(1), follow=True).content.decode()
    assert "Đường dẫn không còn dùng được" in again
    logged = client.post(
        "/tai-khoan/dang-nhap/", {"username": citizen.phone, "password": "Cay-tre-2027"}, REMOTE_ADDR="10.41.0.9"
    )
    assert logged.status_code == 302 and int(client.session["_auth_user_id"]) == citizen.pk


def test_reset_says_nothing_about_whether_the_address_exists(client, citizen, mailoutbox):
    known = client.post("/tai-khoan/quen-mat-khau/", {"email": citizen.email})
    unknown = client.post("/tai-khoan/quen-mat-khau/", {"email": "khong-co@example.vn"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mailoutbox) == 1


def test_reset_mail_in_english_after_the_switch(client, citizen, mailoutbox):
    client.cookies["django_language"] = "en"
    client.post("/tai-khoan/quen-mat-khau/", {"email": citizen.email})
    assert mailoutbox[0].subject == "Reset your password — Phú Thọ public-service portal"
    assert "Hello Phan Đức Anh," in mailoutbox[0].body


def test_reset_with_a_bad_address_shows_the_error(client):
    response = client.post("/tai-khoan/quen-mat-khau/", {"email": "khong-phai-thu"})
    assert response.status_code == 200
    assert '<a href="#id_email">' in response.content.decode()


@pytest.mark.redis
def test_reset_requests_are_limited_per_address(client, citizen, mailoutbox, settings):
    settings.PASSWORD_RESET_RATE = "2/hour"
    address = f"10.43.{random.randrange(250)}.{random.randrange(250)}"
    for _n in range(2):
        client.post("/tai-khoan/quen-mat-khau/", {"email": citizen.email}, REMOTE_ADDR=address)
    limited = client.post("/tai-khoan/quen-mat-khau/", {"email": citizen.email}, REMOTE_ADDR=address)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau" in limited.content.decode()
    assert len(mailoutbox) == 2
