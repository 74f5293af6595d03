"""The province dashboard in a real browser (Debian's Chromium through Playwright; issue 13, point 9): the province
office opens it, changes the period and the breakdown, follows a number to the dossiers behind it, exports a table
as XLSX (read back with openpyxl), and sees a count change after a clerk receives a dossier; a commune's leader sees
only their commune. axe-core and the screenshots at 1280 and 360 px: ``test-artifacts/pages/dashboard*.png``.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import APPLICANT, receive_at_counter
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from stats.services import stats_refresh
from tests.browser.pages import check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


def received(world, *, other=False):
    officer, centre = (world.other_reception, world.other_centre) if other else (world.reception, world.centre)
    return receive_at_counter(
        actor=officer,
        procedure_code="1.001193",
        applicant={**APPLICANT, "id_number": world.citizen.id_number},
        reception_centre_id=centre.pk,
    )


def loaded(page, previous: str | None = None) -> str:
    """Wait until the script has drawn the figures (again, when ``previous`` is given)."""
    if previous is None:
        page.wait_for_selector("#dashboard[data-loaded]")
    else:
        page.wait_for_function(
            "p => document.getElementById('dashboard').getAttribute('data-loaded') !== p", arg=previous
        )
    page.wait_for_function("() => !document.getElementById('dash-cards').hasAttribute('aria-busy')")
    return page.locator("#dashboard").get_attribute("data-loaded")


def card(page, label: str) -> str:
    return page.locator(".dash-card", has=page.locator("dt", has_text=label)).first.locator("dd").inner_text()


def test_the_province_office_reads_follows_and_exports(page, live_server, transactional_world, private_dir):
    world = transactional_world
    walk(world, received(world), PATHS[State.RESULT_READY][1:])  # the first step, the reception, is done
    received(world)
    received(world)
    received(world, other=True)
    stats_refresh()
    log_in(page.context, live_server, world.province)

    page.goto(f"{live_server.url}/so-lieu/")
    first = loaded(page)
    assert page.locator("h1").inner_text() == "Số liệu giải quyết thủ tục hành chính"
    assert card(page, "Tiếp nhận") == "4"
    assert "Số liệu tính đến" in page.locator("#dash-asof").inner_text()
    # the 766 panel: six groups, what cannot be computed here said so
    assert page.locator("table.dash-766").count() == 6
    assert "Không tính được ở đây" in page.locator("#table-766-1").inner_text()

    # another period, another breakdown
    page.select_option("#f-period", "year")
    page.get_by_role("button", name="Xem").click()
    second = loaded(page, first)
    assert page.locator("#dashboard").get_attribute("data-period")[4:11] == "-01-01."
    page.select_option("#f-by", "area")  # changes the breakdown at once
    loaded(page, second)
    page.wait_for_function("() => document.querySelector('#cap-breakdown').textContent === 'Tỉnh cũ'")
    areas = page.locator("#table-breakdown tbody th").all_inner_texts()
    assert areas and all("(cũ)" in area for area in areas)
    assert "by=area" in page.url and "period=year" in page.url

    # follow the received count to the dossiers behind it
    with page.expect_navigation(url="**/can-bo/hang-doi/tat-ca/**"):
        page.locator(".dash-card", has=page.locator("dt", has_text="Tiếp nhận")).first.locator("a").click()
    assert "measure=received" in page.url
    assert page.locator("tr.desk-row").count() == 4
    assert "Tiếp nhận" in page.locator(".desk-behind").inner_text()
    check_page(page, "dashboard-dossiers")
    page.go_back()
    third = loaded(page)

    # export the breakdown as XLSX and read it back
    with page.expect_download() as download:
        page.locator(".dash-exports a[data-table=breakdown][data-fmt=xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx") and "-area-" in download.value.suggested_filename
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active
    assert sheet["A2"].value == "Tỉnh cũ" and sheet["B2"].value == "Tiếp nhận"
    assert sum(row[1] for row in sheet.iter_rows(min_row=3, values_only=True)) == 4

    # a clerk receives a dossier; the next refresh (Celery beat, every 30 s) counts it
    received(world)
    stats_refresh()
    page.get_by_role("button", name="Xem").click()
    loaded(page, third)
    page.wait_for_function("() => document.querySelector('.dash-card dd').textContent.trim() === '5'", timeout=10_000)
    assert card(page, "Tiếp nhận") == "5"
    check_page(page, "dashboard")


def test_a_commune_leader_sees_only_their_commune(page, live_server, transactional_world, private_dir):
    world = transactional_world
    received(world)
    received(world, other=True)
    received(world, other=True)
    stats_refresh()
    log_in(page.context, live_server, world.leader)
    page.goto(f"{live_server.url}/so-lieu/")
    loaded(page)
    assert card(page, "Tiếp nhận") == "1"
    options = page.locator("#f-unit option").all_inner_texts()
    assert len(options) == 2 and world.unit.name in options  # "all your units" and theirs
    assert page.locator("#table-breakdown tbody tr").count() == 1
    assert page.locator("#table-ranking tbody tr").count() == 1
    assert world.other_unit.name not in page.locator("main").inner_text()
    check_page(page, "dashboard-leader")
