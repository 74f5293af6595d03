"""The Content-Security-Policy in a real browser (Debian's Chromium through Playwright; issue 15, point 7): the key
pages of every kind of visitor — citizen pages, the desk with its document previews and slips, the province dashboard
and its charts, the review queue of transitional dossiers, the API docs, the admin — run, draw and post under the
portal's policy without one violation (``securitypolicyviolation`` events and Chromium's "Refused to …" messages, in
every frame). ``check_page`` checks the same on each page it is given. Screenshots: ``test-artifacts/pages/csp-*.png``.
"""

from __future__ import annotations

import uuid

import pytest

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import UserFactory, file_online, required_component_id, tiny_png
from dossiers.tests.states import PATHS, walk
from dossiers.workflow import State
from legacy.services import legacy_import
from legacy.tests.test_import import opencps, unit, write_json
from tests.browser.pages import ARTIFACTS, assert_no_csp_violation, watch_csp
from tests.browser.test_mine_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

world = dossier_fixtures.world
transactional_world = dossier_fixtures.transactional_world
private_dir = dossier_fixtures.private_dir


@pytest.fixture
def watched(browser):
    """A desktop context whose every CSP violation is collected: ``(context, page, violations)``."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    try:
        yield context, context.new_page(), violations
        # what a page reported after the test's last check (a late script, a frame still loading) counts too
        context.pages[0].wait_for_load_state("networkidle")
        assert_no_csp_violation(violations, "the last page, after the test's last check")
    finally:
        context.close()


def visit(page, violations: list[str], url: str, *, ready: str = "main h1", status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, f"{url}: {response and response.status}"
    assert "content-security-policy" in response.headers, url
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    assert_no_csp_violation(violations, url)


def test_the_watch_sees_a_violation(watched, live_server):
    """The check can fail: an inline script, an inline style attribute and a foreign image under the policy."""
    _context, page, violations = watched
    url = f"{live_server.url}/khong-co-that/"
    policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
    body = (
        "<!doctype html><html lang=vi><title>x</title><h1 style='color:red'>x</h1>"
        "<script>document.title = 'ran'</script><img src='https://example.invalid/x.png' alt=''>"
    )
    page.route(
        url,
        lambda route: route.fulfill(body=body, content_type="text/html", headers={"Content-Security-Policy": policy}),
    )
    page.goto(url)
    kinds = ("script-src", "style-src", "img-src")
    for _attempt in range(100):  # the reports arrive as the page runs: wait for them (at most 5 s), then look
        if all(any(kind in text for text in violations) for kind in kinds):
            break
        page.wait_for_timeout(50)
    assert page.title() == "x"  # the inline script did not run
    assert any("script-src" in text for text in violations)
    assert any("style-src" in text for text in violations)
    assert any("img-src" in text for text in violations)
    violations.clear()  # seen, as they had to be: the fixture's closing check is for the portal's pages


def test_citizen_pages_and_the_api_docs(watched, live_server, transactional_world, private_dir):
    world = transactional_world
    context, page, violations = watched
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    base = live_server.url
    for url in ("/", "/thu-tuc/", "/thu-tuc/1.001193/", "/tai-khoan/dang-nhap/", "/tai-khoan/dang-ky/"):
        visit(page, violations, base + url)
    visit(page, violations, base + "/khong-co-trang-nay/", status=404)
    # the catalogue's results as the person types (the script replaces the list with the server's HTML)
    page.goto(base + "/thu-tuc/")
    page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("khai sinh")
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'khai sinh'")
    page.locator(".results .card").first.wait_for()
    # the lookup through the API, as the slips' QR code opens it
    page.goto(f"{base}/tra-cuu/?code={dossier.code}")
    page.get_by_label("Số CCCD hoặc mã số thuế").fill(world.citizen.id_number)
    page.get_by_role("button", name="Tra cứu", exact=True).click()
    page.locator("#lookup-result").wait_for(state="visible")
    assert dossier.code in page.locator("#lookup-result").inner_text()
    assert_no_csp_violation(violations, "the catalogue and the lookup with their scripts")
    # the API docs: Swagger UI starts from its own script file and draws the operations from the schema
    visit(page, violations, base + "/api/docs/", ready=".opblock")
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary", has_text="/api/procedures/").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert_no_csp_violation(violations, "/api/docs/ with an operation opened")
    page.screenshot(path=str(ARTIFACTS / "csp-api-docs-1280.png"))
    # the citizen's own pages and the filing form
    log_in(context, live_server, world.citizen)
    for url in ("/ho-so-cua-toi/", f"/ho-so-cua-toi/{dossier.pk}/", "/nop-ho-so/1.001193/", "/thong-bao/"):
        visit(page, violations, base + url)
    page.screenshot(path=str(ARTIFACTS / "csp-mine-1280.png"), full_page=True)


def test_the_desk_with_previews_and_slips(watched, live_server, transactional_world, private_dir):
    world = transactional_world
    context, page, violations = watched
    base = live_server.url
    scanned = [{"file": tiny_png(), "component_id": required_component_id(), "is_original_scan": True}]
    image = walk(world, file_online(world.citizen, world.centre, documents=scanned), PATHS[State.RECEIVED])
    pdf = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    log_in(context, live_server, world.reception)
    for url in ("/can-bo/", "/can-bo/hang-doi/tat-ca/", "/can-bo/tiep-nhan/", "/can-bo/tiep-nhan/1.001193/"):
        visit(page, violations, base + url)
    # the dossier pages with the preview of a scanned image and of a PDF, in their frames
    for dossier, shown in ((image, ".desk-preview img"), (pdf, ".desk-preview iframe")):
        visit(page, violations, f"{base}/can-bo/ho-so/{dossier.pk}/")
        with page.expect_response(lambda response: "/tai-lieu/" in response.url) as preview:
            page.locator(".desk-preview summary").first.click()
        assert preview.value.status == 200
        page.locator(shown).first.wait_for()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        assert_no_csp_violation(violations, f"the preview of dossier {dossier.pk}")
    page.screenshot(path=str(ARTIFACTS / "csp-desk-preview-1280.png"), full_page=True)
    # the slip page and its frame, the API's printable slip with its print button, the receipts, the guidance
    visit(page, violations, f"{base}/can-bo/ho-so/{pdf.pk}/phieu/01/")
    frame = page.frame_locator("#slip-frame")
    assert pdf.code in frame.locator("body").inner_text()
    for url, ready in (
        (f"/api/dossiers/{pdf.pk}/slips/01.html", "[data-print]"),
        (f"/can-bo/in-giay-tiep-nhan/?ho_so={pdf.pk}&ho_so={image.pk}", "[data-print]"),
        ("/can-bo/huong-dan/1.001193/", "[data-print]"),
    ):
        visit(page, violations, base + url, ready=ready)
        # the print button's script (a file) is what prints: window.print is replaced to see it called
        # (a function, so that Playwright runs the body: an expression whose value is a function would be called)
        page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
        page.locator("[data-print]").first.click()
        assert page.evaluate("window.__printed") == 1, url
        # the slip's own styles apply (inline, allowed by the slip's policy): the A4 sheet is laid out
        assert page.evaluate("getComputedStyle(document.querySelector('.sheet')).fontFamily").startswith('"DejaVu')
    assert_no_csp_violation(violations, "the slips")


def test_the_dashboard_the_review_queue_and_the_admin(watched, live_server, transactional_world, tmp_path):
    world = transactional_world
    context, page, violations = watched
    base = live_server.url
    walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    old = unit("hoa_binh", split=True)
    legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-2025-0001", old)])])
    log_in(context, live_server, world.province)
    # Chart.js draws the charts (it sizes its canvases through the CSSOM, which the policy allows)
    visit(page, violations, base + "/so-lieu/", ready="#dashboard[data-loaded]")
    assert page.locator("canvas").count() >= 2
    assert page.evaluate("document.querySelector('canvas').style.height") != ""
    assert_no_csp_violation(violations, "/so-lieu/ with its charts")
    page.screenshot(path=str(ARTIFACTS / "csp-dashboard-1280.png"), full_page=True)
    visit(page, violations, base + "/can-bo/chuyen-tiep/")
    # the admin: its pages, a list with filters, a form with the date and time widgets, the templates' preview
    from notifications.models import MessageTemplate
    from notifications.services import templates_ensure

    templates_ensure()
    superuser = UserFactory(username=f"quantri-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True)
    context.clear_cookies()
    visit(page, violations, base + "/admin/login/", ready="#id_username")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", "matkhau-an-toan-123")
    with page.expect_navigation():
        page.click("input[type=submit]")
    row = MessageTemplate.objects.get(kind="received", channel="email", language="vi")
    for url, ready in (
        ("/admin/", "#content"),
        ("/admin/dossiers/dossier/", "#changelist"),
        ("/admin/axes/accessfailurelog/", "#changelist"),
        (f"/admin/accounts/user/{superuser.pk}/change/", "#content-main form"),
        (f"/admin/notifications/messagetemplate/{row.pk}/change/", ".notification-preview"),
    ):
        visit(page, violations, base + url, ready=ready)
    assert page.evaluate("getComputedStyle(document.querySelector('.notification-preview pre')).whiteSpace") == (
        "pre-wrap"  # from static/css/admin.css, no longer an inline style
    )
    # the calendar and clock widgets of a date-time field
    page.goto(f"{base}/admin/accounts/user/{superuser.pk}/change/")
    page.locator("#calendarlink0").click()
    page.locator("#calendarbox0").wait_for(state="visible")
    page.locator("#clocklink0").click()
    page.locator("#clockbox0").wait_for(state="visible")
    assert_no_csp_violation(violations, "the admin")
    page.screenshot(path=str(ARTIFACTS / "csp-admin-1280.png"))
