"""The public lookup page ``/tra-cuu/`` in a real browser (Debian's Chromium through Playwright), screenshots kept.

The printed slip's QR code opens ``/tra-cuu/?code=<code>``; the citizen types the ID number (or phone) and sees the
status in Vietnamese, masked personal data and what to do next — through ``POST /api/lookup/`` with JavaScript, and
by posting the form to the page without it.

Each test is counted by the throttle under its own address: the page's requests carry an ``X-Forwarded-For`` that
the live server believes (``TRUSTED_PROXY_COUNT = 1`` here), so tests in parallel never share a count.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from tests.browser.pages import ARTIFACTS, MAX_PAGE_BYTES, WIDTHS, _compressed_size, assert_accessible, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ID_NUMBER = "025190001234"
PHONE = "0912345678"

# the dossier tests' fixtures (the real map, one procedure, people in every role), committed for the live server
world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world


@pytest.fixture
def ip(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    n = uuid.uuid4().int
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    yield address
    cache.delete(f"throttle_lookup_{address}")


@pytest.fixture
def dossier(request):
    world = request.getfixturevalue("transactional_world")
    filed = file_online(world.citizen, world.centre, applicant={"id_number": ID_NUMBER, "phone": PHONE})
    return walk(world, filed, PATHS[State.PROCESSING])


@pytest.fixture
def desk(page, ip):
    page.set_extra_http_headers({"X-Forwarded-For": ip})
    return page


@pytest.fixture
def phone(browser, ip):
    context = browser.new_context(
        locale="vi-VN",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        extra_http_headers={"X-Forwarded-For": ip},
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def check_state(browser, url: str, ip: str, act, name: str) -> None:
    """``check_page`` for a state reached by acting on the page (a result, an error): at 360 and 1280 px, open
    ``url``, ``act(page)``, then the same checks — language, one h1, no horizontal scrolling, axe-core, weight."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        context = browser.new_context(
            locale="en-US",
            viewport={"width": width, "height": height},
            is_mobile=width < 600,
            extra_http_headers={"X-Forwarded-For": ip},
        )
        try:
            page = context.new_page()
            responses = []
            page.on("response", lambda response, into=responses: into.append(response))
            page.goto(url)
            act(page)
            page.wait_for_load_state("networkidle")
            assert page.locator("html").get_attribute("lang") == "vi"
            assert page.locator("h1").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert_accessible(page)
            assert sum(_compressed_size(r) for r in responses) <= MAX_PAGE_BYTES
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()


def test_the_page_empty_with_a_result_and_with_an_error(dossier, live_server, desk, browser, ip):
    desk.goto(f"{live_server.url}/tra-cuu/")
    check_page(desk, "lookup-empty")
    url = f"{live_server.url}/tra-cuu/?code={dossier.code}"

    def found(page):
        page.get_by_label("Số CCCD hoặc mã số thuế").fill(ID_NUMBER)
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        page.locator("#lookup-result").wait_for(state="visible")

    def invalid(page):
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        page.locator("#lookup-summary").wait_for(state="visible")

    def not_found(page):
        page.get_by_label("Số CCCD hoặc mã số thuế").fill("025190009999")
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        page.locator("#lookup-message").wait_for(state="visible")

    check_state(browser, url, ip, found, "lookup-result")
    check_state(browser, url, ip, invalid, "lookup-error")
    check_state(browser, url, ip, not_found, "lookup-not-found")


def test_lookup_from_the_qr_link(dossier, live_server, desk, artifacts_dir):
    page = desk
    page.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Tra cứu hồ sơ"
    assert page.locator("#code").input_value() == dossier.code
    assert page.locator("nav a[aria-current='page']").inner_text() == "Tra cứu hồ sơ"
    page.screenshot(path=str(artifacts_dir / "lookup-form-desktop.png"))

    page.get_by_label("Số CCCD hoặc mã số thuế").fill(ID_NUMBER)
    with page.expect_response(lambda response: "/api/lookup/" in response.url) as answer:
        page.get_by_role("button", name="Tra cứu", exact=True).click()
    assert answer.value.status == 200
    # the ID number travels in the body of a POST, never in a URL (history, access logs)
    assert answer.value.request.method == "POST" and ID_NUMBER not in answer.value.url
    assert ID_NUMBER in (answer.value.request.post_data or "")
    result = page.locator("#lookup-result")
    result.wait_for(state="visible")
    assert result.locator(".status-label").inner_text() == "Đang xử lý"
    assert "Trạng thái quốc gia 4: Đang xử lý" in result.locator(".national").inner_text()
    assert result.locator("[data-field='applicant.name']").inner_text() == "N. T. H."
    assert result.locator("[data-field='applicant.id_number']").inner_text() == "*********234"
    assert result.locator("[data-field='code']").inner_text() == dossier.code
    assert "Hẹn trả kết quả lúc" in result.locator("[data-field='next_step']").inner_text()
    assert result.locator("[data-field='return_point.name']").inner_text() == dossier.return_centre.name
    assert page.locator("#lookup-message").is_hidden()
    assert ID_NUMBER not in result.inner_text()
    page.screenshot(path=str(artifacts_dir / "lookup-result-desktop.png"), full_page=True)


def test_a_wrong_id_number_is_not_found(dossier, live_server, desk, artifacts_dir):
    page = desk
    page.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
    page.get_by_label("Số CCCD hoặc mã số thuế").fill("025190009999")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    message = page.locator("#lookup-message")
    message.wait_for(state="visible")
    assert message.inner_text() == "Không tìm thấy hồ sơ với thông tin đã nhập."
    assert message.get_attribute("role") == "alert"
    assert page.locator("#lookup-result").is_hidden()

    page.get_by_label("Số CCCD hoặc mã số thuế").fill("")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    error = page.locator("#pair-error")
    error.wait_for(state="visible")
    assert error.inner_text() == "Hãy nhập số CCCD (hoặc mã số thuế) hoặc số điện thoại của người nộp."
    assert page.locator("#id_number").get_attribute("aria-invalid") == "true"
    # the error summary at the top links to the field, and has the focus
    summary = page.locator("#lookup-summary")
    assert summary.is_visible() and page.evaluate("document.activeElement.id") == "lookup-summary"
    link = summary.locator("a[href='#id_number']")
    assert link.inner_text() == error.inner_text()
    assert page.locator("[data-group-for='id_number phone']").get_attribute("class").endswith("form-group-error")
    assert message.is_hidden()
    page.screenshot(path=str(artifacts_dir / "lookup-errors-desktop.png"), full_page=True)


def test_on_a_phone_by_phone_number(dossier, live_server, phone, artifacts_dir):
    phone.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    phone.screenshot(path=str(artifacts_dir / "lookup-form-phone.png"), full_page=True)
    phone.get_by_label("hoặc số điện thoại").fill("+84 912 345 678")
    phone.get_by_role("button", name="Tra cứu", exact=True).click()
    result = phone.locator("#lookup-result")
    result.wait_for(state="visible")
    assert result.locator(".status-label").inner_text() == "Đang xử lý"
    assert result.locator("[data-field='applicant.phone']").inner_text() == "*******678"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375, "no horizontal scrolling on a phone"
    phone.screenshot(path=str(artifacts_dir / "lookup-result-phone.png"), full_page=True)


def test_without_javascript_the_form_posts_to_the_page(dossier, live_server, browser, ip, artifacts_dir):
    context = browser.new_context(
        locale="vi-VN",
        viewport={"width": 375, "height": 740},
        java_script_enabled=False,
        extra_http_headers={"X-Forwarded-For": ip},
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
        page.get_by_label("Số CCCD hoặc mã số thuế").fill(ID_NUMBER)
        with page.expect_navigation():
            page.get_by_role("button", name="Tra cứu", exact=True).click()
        assert page.url.endswith("/tra-cuu/")  # posted: the ID number never goes into the address bar
        result = page.locator("#lookup-result")
        assert result.is_visible()
        assert result.locator(".status-label").inner_text() == "Đang xử lý"
        assert result.locator("[data-field='applicant.name']").inner_text() == "N. T. H."
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        # an empty pair without JavaScript: the summary links to the field, the error is beside it
        page.get_by_label("Số CCCD hoặc mã số thuế").fill("")
        with page.expect_navigation():
            page.get_by_role("button", name="Tra cứu", exact=True).click()
        assert page.locator("#lookup-summary a[href='#id_number']").is_visible()
        assert page.locator("#pair-error").is_visible()
        page.screenshot(path=str(artifacts_dir / "lookup-result-nojs-phone.png"), full_page=True)
    finally:
        context.close()


def test_too_many_lookups_say_how_long_to_wait(dossier, live_server, desk, settings, artifacts_dir):
    settings.LOOKUP_RATE = "1/min"
    page = desk
    page.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
    page.get_by_label("Số CCCD hoặc mã số thuế").fill("025190009999")
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    message = page.locator("#lookup-message")
    message.wait_for(state="visible")
    assert message.inner_text() == "Không tìm thấy hồ sơ với thông tin đã nhập."
    page.get_by_label("Số CCCD hoặc mã số thuế").fill(ID_NUMBER)
    with page.expect_response(lambda response: "/api/lookup/" in response.url) as answer:
        page.get_by_role("button", name="Tra cứu", exact=True).click()
    assert answer.value.status == 429
    seconds = answer.value.headers["retry-after"]
    page.wait_for_function("() => document.getElementById('lookup-message').textContent.includes('quá nhiều lần')")
    assert message.inner_text() == f"Bạn đã tra cứu quá nhiều lần; vui lòng thử lại sau {seconds} giây."
    page.screenshot(path=str(artifacts_dir / "lookup-throttled-desktop.png"), full_page=True)


def test_in_english(dossier, live_server, desk):
    page = desk
    page.goto(f"{live_server.url}/tra-cuu/?code={dossier.code}")
    with page.expect_navigation():
        page.click(".lang button[value=en]")
    assert page.locator("h1").inner_text() == "Look up a dossier"
    assert page.locator("#code").input_value() == dossier.code  # the language switch came back to the same page
    page.get_by_label("ID number or tax code").fill(ID_NUMBER)
    page.get_by_role("button", name="Look up", exact=True).click()
    result = page.locator("#lookup-result")
    result.wait_for(state="visible")
    assert result.locator(".status-label").inner_text() == "Being processed"
    assert result.locator("[data-field='next_step']").inner_text().startswith("Your dossier is being processed")
