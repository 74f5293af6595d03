"""Counter reception in a real browser (Debian's Chromium through Playwright), driven with the keyboard only: no
click, no fill — the clerk types, presses Tab, Space and Enter, as at a busy counter. Also the incomplete dossier
refused with its guidance slip. Screenshots: ``test-artifacts/pages/desk-counter*.png``.
"""

from __future__ import annotations

import re

import pytest

from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online
from tests.browser.pages import ARTIFACTS, assert_accessible, check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def focused(page) -> str:
    """The focused element as ``tag#id`` (or its text for a link or a button)."""
    return page.evaluate(
        "() => { const e = document.activeElement; return e.id ? e.tagName.toLowerCase() + '#' + e.id"
        " : e.tagName.toLowerCase() + ':' + (e.textContent || '').trim(); }"
    )


def tab_to(page, wanted: str, *, limit: int = 60) -> None:
    """Press Tab until ``wanted`` (see ``focused``) has the focus."""
    for _ in range(limit):
        if focused(page) == wanted:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{wanted} never got the focus (last: {focused(page)})")


def receive_from_the_keyboard(page, *, cccd: str, tick: bool) -> None:
    # step 1: the search box has the focus
    assert focused(page) == "input#counter-q"
    page.keyboard.type("dang ky khai sinh")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # the first result has the focus: Enter picks it
    assert focused(page).startswith("a:1.001193")
    page.screenshot(path=str(ARTIFACTS / f"desk-counter-results-{page.viewport_size['width']}.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # step 2: the CCCD field has the focus; Enter fills in what is known (the citizen's earlier dossier)
    assert focused(page) == "input#applicant_id_number"
    page.keyboard.type(cccd)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('applicant_name').value !== ''")
    assert focused(page) == "input#applicant_name"
    tab_to(page, next(iter_checkboxes(page)))
    if tick:
        page.keyboard.press("Space")
    tab_to(page, "button:Tiếp nhận hồ sơ")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def iter_checkboxes(page):
    for box_id in page.eval_on_selector_all(".desk-components input[type=checkbox]", "els => els.map(e => e.id)"):
        yield f"input#{box_id}"


def test_a_walk_in_dossier_received_with_the_keyboard_only(page, live_server, transactional_world, private_dir):
    world = transactional_world
    file_online(world.citizen, world.centre, applicant={"address": "Số 9, khu 2, phường Việt Trì"})  # earlier
    log_in(page.context, live_server, world.reception)
    page.goto(f"{live_server.url}/can-bo/tiep-nhan/")
    check_page(page, "desk-counter")

    receive_from_the_keyboard(page, cccd=world.citizen.id_number, tick=True)

    assert re.search(r"/can-bo/ho-so/\d+/phieu/01/$", page.url), page.url
    dossier = Dossier.objects.get(channel="direct")
    assert dossier.state == "received" and dossier.applicant_address == "Số 9, khu 2, phường Việt Trì"
    assert list(dossier.paper_components.values_list("name", flat=True)) == ["Tờ khai đăng ký khai sinh"]
    assert dossier.code in page.frame_locator("#slip-frame").locator("body").inner_text()
    assert focused(page) == "a:In phiếu"  # Enter prints the receipt


def test_a_dossier_without_its_form_is_refused_with_the_guidance(page, live_server, transactional_world, private_dir):
    world = transactional_world
    log_in(page.context, live_server, world.reception)
    page.goto(f"{live_server.url}/can-bo/tiep-nhan/1.001193/")
    check_page(page, "desk-counter-form")
    page.keyboard.type("025190009999")
    page.keyboard.press("Enter")  # nothing known of this person: the name field gets the focus
    page.wait_for_function("() => document.querySelector('.desk-prefill-status').textContent !== ''")
    page.keyboard.type("Trần Văn Bình")
    page.keyboard.press("Tab")
    page.keyboard.type("0987654321")
    tab_to(page, "button:Tiếp nhận hồ sơ")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    summary = page.locator("#error-summary")
    assert "Hồ sơ chưa được tiếp nhận" in summary.inner_text() and "Tờ khai đăng ký khai sinh" in summary.inner_text()
    assert focused(page) == "div#error-summary"
    guidance = page.get_by_role("link", name="In phiếu hướng dẫn bổ sung")
    assert "ten=Tr" in guidance.get_attribute("href")
    assert Dossier.objects.count() == 0
    assert_accessible(page)  # the refused form as it is (check_page would load it afresh)
    page.screenshot(path=str(ARTIFACTS / "desk-counter-missing-1280.png"), full_page=True)
    page.goto(live_server.url + guidance.get_attribute("href"))
    assert "PHIẾU HƯỚNG DẪN HOÀN THIỆN HỒ SƠ" in page.locator("body").inner_text()
