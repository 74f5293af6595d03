"""The header's notification count and the notifications page in a real browser (Debian's Chromium): a handler with
three unread reminders sees "3", reads one from the page, and the count drops to 2. Screenshots:
``test-artifacts/pages/notifications-*.png``."""

from __future__ import annotations

import pytest

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from notifications.models import Kind
from notifications.tests.test_api import notice
from tests.browser.pages import check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def test_the_count_in_the_header_and_reading_one(page, live_server, transactional_world, private_dir):
    world = transactional_world
    dossier = file_online(world.citizen, world.centre)
    for kind in (Kind.DUE_SOON, Kind.OVERDUE, Kind.NOT_TRANSFERRED):
        notice(world.handler, kind, dossier=dossier)
    log_in(page.context, live_server, world.handler)
    page.goto(f"{live_server.url}/can-bo/")
    inbox = page.locator("a.nav-inbox")
    assert inbox.locator(".badge").inner_text() == "3"
    assert "3 chưa đọc" in inbox.inner_text()
    check_page(page, "desk-header")
    inbox.click()
    page.wait_for_url("**/thong-bao/")
    assert page.locator("ul.notices-list > li.notice-unread").count() == 3
    check_page(page, "notifications")
    page.get_by_role("button", name="Đánh dấu đã đọc").first.click()
    page.wait_for_load_state()
    assert page.locator("a.nav-inbox .badge").inner_text() == "2"
    page.get_by_role("button", name="Mở hồ sơ").first.click()
    page.wait_for_url(f"**/can-bo/ho-so/{dossier.pk}/")
    assert page.locator("a.nav-inbox .badge").inner_text() == "1"
