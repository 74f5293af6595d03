"""Issue 11, point 11, end to end in a real browser on a phone-sized screen: a citizen searches "dang ky khai sinh"
without diacritics, opens the procedure, registers, files it online with an upload and sees the confirmation; a
reception officer receives it through the REST API; the citizen sees the code and the appointment on their dossier
page, downloads the receipt (form 01), logs out and looks the dossier up by code + CCCD.

Screenshots of each step: ``test-artifacts/journey-*.png``."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import _tiny_pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
CCCD = "025190007788"
PHONE = "0987654321"
PASSWORD = "Khai-sinh@2026"


def shot(page, artifacts_dir, name: str) -> None:
    page.screenshot(path=str(artifacts_dir / f"journey-{name}.png"), full_page=True)


def test_search_register_file_receive_follow_and_look_up(
    browser, live_server, transactional_world, artifacts_dir, tmp_path
):
    world = transactional_world
    declaration = tmp_path / "tờ khai đăng ký khai sinh.pdf"
    declaration.write_bytes(_tiny_pdf_bytes())
    context = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    base = live_server.url
    try:
        # 1. the home page's search, without diacritics, lands in the catalogue with the procedure found
        page.goto(base + "/")
        assert page.locator("html").get_attribute("lang") == "vi"  # a phone in English still gets Vietnamese
        search = page.locator("main form[action='/thu-tuc/'] input[name=q]").first
        search.fill("dang ky khai sinh")
        search.press("Enter")
        page.wait_for_url(re.compile(r"/thu-tuc/\?.*q=dang"))
        result = page.locator("ol.results").get_by_role(
            "link", name="Thủ tục đăng ký khai sinh"
        )  # found, not suggested
        result.wait_for()
        shot(page, artifacts_dir, "1-catalogue")
        result.click()

        # 2. the procedure page says what to bring and when the result is due, and offers online filing
        page.wait_for_url(f"{base}/thu-tuc/1.001193/")
        assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"
        assert "Tờ khai" in page.locator("main").inner_text()
        shot(page, artifacts_dir, "2-procedure")
        page.locator("main").get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()

        # 3. not logged in: the log-in page, which leads to registration and back to the filing
        page.wait_for_url(re.compile(r"/tai-khoan/dang-nhap/\?next="))
        page.get_by_role("link", name="Đăng ký tài khoản bằng số CCCD").click()
        page.get_by_label("Họ và tên").fill("Hà Thị Mai")
        page.get_by_label("Số CCCD").fill(CCCD)
        page.get_by_label("Số điện thoại di động").fill(PHONE)
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        shot(page, artifacts_dir, "3-register")
        page.get_by_role("button", name="Tạo tài khoản").click()

        # 4. the filing: centre and return point, applicant (prefilled), the document, review, submit
        page.wait_for_url(f"{base}/nop-ho-so/1.001193/")
        page.get_by_role("button", name="Bắt đầu").click()
        page.get_by_label("Trung tâm tiếp nhận hồ sơ").select_option(str(world.centre.pk))
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        assert page.locator("h1").inner_text() == "Thông tin người nộp"
        assert page.get_by_label("Số căn cước công dân (CCCD)").input_value() == CCCD  # from the new profile
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        assert page.locator("h1").inner_text() == "Giấy tờ kèm theo"
        with page.expect_response(lambda r: r.url.endswith("/tep/")) as answer:
            page.locator("input[type=file]").first.set_input_files(str(declaration))
        assert answer.value.status == 201
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        assert page.locator("h1").inner_text() == "Kiểm tra trước khi nộp"
        page.get_by_role("button", name="Nộp hồ sơ").click()
        page.locator(".panel h1").wait_for()
        dossier = Dossier.objects.get(applicant_id_number=CCCD)
        assert dossier.reference in page.locator(".panel").inner_text()
        shot(page, artifacts_dir, "4-confirmation")

        # 5. a reception officer of the centre receives it through the REST API
        officer = Client()
        officer.force_login(world.reception)
        received = officer.post(f"/api/dossiers/{dossier.pk}/receive/", HTTP_IF_MATCH=f'"{dossier.version}"')
        assert received.status_code == 200, received.content
        dossier.refresh_from_db()
        assert dossier.code and dossier.due_at

        # 6. the citizen's dossier page shows the code and the appointment, and the receipt downloads
        page.goto(f"{base}/ho-so-cua-toi/")
        page.get_by_role("link", name=re.compile("Thủ tục đăng ký khai sinh")).first.click()
        page.wait_for_url(f"{base}/ho-so-cua-toi/{dossier.pk}/")
        text = page.locator("main").inner_text()
        assert dossier.code in text
        due = dossier.due_at.astimezone(dossier.due_at.tzinfo)
        assert f"{due.day:02d}/{due.month:02d}/{due.year}" in text or f"{due:%d/%m/%Y}" in text
        shot(page, artifacts_dir, "6-my-dossier")
        receipt = page.locator(f"a[href*='/api/dossiers/{dossier.pk}/slips/01.pdf']").first
        # the link as the browser follows it, with the person's session (a PDF opens in the phone's viewer)
        answer = page.request.get(base + receipt.get_attribute("href"))
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
        assert answer.body()[:5] == b"%PDF-"

        # 7. logged out, the public lookup by code + CCCD finds it
        page.locator("header").get_by_role("button", name="Đăng xuất").click()
        page.goto(f"{base}/tra-cuu/?code={dossier.code}")
        page.get_by_label("Số CCCD hoặc mã số thuế").fill(CCCD)
        page.get_by_role("button", name="Tra cứu", exact=True).click()
        result = page.locator("#lookup-result")
        result.wait_for(state="visible")
        assert dossier.code in result.inner_text()
        shot(page, artifacts_dir, "7-lookup")
    finally:
        context.close()
