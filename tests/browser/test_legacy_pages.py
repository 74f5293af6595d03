"""Transitional dossiers in a real browser (Debian's Chromium through Playwright; issue 14): the province office opens
the review queue, picks the new commune of a dossier whose old unit was split, and finds it on the desk with its old
code. axe-core and the screenshots at 1280 and 360 px: ``test-artifacts/pages/legacy-*.png``."""

from __future__ import annotations

import pytest

from dossiers.models import Dossier
from dossiers.tests import conftest as dossier_fixtures
from legacy.models import LegacyRecord
from legacy.services import legacy_import
from legacy.tests.test_import import opencps, unit, write_json
from tests.browser.pages import check_page
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world


def test_the_province_office_settles_a_split_unit(page, live_server, transactional_world, tmp_path):
    world = transactional_world
    old = unit("hoa_binh", split=True)
    legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-2025-0001", old), opencps("HB-2025-0002", old)])])
    log_in(page.context, live_server, world.province)
    page.goto(f"{live_server.url}/can-bo/chuyen-tiep/")
    assert page.locator("h1").inner_text() == "Hồ sơ chuyển tiếp cần xem xét"
    assert page.locator("li.card").count() == 2
    check_page(page, "legacy-review")
    record = LegacyRecord.objects.get(legacy_code="HB-2025-0001")
    card = page.locator("li.card", has_text="HB-2025-0001")
    card.locator(f"input[value='{record.candidates[0]}']").check()
    with page.expect_navigation():
        card.get_by_role("button", name="Phân hồ sơ").click()
    assert "Đã phân hồ sơ HB-2025-0001." in page.locator("main").inner_text()
    assert page.locator("li.card").count() == 1
    dossier = Dossier.objects.get(legacy_code="HB-2025-0001")
    page.goto(f"{live_server.url}/can-bo/hang-doi/tat-ca/?chuyen_tiep=1")
    assert "HB-2025-0001" in page.locator("tr.desk-row").first.inner_text()
    page.goto(f"{live_server.url}/can-bo/ho-so/{dossier.pk}/")
    assert "Mã cũ: HB-2025-0001" in page.locator("main").inner_text()
    assert "nhập từ hệ thống một cửa cũ" in page.locator("main").inner_text()
    check_page(page, "legacy-dossier")
