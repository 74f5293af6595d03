"""The notifications page and the header's count (issue 12, point 7): the person's own in-app notices, unread first,
marked read one by one, all at once, or when opened (which leads to the dossier: the desk's page for a staff
reminder, the citizen's own for a notice of a step); one COUNT query for the badge, none for a visitor."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Kind
from notifications.tests.test_api import T0, notice
from portal.accounts.models import User

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def badge(html: str) -> str | None:
    found = re.search(r'class="nav-inbox"[^>]*>[^<]*<span class="badge" aria-hidden="true">(\d+)</span>', html)
    return found.group(1) if found else None


def test_the_header_counts_the_unread(alice, bob):
    for _ in range(3):
        notice(alice)
    notice(alice, read_at=T0)  # read: not counted
    notice(bob)  # somebody else's
    html = client_for(alice).get("/").content.decode()
    assert badge(html) == "3" and "3 chưa đọc" in html
    assert badge(client_for(User.objects.create_user(username="carol")).get("/").content.decode()) is None
    assert 'class="nav-inbox"' not in Client().get("/").content.decode()


def test_the_badge_costs_one_count_query(alice):
    notice(alice)
    client = client_for(alice)
    client.get("/tra-cuu/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/tra-cuu/")
    counts = [q["sql"] for q in queries.captured_queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and counts[0].startswith("SELECT COUNT(*)")
    with CaptureQueriesContext(connection) as anonymous:
        Client().get("/tra-cuu/")
    assert not [q for q in anonymous.captured_queries if "notifications_notification" in q["sql"]]


def test_the_page_lists_only_ones_own_unread_first(alice, bob):
    read = notice(alice, Kind.RETURNED)
    read.read_at = read.created_at
    read.save()
    unread = notice(alice, Kind.RECEIVED)
    notice(bob, Kind.REFUSED)
    html = client_for(alice).get(reverse("notifications")).content.decode()
    items = re.findall(r'<li class="(notice-unread)?">', html)
    assert items == ["notice-unread", ""]
    assert f"/thong-bao/{unread.pk}/da-doc/" in html and f"/thong-bao/{read.pk}/da-doc/" not in html
    only_unread = client_for(alice).get(reverse("notifications"), {"loc": "chua-doc"}).content.decode()
    assert len(re.findall(r'<li class="(notice-unread)?">', only_unread)) == 1


def test_marking_read_one_and_all(alice, bob):
    first, second = notice(alice), notice(alice)
    theirs = notice(bob)
    client = client_for(alice)
    assert client.post(reverse("notification-read", kwargs={"id": first.pk})).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post(reverse("notification-read", kwargs={"id": theirs.pk})).status_code == 404
    assert client.post(reverse("notification-open", kwargs={"id": theirs.pk})).status_code == 404
    client.post(reverse("notifications-read-all"))
    second.refresh_from_db()
    theirs.refresh_from_db()
    assert second.read_at is not None and theirs.read_at is None
    assert badge(client.get("/").content.decode()) is None


def test_in_english_when_the_person_chose_it(bob):
    notice(bob, Kind.RECEIVED, language="en")
    html = client_for(bob).get(reverse("notifications"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "<h1>Notifications</h1>" in html and "Mark all as read" in html


def test_the_page_reads_a_bounded_number_of_queries(alice, django_assert_max_num_queries):
    for _ in range(25):
        notice(alice)
    client = client_for(alice)
    client.get(reverse("notifications"))
    with django_assert_max_num_queries(9):
        assert client.get(reverse("notifications")).status_code == 200


def test_visitors_are_sent_to_log_in():
    response = Client().get(reverse("notifications"))
    assert response.status_code == 302 and reverse("login") in response.url
