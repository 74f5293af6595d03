"""The desk's queues in a real browser (Debian's Chromium through Playwright): the queue tiles with their counts, a
queue's list at 1280 and 360 px (rows become cards on a phone), the search without diacritics, and a bulk transfer
with its per-dossier results — driven from the keyboard. Screenshots: ``test-artifacts/pages/desk-*.png``.
"""

from __future__ import annotations

import pytest

from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from tests.browser.pages import check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def dossier_in(world, state: State, **applicant) -> Dossier:
    return walk(world, file_online(world.citizen, world.centre, applicant=applicant), PATHS[state])


def test_queues_list_search_and_bulk_transfer(page, live_server, transactional_world, private_dir):
    world = transactional_world
    binh = dossier_in(world, State.RECEIVED, name="Trần Văn Bình")
    hoa = dossier_in(world, State.RECEIVED, name="Nguyễn Thị Hoa")
    dossier_in(world, State.FILED)
    dossier_in(world, State.RESULT_READY)
    log_in(page.context, live_server, world.reception)

    page.goto(f"{live_server.url}/can-bo/")
    assert page.locator("h1").inner_text() == "Bàn làm việc"
    tile = page.get_by_role("link", name="Đã tiếp nhận, chưa chuyển xử lý")
    assert tile.locator(".desk-queue-count").inner_text() == "2"
    check_page(page, "desk-home")

    # the search box has the focus: type a name without diacritics, Enter
    page.keyboard.type("tran van binh")
    with page.expect_navigation(url="**/can-bo/hang-doi/tat-ca/**"):
        page.keyboard.press("Enter")
    rows = page.locator("tr.desk-row")
    assert rows.count() == 1 and binh.code in rows.first.inner_text()

    page.goto(f"{live_server.url}/can-bo/hang-doi/chua-chuyen/")
    assert page.locator("tr.desk-row").count() == 2
    check_page(page, "desk-queue")

    # tick both rows from the keyboard ("select all"), choose the transfer, submit
    page.locator(".desk-all").focus()
    page.keyboard.press("Space")
    assert page.locator(".desk-pick input:checked").count() == 2
    page.locator("#bulk-action").focus()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Thành công: 2 hồ sơ" in page.locator("main").inner_text()
    assert set(Dossier.objects.filter(pk__in=[binh.pk, hoa.pk]).values_list("state", flat=True)) == {State.TRANSFERRED}
    check_page(page, "desk-bulk-result")


def test_another_communes_clerk_sees_none_of_it(page, live_server, transactional_world, private_dir):
    world = transactional_world
    received = dossier_in(world, State.RECEIVED)
    log_in(page.context, live_server, world.other_reception)
    page.goto(f"{live_server.url}/can-bo/hang-doi/chua-chuyen/")
    assert page.locator("tr.desk-row").count() == 0
    page.goto(f"{live_server.url}/can-bo/hang-doi/tat-ca/?q={received.code}")
    assert "Không tìm thấy hồ sơ nào khớp." in page.locator("main").inner_text()
