"""A message template's admin page in a real browser (Debian's Chromium through Playwright), on a desktop and on a
phone: a superuser logs in, sees the variables and the rendered preview, and nothing is wider than the screen.
Screenshots are kept (``test-artifacts/notification-template-admin-{1280,360}.png``)."""

import uuid

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "matkhau-an-toan-123"  # the factory's


@pytest.fixture
def superuser(transactional_db):
    from dossiers.tests.factories import UserFactory
    from notifications.services import templates_ensure

    templates_ensure()
    return UserFactory(username=f"quantri-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=True, id_number=None)


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (360, 740)])
def test_the_template_page_shows_variables_and_preview(superuser, live_server, browser, artifacts_dir, width, height):
    from notifications.models import MessageTemplate
    from notifications.templates import sample_context

    row = MessageTemplate.objects.get(kind="received", channel="email", language="vi")
    code = sample_context("received")["code"]
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/notifications/messagetemplate/{row.pk}/change/")
        page.fill("#id_username", superuser.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert page.url.endswith(f"/admin/notifications/messagetemplate/{row.pk}/change/")
        assert page.locator("html").get_attribute("lang") == "vi"

        assert page.locator("#id_body").input_value() == row.body
        variables = page.locator(".field-variables code").all_inner_texts()
        assert {"{{ code }}", "{{ due }}", "{{ receipt }}", "{{ lookup_url }}"} <= set(variables)
        preview = page.locator(".notification-preview")
        assert preview.is_visible()
        text = preview.inner_text()
        assert f"Hồ sơ {code} đã được tiếp nhận" in text
        assert "Thời gian hẹn trả kết quả: 17:00 07/12/2026." in text
        assert "{{" not in text and "{%" not in text
        # the preview keeps to the page's width (its long lookup address wraps)
        box = preview.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(artifacts_dir / f"notification-template-admin-{width}.png"), full_page=True)
    finally:
        context.close()
