"""The security headers of every answer (issue 15, point 7): a Content-Security-Policy without inline scripts
(django-csp, a nonce for the pages' one inline stylesheet), X-Frame-Options, nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy and Permissions-Policy — on a page, an API answer, the 404s, the 500 and 503 pages that load
nothing (their own policy, by the hash of their inline style), the API docs; and the answers with a policy of their own
keep it (the desk's preview of a document, its slip frame, the printable slips)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

import portal.urls
from dossiers.slips.render import SLIP_FRAME_POLICY, SLIP_POLICY
from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online, required_component_id, tiny_png
from dossiers.tests.states import PATHS, walk
from dossiers.views.desk.dossier import PREVIEW_POLICY
from dossiers.workflow import State

pytestmark = pytest.mark.django_db

world = dossier_fixtures.world
private_dir = dossier_fixtures.private_dir

COMMON = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice in {policy}"
        parsed[name] = values
    return parsed


def assert_site_policy(response) -> dict[str, list[str]]:
    """The portal's policy: nothing inline runs, nothing loads from elsewhere, nobody frames it."""
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no nonce: files only
    assert policy["style-src"][0] == "'self'" and "'unsafe-inline'" not in policy["style-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]  # as X-Frame-Options: DENY
    assert policy["img-src"] == ["'self'", "data:"]
    for name, value in COMMON.items():
        assert response[name] == value, name
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions
    return policy


def style_nonce(response) -> str:
    """The nonce of the policy's style-src, which must be the one of the page's inline stylesheet."""
    (nonce,) = [value for value in directives(response)["style-src"] if value.startswith("'nonce-")]
    nonce = nonce.removeprefix("'nonce-").removesuffix("'")
    assert len(base64.b64decode(nonce)) == 16
    return nonce


def test_a_page_has_the_policy_and_its_stylesheet_the_nonce(client):
    first = client.get("/tai-khoan/dang-nhap/")
    assert first.status_code == 200
    assert_site_policy(first)
    html = first.content.decode()
    nonce = style_nonce(first)
    assert re.findall(r"<style[^>]*>", html) == [f'<style nonce="{nonce}">']  # the one inline style, with the nonce
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html)  # no inline event handler (onclick…)
    again = client.get("/tai-khoan/dang-nhap/")
    assert style_nonce(again) != nonce  # a new one each time


def test_the_dashboard_stylesheet_has_the_nonce_too(world):
    client = Client()
    client.force_login(world.province)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert_site_policy(response)
    nonce = style_nonce(response)
    styles = re.findall(r"<style[^>]*>", response.content.decode())
    assert styles == [f'<style nonce="{nonce}">'] * 2  # the portal's and the dashboard's


def test_an_api_answer_has_the_headers(client):
    response = client.get("/api/procedures/fields/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    policy = assert_site_policy(response)
    assert policy["style-src"] == ["'self'"]  # no inline style asked for: no nonce


def test_an_api_error_has_the_headers(client):
    response = client.get("/api/dossiers/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert_site_policy(response)


def test_the_404s_have_the_headers(client):
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.content.decode()
    assert_site_policy(page)
    assert f'<style nonce="{style_nonce(page)}">' in page.content.decode()
    api = client.get("/api/khong-co/")
    assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert_site_policy(api)


def test_the_admin_log_in_has_the_policy(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert_site_policy(response)


def test_the_api_docs_run_no_inline_script(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert_site_policy(page)
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert len(scripts) == 3 and all("src=" in attributes for attributes in scripts)
    assert 'src="/api/docs/?script="' in html
    assert f'<style nonce="{style_nonce(page)}">' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# --- pages that render with nothing but themselves: the 500 and the 503 -----------------------------------------


def _boom(request):
    raise RuntimeError("a fault of ours")


def _database_away(request):
    raise OperationalError("connection refused")


def _fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("boom/", _boom),
    path("database-away/", _database_away),
    path("fine/", _fine),
    *portal.urls.urlpatterns,
]
handler400 = portal.urls.handler400
handler404 = portal.urls.handler404
handler500 = portal.urls.handler500


def _style_hash(html: str) -> str:
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "status", "words"),
    [("/boom/", 500, "Hệ thống gặp sự cố"), ("/database-away/", 503, "Hệ thống tạm thời gián đoạn")],
)
def test_the_pages_without_static_files_allow_only_their_own_style(url, status, words):
    response = Client(raise_request_exception=False).get(url)
    html = response.content.decode()
    assert response.status_code == status and words in html
    policy = directives(response)
    assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["style-src"] == [_style_hash(html)]  # that very style block, nothing else, nothing inline
    assert "script-src" not in policy  # none at all ('none' by default-src)
    for name, value in COMMON.items():
        assert response[name] == value, name
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.urls(__name__)
def test_a_view_without_a_policy_gets_the_sites(client):
    assert_site_policy(client.get("/fine/"))


# --- answers with a policy of their own keep it -------------------------------------------------------------------


def test_the_document_preview_keeps_its_own_policy(world, private_dir):
    dossier = file_online(
        world.citizen,
        world.centre,
        documents=[{"file": tiny_png(), "component_id": required_component_id(), "is_original_scan": True}],
    )
    document = dossier.documents.get()
    client = Client()
    client.force_login(world.reception)
    response = client.get(reverse("desk-document", kwargs={"id": dossier.pk, "document_id": document.pk}))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == PREVIEW_POLICY["image"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # framed by the dossier page, as its frame-ancestors 'self'
    assert response["Permissions-Policy"] and response["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)


def test_the_slips_keep_their_own_policy(world):
    dossier = walk(world, file_online(world.citizen, world.centre), PATHS[State.RECEIVED])
    client = Client()
    client.force_login(world.reception)
    html = client.get(reverse("dossier-slip-html", kwargs={"id": dossier.pk, "form": "01"}))
    assert html.status_code == 200 and html["Content-Security-Policy"] == SLIP_POLICY
    assert "onclick" not in html.content.decode() and 'src="/static/js/print.js"' in html.content.decode()
    frame = client.get(reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"}) + "?khung=1")
    assert frame["Content-Security-Policy"] == SLIP_FRAME_POLICY and frame["X-Frame-Options"] == "SAMEORIGIN"
    page = client.get(reverse("desk-slip", kwargs={"id": dossier.pk, "form": "01"}))
    assert_site_policy(page)  # the page around the frame is an ordinary page
    assert "frame-src" not in directives(page)  # its frame is this site's: default-src 'self'
    receipts = client.get(reverse("desk-receipts"), {"ho_so": [dossier.pk]})
    assert receipts.status_code == 200 and receipts["Content-Security-Policy"] == SLIP_POLICY
    assert "onclick" not in receipts.content.decode() and 'src="/static/js/print.js"' in receipts.content.decode()
    guidance = client.get(reverse("desk-guidance", kwargs={"code": "1.001193"}))
    assert guidance.status_code == 200 and guidance["Content-Security-Policy"] == SLIP_POLICY
    for policy in (SLIP_POLICY, SLIP_FRAME_POLICY):
        assert "script-src 'unsafe-inline'" not in policy and "default-src 'none'" in policy


def test_the_print_script_is_a_static_file(client):
    response = client.get("/static/js/print.js")
    assert response.status_code == 200 and "window.print()" in b"".join(response.streaming_content).decode()
