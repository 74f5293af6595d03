"""The account pages in a real browser (Debian's Chromium through Playwright): register and land logged in, log in
with a phone, a wrong password's error summary linked to its field, the lock after too many failures, the profile
(also in English after the switch), the password reset pages end to end. ``check_page`` runs on each page (axe-core,
360 px and 1280 px, weight, screenshots ``test-artifacts/pages/account-*.png``); the states a POST leads to (errors)
are checked the same way by :func:`check_state`, which replays the steps at each width.

Each test is counted by the registration limit and django-axes under its own address: the browser sends an
``X-Forwarded-For`` the live server believes (``TRUSTED_PROXY_COUNT = 1`` here)."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.browser.pages import ARTIFACTS, assert_accessible, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Hoa-sen-nở-2026"


@pytest.fixture
def ip(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    n = uuid.uuid4().int
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


@pytest.fixture
def loaded(transactional_db):
    from communes.services import communes_load

    communes_load(force=True)


@pytest.fixture
def web(page, ip):
    page.set_extra_http_headers({"X-Forwarded-For": ip})
    return page


@pytest.fixture
def citizen(transactional_db):
    from portal.accounts.services import user_register

    return user_register(
        full_name="Nguyễn Thị Thu Hà",
        id_number=f"0{random.randrange(10**10, 10**11)}",
        phone=f"09{random.randrange(10**7, 10**8)}",
        email=f"ha-{uuid.uuid4().hex[:6]}@example.vn",
        password=PASSWORD,
    )


def check_state(browser, name: str, steps, *, ip: str, lang: str = "vi", cookies=()) -> None:
    """Like ``check_page`` for a state only a POST reaches: ``steps(page)`` is replayed in a fresh context at each
    width (a browser asking for en-US), then the language, one h1, no horizontal scrolling, axe-core, screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((360, 740), (1280, 900)):
        context = browser.new_context(
            locale="en-US",
            viewport={"width": width, "height": height},
            is_mobile=width < 600,
            extra_http_headers={"X-Forwarded-For": ip},
        )
        if cookies:
            context.add_cookies(list(cookies))
        other = context.new_page()
        try:
            steps(other)
            assert other.locator("html").get_attribute("lang") == lang
            assert other.locator("h1").count() == 1
            assert other.evaluate("document.documentElement.scrollWidth") <= width
            assert_accessible(other)
            other.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()


def log_in(page, base: str, identifier: str, password: str) -> None:
    page.goto(base + "/tai-khoan/dang-nhap/")
    page.get_by_label("Số CCCD hoặc số điện thoại").fill(identifier)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập", exact=True).click()


def test_register_and_land_logged_in(loaded, live_server, web, browser, ip, settings):
    from portal.accounts.models import User

    settings.REGISTER_RATE = "1000/min"
    page = web
    page.goto(live_server.url + "/tai-khoan/dang-ky/")
    assert page.locator("h1").inner_text() == "Đăng ký tài khoản"
    assert page.locator("nav a[aria-current='page']").inner_text() == "Đăng ký"
    check_page(page, "account-register")

    cccd = f"0{random.randrange(10**10, 10**11)}"
    mobile = f"03{random.randrange(10**7, 10**8)}"
    page.get_by_label("Họ và tên").fill("Giàng A Tủa")
    page.get_by_label("Số CCCD").fill(f"{cccd[:3]} {cccd[3:6]} {cccd[6:]}")
    page.get_by_label("Số điện thoại di động").fill(f"+84 {mobile[1:]}")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tài khoản").click()
    assert page.url == live_server.url + "/ho-so-cua-toi/"
    user = User.objects.get(id_number=cccd)
    assert user.phone == mobile and user.username == cccd
    page.goto(live_server.url + "/tai-khoan/")
    assert page.locator("h1").inner_text() == "Tài khoản của tôi"
    assert page.get_by_label("Họ và tên").input_value() == "Giàng A Tủa"

    def duplicate(other):
        other.goto(live_server.url + "/tai-khoan/dang-ky/")
        other.get_by_label("Họ và tên").fill("Người khác")
        other.get_by_label("Số CCCD").fill(cccd)
        other.get_by_label("Số điện thoại di động").fill("0868443705")
        other.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        other.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        with other.expect_navigation():
            other.get_by_role("button", name="Tạo tài khoản").click()
        summary = other.locator(".error-summary")
        assert summary.get_by_role("link").inner_text() == "Số CCCD này đã có tài khoản."
        assert summary.get_by_role("link").get_attribute("href") == "#id_id_number"
        beside = other.locator("#id_id_number_error")
        assert beside.get_by_role("link", name="Quên mật khẩu?").get_attribute("href") == "/tai-khoan/quen-mat-khau/"

    check_state(browser, "account-register-duplicate", duplicate, ip=ip)


def test_log_in_with_the_phone(citizen, live_server, web):
    page = web
    log_in(page, live_server.url, "+84 " + citizen.phone[1:3] + " " + citizen.phone[3:], PASSWORD)
    assert page.url == live_server.url + "/ho-so-cua-toi/"
    page.goto(live_server.url + "/tai-khoan/")
    assert page.locator("nav a[aria-current='page']").inner_text() == "Tài khoản"


def test_a_wrong_password_shows_the_summary_linked_to_the_field(citizen, live_server, web, browser, ip):
    page = web
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    check_page(page, "account-login")
    log_in(page, live_server.url, citizen.id_number, "sai-mat-khau")
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # static/js/account.js
    link = summary.get_by_role("link", name="Số CCCD/số điện thoại hoặc mật khẩu không đúng.")
    assert link.get_attribute("href") == "#id_username"
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_username"
    assert page.locator("#id_username").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_username_error").inner_text().endswith("Số CCCD/số điện thoại hoặc mật khẩu không đúng.")
    assert page.title().startswith("Lỗi:")

    def wrong(other):
        log_in(other, live_server.url, citizen.phone, "sai-mat-khau")
        assert other.locator(".error-summary").is_visible()

    check_state(browser, "account-login-error", wrong, ip=f"{ip}1")


@pytest.mark.redis
def test_too_many_failures_lock_the_form_in_vietnamese(citizen, live_server, browser, ip, settings):
    settings.AXES_FAILURE_LIMIT = 2

    def locked(other):
        for _attempt in range(2):
            log_in(other, live_server.url, citizen.id_number, "sai-mat-khau")
        assert other.locator("h1").inner_text() == "Tạm khóa đăng nhập"
        assert "vui lòng thử lại sau 15 phút" in other.locator("[role=alert]").inner_text()

    check_state(browser, "account-login-locked", locked, ip=ip)


def test_the_profile_and_english_after_the_switch(loaded, citizen, live_server, web):
    from portal.accounts.models import User

    page = web
    log_in(page, live_server.url, citizen.id_number, PASSWORD)
    page.goto(live_server.url + "/tai-khoan/")
    assert page.locator("h1").inner_text() == "Tài khoản của tôi"
    assert page.locator("#id_commune optgroup").count() == 3
    assert page.locator("#id_commune option[value]:not([value=''])").count() == 148
    check_page(page, "account-profile")

    page.get_by_label("Địa chỉ").fill("Tổ 5, đường Hùng Vương")
    page.select_option("#id_commune", label="Phường Việt Trì")
    page.get_by_label("English").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu thay đổi").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "My account"
    assert "Your account details have been saved." in page.locator(".notice").inner_text()
    user = User.objects.get(pk=citizen.pk)
    assert user.language == "en" and user.commune.name == "Phường Việt Trì"
    check_page(page, "account-profile-en", lang="en")

    # the header's switch back to Vietnamese, then log out from the profile page
    with page.expect_navigation():
        page.click(".lang button[value=vi]")
    assert page.locator("h1").inner_text() == "Tài khoản của tôi"
    with page.expect_navigation():
        page.locator("#main").get_by_role("button", name="Đăng xuất").click()
    assert page.url == live_server.url + "/"
    assert page.locator("nav").get_by_role("link", name="Đăng nhập").is_visible()


def test_password_reset_pages_end_to_end(citizen, live_server, web, settings, mailoutbox):
    import re

    settings.PUBLIC_BASE_URL = live_server.url
    page = web
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    assert page.locator("h1").inner_text() == "Quên mật khẩu"
    check_page(page, "account-reset-request")
    page.get_by_label("Thư điện tử").fill(citizen.email.upper())
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi đường dẫn đặt lại mật khẩu").click()
    assert page.locator("h1").inner_text() == "Hãy kiểm tra hộp thư"
    check_page(page, "account-reset-done")

    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+/tai-khoan/quen-mat-khau/\S+/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Đặt mật khẩu mới"
    check_page(page, "account-reset-new-password")
    page.get_by_label("Mật khẩu mới", exact=True).fill("Cay-tre-2027")
    page.get_by_label("Xác nhận mật khẩu mới").fill("Cay-tre-2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu mật khẩu mới").click()
    assert page.locator("h1").inner_text() == "Đã đặt mật khẩu mới"
    log_in(page, live_server.url, citizen.phone, "Cay-tre-2027")
    assert page.url == live_server.url + "/ho-so-cua-toi/"
