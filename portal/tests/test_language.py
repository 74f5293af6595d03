"""Vietnamese whatever the browser asks for; English only when the person chooses it (issue 11).

Many people here keep their phone in English: a page never follows ``Accept-Language``. The switch in the header
(``POST /ngon-ngu/``) keeps the choice in a cookie, the session and — logged in — the profile; log-in brings a saved
profile language to a new device. The REST API still honours an explicit ``Accept-Language`` (integrators choose it;
the pages send theirs)."""

import pytest

from dossiers.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EN_PHONE = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def lang_of(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_browser_in_english_gets_the_pages_in_vietnamese(client):
    response = client.get("/tra-cuu/", **EN_PHONE)
    assert lang_of(response) == "vi"
    assert "Tra cứu hồ sơ" in response.content.decode()
    assert response["Content-Language"] == "vi"


def test_the_switch_keeps_the_choice_and_returns_to_the_page(client):
    response = client.post("/ngon-ngu/", {"language": "en", "next": "/tra-cuu/?code=X"})
    assert response.status_code == 302 and response["Location"] == "/tra-cuu/?code=X"
    assert client.cookies["django_language"].value == "en"
    page = client.get("/tra-cuu/")
    assert lang_of(page) == "en" and "Look up a dossier" in page.content.decode()
    back = client.post("/ngon-ngu/", {"language": "vi", "next": "/tra-cuu/"})
    assert back.status_code == 302
    assert lang_of(client.get("/tra-cuu/", **EN_PHONE)) == "vi"


def test_the_switch_never_sends_a_person_to_another_site(client):
    response = client.post("/ngon-ngu/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_language_is_vietnamese(client):
    client.post("/ngon-ngu/", {"language": "fr", "next": "/"})
    assert client.cookies["django_language"].value == "vi"


def test_the_switch_is_a_post_with_csrf():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get("/ngon-ngu/").status_code == 405
    assert strict.post("/ngon-ngu/", {"language": "en"}).status_code == 403


def test_a_logged_in_choice_is_saved_in_the_profile_and_follows_the_person(client):
    person = UserFactory(language="vi")
    client.force_login(person)
    client.post("/ngon-ngu/", {"language": "en", "next": "/"})
    person.refresh_from_db()
    assert person.language == "en"
    from django.test import Client

    elsewhere = Client()  # another device: no cookie, a browser asking for Vietnamese
    elsewhere.force_login(person)
    assert lang_of(elsewhere.get("/tra-cuu/", HTTP_ACCEPT_LANGUAGE="vi")) == "en"


def test_the_api_honours_an_explicit_accept_language(client):
    english = client.get("/api/communes/99999/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 404 and english["Content-Language"] == "en"
    vietnamese = client.get("/api/communes/99999/")
    assert vietnamese["Content-Language"] == "vi"
    assert "Accept-Language" in english["Vary"]


def test_on_the_api_an_explicit_header_wins_over_the_session(client):
    person = UserFactory(language="vi")
    client.force_login(person)
    response = client.get("/api/dossiers/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"


def test_a_slip_opened_from_a_page_follows_the_choice_not_the_phone(client):
    """A browser navigation to an API address (a receipt, a document) carries the phone's own Accept-Language:
    ignored, like on any page."""
    person = UserFactory(language="vi")
    client.force_login(person)
    response = client.get(
        "/api/dossiers/999999/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9", HTTP_SEC_FETCH_MODE="navigate"
    )
    assert response["Content-Language"] == "vi"
    client.cookies["django_language"] = "en"
    chosen = client.get("/api/dossiers/999999/", HTTP_SEC_FETCH_MODE="navigate")
    assert chosen["Content-Language"] == "en"
