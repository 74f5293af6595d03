"""A clerk who mistypes the password too often sees, in Vietnamese, that log-in is locked for a while — in a real
browser, on a phone and on a desktop, with screenshots kept."""

import uuid

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk(transactional_db, settings):
    from dossiers.tests.factories import UserFactory

    settings.AXES_FAILURE_LIMIT = 2
    return UserFactory(username=f"tiepnhan-{uuid.uuid4().hex[:6]}", is_staff=True)


@pytest.mark.parametrize(("width", "height", "name"), [(360, 740, "phone"), (1280, 900, "desktop")])
def test_too_many_wrong_passwords_lock_the_log_in(clerk, live_server, browser, artifacts_dir, width, height, name):
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for _attempt in range(2):
            page.goto(live_server.url + "/admin/login/?next=/admin/")
            page.fill("#id_username", clerk.username)
            page.fill("#id_password", "sai-mat-khau")
            with page.expect_navigation():
                page.click("input[type=submit]")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.locator("h1").inner_text() == "Tạm khóa đăng nhập"
        alert = page.locator("[role=alert]")
        assert alert.inner_text() == "Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau 15 phút."
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts_dir / f"login-locked-{name}.png"))
    finally:
        context.close()
