"""Pages and JSON go out compressed to a client that accepts gzip (weak rural links); files that are already
compressed (scanned documents, PDF slips) are passed through untouched."""

import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from portal.common.compression import GZipTextMiddleware

pytestmark = pytest.mark.django_db


def test_a_page_is_compressed_for_a_client_that_accepts_gzip(client):
    response = client.get("/tra-cuu/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert "<html" in html and len(response.content) < len(html) / 2
    assert "Accept-Encoding" in response["Vary"]


def test_json_is_compressed_too(client):
    response = client.get("/api/communes/99999/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Type"].startswith("application/json")
    # a short body is not worth compressing (Django leaves bodies under 200 bytes alone); a long one is
    long = client.get("/api/schema/", HTTP_ACCEPT_ENCODING="gzip")
    assert long["Content-Encoding"] == "gzip"
    assert response.status_code == 404


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "image/png"])
def test_files_already_compressed_are_left_alone(content_type):
    request = RequestFactory().get("/x", HTTP_ACCEPT_ENCODING="gzip")
    body = b"%PDF-1.7 " + b"a" * 5000
    response = GZipTextMiddleware(lambda r: HttpResponse(body, content_type=content_type))(request)
    assert not response.has_header("Content-Encoding")
    assert response.content == body


def test_without_accept_encoding_nothing_changes(client):
    response = client.get("/tra-cuu/")
    assert not response.has_header("Content-Encoding")
