"""The home page in a real browser (Debian's Chromium through Playwright), with screenshots kept."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(transactional_db):
    from communes.services import communes_load

    communes_load(force=True)


def test_home_lists_148_communes_grouped_by_former_province(loaded, live_server, page, artifacts_dir):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Thủ tục hành chính tại 148 xã, phường"
    assert page.locator("ul.communes > li").count() == 148
    headings = page.locator("section.province h2").all_inner_texts()
    assert headings == [
        "Khu vực Phú Thọ (cũ): 66 xã, phường",
        "Khu vực Vĩnh Phúc (cũ): 36 xã, phường",
        "Khu vực Hòa Bình (cũ): 46 xã, phường",
    ]
    viet_tri = page.locator("li[data-code='07900']")
    assert "Phường Việt Trì" in viet_tri.inner_text()
    assert "Trung tâm Phục vụ hành chính công phường Việt Trì" in viet_tri.inner_text()
    # accessible skeleton: a skip link to the main landmark, a labelled navigation
    assert page.locator("a.skip-link").get_attribute("href") == "#main"
    assert page.locator("main#main").count() == 1
    assert page.locator("nav[aria-label]").count() == 1
    page.screenshot(path=str(artifacts_dir / "home-desktop.png"), full_page=False)


def test_home_on_a_phone(loaded, live_server, browser, artifacts_dir):
    context = browser.new_context(locale="vi-VN", viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server.url + "/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "no horizontal scrolling on a phone"
    phone.screenshot(path=str(artifacts_dir / "home-phone.png"))
    context.close()


def test_switching_to_english(loaded, live_server, page):
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.click(".lang button[value=en]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Administrative procedures in 148 communes and wards"
