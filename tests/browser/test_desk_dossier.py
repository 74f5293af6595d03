"""The desk's dossier page in a real browser (Debian's Chromium through Playwright): a leader opens a processing
dossier, opens "Ký duyệt kết quả" and decides it; a page made stale by a colleague says so and changes nothing; the
preview of a scanned document opens inside the page. Screenshots: ``test-artifacts/pages/desk-dossier-*.png``.
"""

from __future__ import annotations

import pytest

from dossiers import services
from dossiers.models import DocumentDownload, Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from tests.browser.pages import ARTIFACTS, check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def test_a_leader_decides_and_a_stale_page_is_told(page, live_server, transactional_world, private_dir):
    world = transactional_world
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    other = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    log_in(page.context, live_server, world.leader)

    page.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    assert dossier.code in page.locator("h1").inner_text()
    check_page(page, "desk-dossier")
    # the scanned form opens inside the page; it is fetched (and the download recorded) only when opened
    assert DocumentDownload.objects.count() == 0
    with page.expect_response(lambda response: "/tai-lieu/" in response.url) as preview:
        page.locator(".desk-preview summary").first.click()
    assert preview.value.status == 200 and preview.value.headers["content-disposition"] == "inline"
    assert page.locator(".desk-preview iframe").first.is_visible()
    assert DocumentDownload.objects.filter(user=world.leader).count() == 1

    page.get_by_text("Ký duyệt kết quả", exact=True).click()
    page.get_by_label("Văn bản kết quả (số, ký hiệu)").fill("Giấy khai sinh số 15/2026")
    page.screenshot(path=str(ARTIFACTS / "desk-dossier-decide-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})  # the open form fits a phone too
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "desk-dossier-decide-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Xác nhận: Ký duyệt kết quả").click()
    page.wait_for_load_state()
    assert "Đã thực hiện: Ký duyệt kết quả." in page.locator("main").inner_text()
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY

    # a colleague stops the other dossier while this page is open: the decision is refused, the page says why
    page.goto(f"{live_server.url}/can-bo/ho-so/{other.pk}/")
    services.dossier_stop(dossier_id=other.pk, actor=world.leader, reason="Người nộp xin dừng")
    page.get_by_text("Ký duyệt kết quả", exact=True).click()
    page.get_by_label("Văn bản kết quả (số, ký hiệu)").fill("Giấy khai sinh số 16/2026")
    page.get_by_role("button", name="Xác nhận: Ký duyệt kết quả").click()
    page.wait_for_load_state()
    assert "vừa được người khác cập nhật" in page.locator("main").inner_text()
    assert Dossier.objects.get(pk=other.pk).state == State.STOPPED


def test_the_receipt_page(page, live_server, transactional_world, private_dir):
    world = transactional_world
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    log_in(page.context, live_server, world.reception)
    page.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/phieu/01/")
    frame = page.frame_locator("#slip-frame")
    assert dossier.code in frame.locator("body").inner_text()
    assert page.evaluate("document.activeElement.textContent") == "In phiếu"
    check_page(page, "desk-slip")
