"""``/api/me/notifications/``: the caller's in-app notices and nobody else's — listed unread first then newest,
filtered by kind and by unread, paginated, marked read one by one or all at once (both idempotent), rendered in the
row's language, documented in the OpenAPI schema, and read in a number of queries that does not grow with the page."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.models import Channel, Kind, Notification, Status
from notifications.templates import sample_context

pytestmark = pytest.mark.django_db

URL = "/api/me/notifications/"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=HCM)
_keys = itertools.count(1)


def notice(user, kind: str = Kind.RECEIVED, *, at: datetime = T0, channel: str = Channel.INAPP, **fields):
    """An outbox row of ``user`` (in-app and delivered unless told otherwise), ``at`` its moment of writing."""
    defaults = {
        "status": Status.SENT if channel == Channel.INAPP else Status.PENDING,
        "language": "vi",
        "context": sample_context(kind),
        "address": "" if channel == Channel.INAPP else "hoa@example.vn",
    }
    return Notification.objects.create(
        kind=kind,
        channel=channel,
        recipient=user,
        dedupe_key=f"test:{next(_keys)}:{channel}",
        created_at=at,
        next_attempt_at=at,
        sent_at=at if channel == Channel.INAPP else None,
        **{**defaults, **fields},
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Listing ----------------------------------------------------------------------------------------------


def test_the_list_holds_the_callers_delivered_in_app_notices_unread_first_then_newest(client, alice, bob):
    old_unread = notice(alice, at=T0 - timedelta(hours=3))
    newest_read = notice(alice, Kind.RESULT_READY, at=T0, read_at=T0 + timedelta(minutes=5))
    unread = notice(alice, Kind.OVERDUE, at=T0 - timedelta(hours=1))
    older_read = notice(alice, Kind.RETURNED, at=T0 - timedelta(days=1), read_at=T0)
    same_moment = notice(alice, Kind.STOPPED, at=T0 - timedelta(hours=1))  # a tie on the moment: the later id first
    # never listed: someone else's, another channel's (even with the same recipient), a cancelled in-app notice
    notice(bob, at=T0 + timedelta(hours=1))
    notice(alice, channel=Channel.EMAIL, at=T0 + timedelta(hours=1))
    notice(alice, channel=Channel.SMS, at=T0 + timedelta(hours=1), status=Status.SENT)
    notice(alice, at=T0 + timedelta(hours=1), status=Status.CANCELLED)

    client.force_login(alice)
    response = client.get(URL)
    assert ids(response) == [same_moment.pk, unread.pk, old_unread.pk, newest_read.pk, older_read.pk]
    body = response.json()
    assert body["count"] == 5
    first = body["results"][0]
    assert set(first) == {
        "id",
        "kind",
        "kind_label",
        "subject",
        "body",
        "dossier",
        "dossier_code",
        "due_ref",
        "created_at",
        "read_at",
        "unread",
    }
    assert (first["kind"], first["kind_label"], first["unread"], first["read_at"]) == (
        "stopped",
        "Dừng xử lý hồ sơ",
        True,
        None,
    )
    assert [row["unread"] for row in body["results"]] == [True, True, True, False, False]

    client.force_login(bob)
    assert len(ids(client.get(URL))) == 1


def test_several_kinds_filter_together_and_unread_filters_by_read_moment(client, alice):
    received = notice(alice, Kind.RECEIVED, at=T0 - timedelta(hours=2))
    overdue = notice(alice, Kind.OVERDUE, at=T0 - timedelta(hours=1), read_at=T0)
    notice(alice, Kind.DUE_SOON, at=T0)
    client.force_login(alice)

    assert ids(client.get(URL, {"kind": "received"})) == [received.pk]
    assert ids(client.get(URL, {"kind": ["received", "overdue"]})) == [received.pk, overdue.pk]
    assert ids(client.get(f"{URL}?kind=overdue&kind=received")) == [received.pk, overdue.pk]
    assert len(ids(client.get(URL, {"unread": "true"}))) == 2
    assert ids(client.get(URL, {"unread": "false"})) == [overdue.pk]
    assert ids(client.get(URL, {"unread": "true", "kind": ["received", "overdue"]})) == [received.pk]
    refused = client.get(URL, {"kind": "no_such_kind"})
    assert refused.status_code == 400 and "kind" in str(refused.json())


def test_the_list_is_paginated_with_page_size(client, alice):
    rows = [notice(alice, at=T0 - timedelta(minutes=minutes)) for minutes in range(5)]
    client.force_login(alice)
    first = client.get(URL, {"page_size": 2})
    assert ids(first) == [rows[0].pk, rows[1].pk]
    assert first.json()["count"] == 5 and first.json()["previous"] is None
    assert "page=2" in first.json()["next"] and "page_size=2" in first.json()["next"]
    last = client.get(URL, {"page_size": 2, "page": 3})
    assert ids(last) == [rows[4].pk] and last.json()["next"] is None
    assert client.get(URL, {"page_size": 2, "page": 4}).status_code == 404


# --- Marking read -----------------------------------------------------------------------------------------


def test_marking_one_read_is_idempotent_and_reaches_only_the_callers_own(client, alice, bob):
    mine = notice(alice)
    theirs = notice(bob)
    my_email = notice(alice, channel=Channel.EMAIL)
    my_cancelled = notice(alice, status=Status.CANCELLED)
    client.force_login(alice)

    response = client.post(f"{URL}{mine.pk}/read/")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert response.json()["id"] == mine.pk and response.json()["unread"] is False
    assert response.json()["read_at"] is not None
    first_read = mine.read_at

    again = client.post(f"{URL}{mine.pk}/read/")
    assert again.status_code == 200 and again.json()["unread"] is False
    mine.refresh_from_db()
    assert mine.read_at == first_read  # the first reading is kept

    for other in (theirs, my_email, my_cancelled):
        refused = client.post(f"{URL}{other.pk}/read/")
        assert refused.status_code == 404, (other.channel, other.status)
        other.refresh_from_db()
        assert other.read_at is None
    assert client.post(f"{URL}999999999/read/").status_code == 404
    assert client.get(f"{URL}{mine.pk}/read/").status_code == 405


def test_reading_all_marks_only_the_callers_unread_in_app_notices_and_is_idempotent(client, alice, bob):
    unread = [notice(alice), notice(alice, Kind.OVERDUE)]
    already = notice(alice, read_at=T0)
    theirs = notice(bob)
    my_email = notice(alice, channel=Channel.EMAIL, status=Status.SENT)
    my_cancelled = notice(alice, status=Status.CANCELLED)
    client.force_login(alice)

    response = client.post(f"{URL}read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    for row in unread:
        row.refresh_from_db()
        assert row.read_at is not None
    for row in (theirs, my_email, my_cancelled):
        row.refresh_from_db()
        assert row.read_at is None
    already.refresh_from_db()
    assert already.read_at == T0
    assert client.post(f"{URL}read-all/").json() == {"marked": 0}
    assert client.get(URL, {"unread": "true"}).json()["count"] == 0
    client.force_login(bob)
    assert client.get(URL, {"unread": "true"}).json()["count"] == 1


def test_nothing_is_reachable_without_log_in(client, alice):
    row = notice(alice)
    for method, url in (("get", URL), ("post", f"{URL}{row.pk}/read/"), ("post", f"{URL}read-all/")):
        response = getattr(client, method)(url)
        # token authentication comes first, so the answer asks for credentials (401), never shows a row
        assert response.status_code == 401, (method, url, response.status_code)
        assert "results" not in response.json()
    row.refresh_from_db()
    assert row.read_at is None


def test_a_wrong_token_is_refused_too(client, alice):
    notice(alice)
    response = client.get(URL, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401 and "results" not in response.json()


# --- Texts ------------------------------------------------------------------------------------------------


def test_subject_and_body_are_rendered_in_the_rows_language(client, alice):
    context = {**sample_context(Kind.RECEIVED), "due": "2026-12-07T10:00:00+00:00"}  # 17:00 in Hà Nội
    vietnamese = notice(alice, at=T0 - timedelta(minutes=1), context=context)
    english = notice(alice, at=T0, language="en", context=context)
    client.force_login(alice)
    rows = {row["id"]: row for row in client.get(URL).json()["results"]}
    code = context["code"]

    assert rows[vietnamese.pk]["subject"] == f"Hồ sơ {code} đã được tiếp nhận"
    assert "Thời gian hẹn trả kết quả: 17:00 07/12/2026." in rows[vietnamese.pk]["body"]
    assert rows[english.pk]["subject"] == f"Dossier {code} has been received"
    assert "The result is due at 17:00 07/12/2026." in rows[english.pk]["body"]
    for row in rows.values():
        assert "{{" not in row["body"] and "{%" not in row["body"]


# --- Queries ----------------------------------------------------------------------------------------------

#: session, user, count, page, and the templates of the page — whatever the page size
CEILING = 6


def test_the_list_reads_a_page_in_queries_that_do_not_grow_with_it(client, alice, django_assert_max_num_queries):
    """The texts of a page are rendered from the admin's templates read in one query (not one per row); the
    dossiers' codes come with the rows (dossiers/tests/api/test_my_notifications.py, with real dossiers)."""
    kinds = [Kind.RECEIVED, Kind.OVERDUE, Kind.RESULT_READY, Kind.STOPPED, Kind.DUE_SOON, Kind.EXTENDED]
    for number in range(12):
        notice(alice, kinds[number % len(kinds)], at=T0 - timedelta(minutes=number), language=("vi", "en")[number % 2])
    client.force_login(alice)
    client.get(URL, {"page_size": 1})
    counts = {}
    for size in (2, 12):
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(URL, {"page_size": size})
        assert len(ids(response)) == size
        counts[size] = len(queries)
    assert counts[2] == counts[12], counts
    subjects = [row["subject"] for row in response.json()["results"]]
    assert subjects[0].startswith("Hồ sơ ") and subjects[1].startswith("Overdue: dossier ")


# --- Schema -----------------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_three_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    listing = paths["/api/me/notifications/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in listing["parameters"]}
    assert {"kind", "unread", "page", "page_size"} <= set(parameters)
    assert parameters["kind"]["schema"]["type"] == "array"
    assert "overdue" in parameters["kind"]["schema"]["items"]["enum"]
    assert parameters["unread"]["schema"]["type"] == "boolean"
    assert "200" in listing["responses"]
    read = paths["/api/me/notifications/{id}/read/"]["post"]
    assert "200" in read["responses"] and "requestBody" not in read
    read_all = paths["/api/me/notifications/read-all/"]["post"]
    body = read_all["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReadAll")
    assert "marked" in schema.json()["components"]["schemas"]["ReadAll"]["properties"]
    notification = schema.json()["components"]["schemas"]["Notification"]["properties"]
    assert {"subject", "body", "kind", "unread", "dossier_code"} <= set(notification)
