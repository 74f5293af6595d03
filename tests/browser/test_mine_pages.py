""" "Hồ sơ của tôi" in a real browser (Debian's Chromium through Playwright): the list and a dossier's page with its
timeline at 360 and 1280 px, a supplement with an upload (with and without JavaScript), a withdrawal and a rating
after the return. Dossiers are brought to their states through the real services (``walk``); the citizen is logged in
by the session cookie of ``Client.force_login``. Screenshots: ``test-artifacts/pages/mine-*.png``.
"""

from __future__ import annotations

import pytest
from django.test import Client

from dossiers.models import Dossier
from dossiers.services.drafts import draft_start
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import _tiny_pdf_bytes, file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from tests.browser.pages import ARTIFACTS, assert_accessible, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def log_in(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def dossier_in(world, state: State) -> Dossier:
    return walk(world, file_online(world.citizen, world.centre), PATHS[state])


@pytest.fixture
def citizen_page(page, live_server, transactional_world, private_dir):
    log_in(page.context, live_server, transactional_world.citizen)
    return page


def test_the_list_and_a_dossier_with_its_timeline(citizen_page, live_server, transactional_world):
    world = transactional_world
    page = citizen_page
    draft_start(owner=world.citizen, procedure_code="1.001193")
    returned = dossier_in(world, State.RETURNED)
    waiting = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    filed = dossier_in(world, State.FILED)

    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    assert page.locator("h1").inner_text() == "Hồ sơ của tôi"
    cards = page.locator(".mine-list > li")
    assert cards.count() == 3
    assert filed.reference in cards.nth(0).inner_text()  # newest first; the reference until it is received
    assert "Chờ bạn bổ sung" in cards.nth(1).inner_text() and "Cần bổ sung giấy tờ" in cards.nth(1).inner_text()
    assert "Đã trả kết quả" in cards.nth(2).inner_text()
    assert page.locator(".mine-drafts").get_by_role("link", name="Tiếp tục").count() == 1
    check_page(page, "mine-list")

    page.get_by_role("link", name="Cần bạn làm").click()
    assert page.locator(".mine-list > li").count() == 1

    page.goto(f"{live_server.url}/ho-so-cua-toi/{waiting.pk}/")
    assert page.locator("h1").count() == 1
    timeline = page.locator(".timeline")
    assert timeline.locator("li.done").count() == 5
    assert timeline.locator("li.current").count() == 1
    assert "Chờ bạn bổ sung" in timeline.locator("li.current").inner_text()
    assert "Cơ quan giải quyết yêu cầu bổ sung giấy tờ" in timeline.inner_text()
    assert "request_supplement" not in page.content()
    assert page.get_by_role("link", name="Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ").count() == 1
    check_page(page, "mine-detail")

    # a slip opens through the scoped, session-authenticated endpoint
    href = page.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả").get_attribute("href")
    slip = page.request.get(f"{live_server.url}{href}")
    assert slip.status == 200 and slip.headers["content-type"] == "application/pdf"

    page.goto(f"{live_server.url}/ho-so-cua-toi/{returned.pk}/")
    check_page(page, "mine-detail-returned")

    # someone else's dossier: the portal's 404
    other = walk(world, file_online(world.other_citizen, world.centre), [])
    response = page.goto(f"{live_server.url}/ho-so-cua-toi/{other.pk}/")
    assert response.status == 404


def test_supplement_with_an_upload(citizen_page, live_server, transactional_world, tmp_path):
    world = transactional_world
    page = citizen_page
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    page.get_by_role("link", name="Bổ sung giấy tờ").click()
    assert page.locator("h1").inner_text() == "Bổ sung giấy tờ"
    check_page(page, "mine-supplement")

    bad = tmp_path / "anh-mo.png"
    bad.write_bytes(b"not an image")
    page.set_input_files("#file-1", str(bad))
    page.get_by_role("button", name="Gửi bổ sung").click()
    page.locator(".error-summary").wait_for()
    assert page.locator("#file-1-error").is_visible()
    assert page.locator(".error-summary a[href='#file-1']").count() == 1
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "mine-supplement-error-1280.png"), full_page=True)
    assert Dossier.objects.get(pk=dossier.pk).state == State.SUPPLEMENT_REQUESTED

    good = tmp_path / "giấy chứng sinh.pdf"
    good.write_bytes(_tiny_pdf_bytes())
    page.set_input_files("#file-1", str(good))
    page.get_by_role("button", name="Gửi bổ sung").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    assert "Đã gửi giấy tờ bổ sung" in page.locator(".notice-success").inner_text()
    assert page.get_by_role("link", name="giấy chứng sinh.pdf").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).state == State.PROCESSING


def test_supplement_without_javascript(browser, live_server, transactional_world, private_dir, tmp_path):
    world = transactional_world
    dossier = dossier_in(world, State.SUPPLEMENT_REQUESTED)
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740}, java_script_enabled=False)
    try:
        log_in(context, live_server, world.citizen)
        page = context.new_page()
        page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/bo-sung/")
        good = tmp_path / "giay-chung-sinh.pdf"
        good.write_bytes(_tiny_pdf_bytes())
        page.set_input_files("#file-1", str(good))
        with page.expect_navigation():
            page.get_by_role("button", name="Gửi bổ sung").click()
        assert page.url.endswith(f"/ho-so-cua-toi/{dossier.pk}/")
        assert Dossier.objects.get(pk=dossier.pk).state == State.PROCESSING
    finally:
        context.close()


def test_a_withdrawal(citizen_page, live_server, transactional_world):
    world = transactional_world
    page = citizen_page
    dossier = dossier_in(world, State.PROCESSING)
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    page.get_by_role("link", name="Rút hồ sơ").click()
    assert page.locator("h1").inner_text() == "Rút hồ sơ"
    check_page(page, "mine-withdraw")
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()
    assert page.locator(".error-summary a[href='#reason']").inner_text() == "Hãy cho biết lý do bạn muốn rút hồ sơ."
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "mine-withdraw-error-1280.png"), full_page=True)
    page.get_by_label("Lý do rút hồ sơ").fill("Không còn nhu cầu")
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    assert "Đã gửi yêu cầu rút hồ sơ" in page.locator(".notice-success").inner_text()
    assert "Đang chờ rút" in page.locator(".mine-status").inner_text()
    assert Dossier.objects.get(pk=dossier.pk).state == State.WITHDRAWAL_REQUESTED


def test_a_rating_after_the_return(citizen_page, live_server, transactional_world):
    world = transactional_world
    page = citizen_page
    dossier = dossier_in(world, State.RETURNED)
    page.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    page.get_by_role("link", name="Đánh giá mức độ hài lòng").click()
    check_page(page, "mine-rate")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_label("Ý kiến của bạn (không bắt buộc)").fill("Cán bộ hướng dẫn tận tình")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{dossier.pk}/")
    assert "Cảm ơn bạn đã đánh giá." in page.locator(".notice-success").inner_text()
    assert page.get_by_role("link", name="Đánh giá mức độ hài lòng").count() == 0
    dossier.refresh_from_db()
    assert dossier.rating == "very_satisfied"
