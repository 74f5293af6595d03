# ruff: noqa: F811
"""The catalogue (/thu-tuc/) and the procedure page (/thu-tuc/<code>/) in a real browser, screenshots kept.

The data: the procedure API tests' small catalogue (1.001193 "Thủ tục đăng ký khai sinh" and a handful of others
in several fields, levels, online levels and fees), committed for the live server, plus 25 procedures more for
pagination where a test needs them.
"""

from __future__ import annotations

import re

import pytest

from procedures.tests.api.conftest import CatalogueBuilder, catalogue  # noqa: F401 (fixture, on this module's build)
from tests.browser.pages import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def build(transactional_db) -> CatalogueBuilder:
    return CatalogueBuilder()


@pytest.fixture
def bigger(catalogue):
    for n in range(25):
        catalogue.version(f"3.{n:06d}", f"Đăng ký thử nghiệm số {n}", fee_vnd=1000, online_level="none")
    return catalogue


def cards(page) -> list[str]:
    return page.locator(".results .card h2 a").all_inner_texts()


def test_typing_updates_the_results_without_a_reload(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/")
    assert page.locator("h1").inner_text() == "Thủ tục hành chính"
    page.evaluate("window.__same = true")
    page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("dang ky khai sinh")
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'dang ky khai sinh'")
    page.locator(".results .card").first.wait_for()
    assert cards(page)[0] == "Thủ tục đăng ký khai sinh"
    assert page.evaluate("window.__same") is True  # no reload
    check_page(page, "catalogue-results")


def test_a_filter_shows_its_count_and_applies(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/?q=khai+sinh")
    assert page.locator("#filters").evaluate("d => d.open")  # open beside the results on a wide screen
    label = page.locator("label[for='level-provincial']")
    assert re.search(r"Cấp tỉnh \(1\)", label.inner_text())
    label.click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('level') === 'provincial'")
    page.wait_for_function("() => document.querySelectorAll('.results .card').length === 1")
    assert cards(page) == ["Đăng ký khai sinh có yếu tố nước ngoài"]


def test_pagination_keeps_the_filters(bigger, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/?q=dang+ky&online_level=none")
    assert len(cards(page)) == 20
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('page') === '2'")
    query = page.evaluate("location.search")
    assert "online_level=none" in query and "q=dang+ky" in query
    assert 0 < len(cards(page)) < 20


def test_an_empty_search_suggests_and_offers_a_way_back(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/?q=khai+sinh&field=xay-dung")
    assert page.get_by_role("heading", name="Không tìm thấy thủ tục phù hợp").is_visible()
    assert page.get_by_role("link", name="Thủ tục đăng ký khai sinh").is_visible()
    assert page.get_by_role("link", name="xóa bộ lọc và xem tất cả thủ tục").is_visible()
    check_page(page, "catalogue-empty")


def test_the_same_search_without_javascript(catalogue, live_server, browser):
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/thu-tuc/")
        page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("dang ky khai sinh")
        page.get_by_role("button", name="Tìm", exact=True).click()
        page.wait_for_url(re.compile(r"q=dang\+ky\+khai\+sinh"))
        assert cards(page)[0] == "Thủ tục đăng ký khai sinh"
    finally:
        context.close()


def test_the_procedure_page(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/1.001193/")
    assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"
    body = page.locator("main").inner_text()
    assert "Tờ khai đăng ký khai sinh" in body and "Giấy chứng sinh" in body
    assert "Miễn phí" in body and "1 ngày làm việc" in body
    assert "Nếu nộp bây giờ, kết quả dự kiến vào" in body
    start = page.locator("a.button.button-start")
    assert start.inner_text().startswith("Nộp hồ sơ trực tuyến")
    assert start.get_attribute("href") == "/nop-ho-so/1.001193/"
    check_page(page, "procedure-online")

    page.goto(f"{live_server.url}/thu-tuc/2.000815/")
    body = page.locator("main").inner_text()
    assert "2.000 đ" in body and "2 giờ làm việc" in body
    assert page.locator("a.button-start").count() == 0
    assert "chưa nhận hồ sơ trực tuyến" in body
    check_page(page, "procedure-offline")


def test_unknown_code_is_the_portal_404(catalogue, live_server, page):
    response = page.goto(f"{live_server.url}/thu-tuc/9.999999/")
    assert response.status == 404
    check_page(page, "procedure-404")


def test_the_english_switch(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/1.001193/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    body = page.locator("main").inner_text()
    assert "Free" in body and "Processing time" in body
    assert "/thu-tuc/1.001193/" in page.url


def test_a_failed_request_offers_a_retry_and_keeps_the_list(catalogue, live_server, page):
    page.goto(f"{live_server.url}/thu-tuc/?q=khai+sinh")
    before = cards(page)
    failing = {"on": True}

    def answer(route):
        if failing["on"]:
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r".*partial=1.*"), answer)
    page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("dang ky khai sinh")
    retry = page.get_by_role("button", name="Thử lại")
    retry.wait_for()
    assert "Không kết nối được" in page.locator("[data-failure]").inner_text()
    assert cards(page) == before  # the list on screen stays
    failing["on"] = False
    retry.click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'dang ky khai sinh'")
    assert cards(page)[0] == "Thủ tục đăng ký khai sinh"
