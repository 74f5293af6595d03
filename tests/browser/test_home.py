"""The home page in a real browser (Debian's Chromium through Playwright): search, most-filed procedures, fields,
the centre finder by a new and an old commune name (a plain GET form: the same with and without JavaScript), the
lookup form, the English switch; screenshots ``home-*`` at 360 and 1280 px through ``check_page``."""

import pytest

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from tests.browser.pages import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world


@pytest.fixture
def filed(transactional_world):
    from django.core.cache import cache

    cache.delete("home:most-filed")
    file_online(transactional_world.citizen, transactional_world.centre)
    yield transactional_world
    cache.delete("home:most-filed")


def test_home_in_vietnamese_for_a_phone_in_english(filed, live_server, browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert page.locator("h1").inner_text() == "Dịch vụ công tỉnh Phú Thọ"
        most = page.locator("section[aria-labelledby=most-filed] li")
        assert most.count() == 1 and "Thủ tục đăng ký khai sinh" in most.first.inner_text()
        assert page.locator("a.skip-link").get_attribute("href") == "#main"
        check_page(page, "home")
        # the search box leads to the catalogue with the words typed
        page.get_by_label("Tìm thủ tục").fill("dang ky khai sinh")
        page.get_by_label("Tìm thủ tục").press("Enter")
        page.wait_for_url("**/thu-tuc/?q=dang+ky+khai+sinh")
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_centre_finder_by_new_and_old_names(filed, live_server, browser, javascript):
    from communes.models import FormerUnit

    old = FormerUnit.objects.filter(communes__code="07900").exclude(name_folded__contains="viet tri").first()
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True, java_script_enabled=javascript
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        page.get_by_label("Tên xã, phường (mới hoặc cũ)").fill("viet tri")
        page.locator("#tim-trung-tam").get_by_role("button", name="Tìm").click()
        page.wait_for_url("**/?centre=viet+tri#tim-trung-tam")
        found = page.locator(".home-found")
        assert "Trung tâm Phục vụ hành chính công phường Việt Trì" in found.inner_text()
        if javascript:
            check_page(page, "home-finder")
        page.get_by_label("Tên xã, phường (mới hoặc cũ)").fill(old.name)
        page.locator("#tim-trung-tam").get_by_role("button", name="Tìm").click()
        page.wait_for_load_state()
        assert "nay thuộc Phường Việt Trì" in page.locator(".home-found").inner_text()
        if javascript:
            check_page(page, "home-finder-old-name")
    finally:
        context.close()


def test_switching_to_english(filed, live_server, page):
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.click(".lang button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Public services of Phú Thọ province"
    check_page(page, "home-en", lang="en")
