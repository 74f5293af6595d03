"""Error pages are pages: in the portal's style, in Vietnamese (English after the switch), saying what happened and
what to do — never Django's bare defaults, never a blank page. The API keeps answering JSON."""

import pytest
from django.test import Client, RequestFactory

from portal.common.errors import handler500

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_404_page_in_vietnamese(client):
    response = client.get("/khong-co-trang-nay/", HTTP_ACCEPT_LANGUAGE="en-US")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="vi"' in html and "Không tìm thấy trang" in html
    assert 'href="/thu-tuc/"' in html and 'href="/tra-cuu/"' in html  # ways on


def test_in_english_after_the_switch(client):
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/khong-co-trang-nay/").content.decode()


def test_the_api_still_answers_json(client):
    response = client.get("/api/khong-co/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_form_sent_without_its_token_explains_that_nothing_changed():
    response = Client(enforce_csrf_checks=True).post("/ngon-ngu/", {"language": "en"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "Phiên làm việc đã hết hạn" in html and "chưa có gì thay đổi" in html


def test_a_server_error_page_needs_nothing_from_the_request():
    request = RequestFactory().get("/thu-tuc/")
    response = handler500(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in html and "sự cố đã được ghi nhận" in html
