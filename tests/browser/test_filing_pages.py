"""Filing online in a real browser (Debian's Chromium through Playwright): the whole wizard with uploads to the
confirmation, with JavaScript and without it, a renamed text file shown beside its field with nothing filed, and a
double click on "Nộp hồ sơ" filing one dossier. Every step goes through ``check_page`` (screenshots ``filing-*``)."""

from __future__ import annotations

import pytest
from django.test import Client

from dossiers.models import Document, Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import _image_bytes, _tiny_pdf_bytes
from procedures.models import Component
from tests.browser.pages import ARTIFACTS, assert_accessible, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = "1.001193"

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world


@pytest.fixture
def citizen(transactional_world):
    world = transactional_world
    user = world.citizen
    user.commune = world.centre.commune
    user.email = "hoa@example.vn"
    user.address = "Khu 3, phường Việt Trì"
    user.save()
    required = Component.objects.get(version__procedure__code=CODE)
    Component.objects.create(
        version=required.version, order=2, name="Giấy chứng sinh", copy_kind="copy", is_required=False
    )
    return user


def logged_in(browser, live_server, user, *, javascript: bool = True):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


@pytest.fixture
def files(tmp_path):
    pdf = tmp_path / "tờ khai khai sinh.pdf"
    pdf.write_bytes(_tiny_pdf_bytes())
    png = tmp_path / "giấy chứng sinh.png"
    png.write_bytes(_image_bytes("PNG", (120, 90)))
    fake = tmp_path / "ghi chú.pdf"
    fake.write_text("Đây là một tệp văn bản đổi tên thành .pdf\n" * 10, encoding="utf-8")
    return {"pdf": str(pdf), "png": str(png), "fake": str(fake)}


def check_markup(browser, url: str, html: str, name: str) -> None:
    """An error state that a GET cannot reproduce (``check_page`` reloads the URL): the page's markup as it is now,
    served again at its own URL (so its stylesheet and scripts load) in a JavaScript-enabled context — axe-core needs
    JavaScript, which the no-JavaScript test page lacks — then axe, no horizontal scrolling, and screenshots."""
    for width, height in ((360, 740), (1280, 900)):
        context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
        try:
            other = context.new_page()
            other.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
            other.goto(url)
            assert other.evaluate("document.documentElement.scrollWidth") <= width
            assert_accessible(other)
            other.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        finally:
            context.close()


def components():
    return list(Component.objects.filter(version__procedure__code=CODE).order_by("order"))


def through_first_steps(page, live_server, *, javascript: bool):
    page.goto(f"{live_server.url}/nop-ho-so/{CODE}/")
    assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"
    check_page(page, "filing-start")
    page.get_by_role("button", name="Bắt đầu").click()

    assert page.locator("h1").inner_text() == "Nơi nộp và nơi nhận kết quả"
    assert "Bước 1/4" in page.locator(".filing-step").inner_text()
    check_page(page, "filing-place")
    select = page.get_by_label("Trung tâm tiếp nhận hồ sơ")
    assert select.input_value() != ""  # preselected from the profile's commune
    if javascript:
        page.get_by_label("Lọc danh sách").fill("viet tri")  # without diacritics
    page.get_by_role("button", name="Lưu và tiếp tục").click()

    assert page.locator("h1").inner_text() == "Thông tin người nộp"
    assert page.get_by_label("Thư điện tử (không bắt buộc)").input_value() == "hoa@example.vn"
    check_page(page, "filing-applicant")
    page.get_by_label("Số căn cước công dân (CCCD)").fill("025190001234")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    assert page.locator("h1").inner_text() == "Giấy tờ kèm theo"


def test_whole_wizard_with_javascript(browser, live_server, citizen, files):
    context = logged_in(browser, live_server, citizen)
    page = context.new_page()
    try:
        through_first_steps(page, live_server, javascript=True)
        check_page(page, "filing-documents")
        required, optional = components()
        for component, path in ((required, files["pdf"]), (optional, files["png"])):
            with page.expect_response(lambda r: r.url.endswith("/tep/")) as answer:
                page.locator(f"#component-{component.pk}").set_input_files(path)
            assert answer.value.status == 201
            current = page.locator(f"#component-{component.pk}-current")
            current.wait_for(state="visible")
            assert path.rsplit("/", 1)[1] in current.inner_text()
        check_page(page, "filing-documents-uploaded")
        page.get_by_role("button", name="Lưu và tiếp tục").click()

        assert page.locator("h1").inner_text() == "Kiểm tra trước khi nộp"
        review = page.locator("main").inner_text()
        assert "tờ khai khai sinh.pdf" in review and "giấy chứng sinh.png" in review and "0912345678" in review
        check_page(page, "filing-review")
        page.get_by_role("button", name="Nộp hồ sơ").click()

        page.locator(".panel h1").wait_for()
        assert page.locator("h1").inner_text() == "Đã nộp hồ sơ"
        dossier = Dossier.objects.get()
        assert dossier.reference in page.locator(".panel").inner_text()
        check_page(page, "filing-done")
        assert Document.objects.filter(dossier=dossier).count() == 2
    finally:
        context.close()


def test_whole_wizard_without_javascript_and_a_double_click_files_once(browser, live_server, citizen, files):
    context = logged_in(browser, live_server, citizen, javascript=False)
    page = context.new_page()
    try:
        through_first_steps(page, live_server, javascript=False)
        required, _optional = components()
        page.locator(f"#component-{required.pk}").set_input_files(files["pdf"])
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        assert page.locator("h1").inner_text() == "Kiểm tra trước khi nộp"
        page.get_by_role("button", name="Nộp hồ sơ").dblclick()
        page.wait_for_url("**/da-nop/**")
        assert page.locator("h1").inner_text() == "Đã nộp hồ sơ"
        assert Dossier.objects.count() == 1
        check_page(page, "filing-done-nojs")
    finally:
        context.close()


def test_double_click_on_submit_with_javascript_files_once(browser, live_server, citizen, files):
    context = logged_in(browser, live_server, citizen)
    page = context.new_page()
    try:
        through_first_steps(page, live_server, javascript=True)
        required, _optional = components()
        with page.expect_response(lambda r: r.url.endswith("/tep/")):
            page.locator(f"#component-{required.pk}").set_input_files(files["pdf"])
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        page.get_by_role("button", name="Nộp hồ sơ").dblclick()
        page.wait_for_url("**/da-nop/**")
        assert Dossier.objects.count() == 1
        # the back button and a resubmit: still one dossier, the same confirmation
        page.go_back()
        if page.get_by_role("button", name="Nộp hồ sơ").count():
            page.get_by_role("button", name="Nộp hồ sơ").click()
        assert Dossier.objects.count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_renamed_text_file_is_an_error_beside_its_field(browser, live_server, citizen, files, javascript):
    context = logged_in(browser, live_server, citizen, javascript=javascript)
    page = context.new_page()
    try:
        through_first_steps(page, live_server, javascript=javascript)
        required, _optional = components()
        field = page.locator(f"#component-{required.pk}")
        if javascript:
            with page.expect_response(lambda r: r.url.endswith("/tep/")) as answer:
                field.set_input_files(files["fake"])
            assert answer.value.status == 400
        else:
            field.set_input_files(files["fake"])
            page.get_by_role("button", name="Lưu và tiếp tục").click()
            summary = page.locator(".error-summary")
            assert "không phải PDF, JPEG hoặc PNG" in summary.inner_text()
            assert summary.locator("a").first.get_attribute("href") == f"#component-{required.pk}"
        error = page.locator(f"#component-{required.pk}-error")
        error.wait_for(state="visible")
        assert 'Tệp "ghi chú.pdf": không phải PDF, JPEG hoặc PNG hợp lệ.' in error.inner_text()
        assert field.get_attribute("aria-invalid") == "true"
        check_markup(browser, page.url, page.content(), "filing-documents-error" + ("" if javascript else "-nojs"))
        assert not Dossier.objects.exists()
        assert not citizen.filing_drafts.get().files.exists()
    finally:
        context.close()


def test_a_draft_survives_a_closed_tab(browser, live_server, citizen, files):
    context = logged_in(browser, live_server, citizen)
    page = context.new_page()
    required, _optional = components()
    try:
        through_first_steps(page, live_server, javascript=True)
        with page.expect_response(lambda r: r.url.endswith("/tep/")) as answer:
            page.locator(f"#component-{required.pk}").set_input_files(files["pdf"])
        assert answer.value.status == 201
    finally:
        context.close()  # the tab (and the whole browser context) is gone

    context = logged_in(browser, live_server, citizen)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/nop-ho-so/{CODE}/")
        assert "Bạn có một hồ sơ nộp dở cho thủ tục này." in page.locator("main").inner_text()
        check_page(page, "filing-start-resume")
        page.get_by_role("button", name="Tiếp tục hồ sơ nộp dở").click()
        assert page.locator("h1").inner_text() == "Giấy tờ kèm theo"  # the first step not finished yet
        assert "tờ khai khai sinh.pdf" in page.locator(f"#component-{required.pk}-current").inner_text()
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        assert page.locator("h1").inner_text() == "Kiểm tra trước khi nộp"
        assert "0912345678" in page.locator("main").inner_text()
    finally:
        context.close()
