"""Concurrency on PostgreSQL: gap-free codes, optimistic locking, idempotent filing.

Each worker thread has its own database connection (Django's connections are per thread) and closes it at the end.
The transactional database lets every thread see what the others committed; tables are flushed after each test.
A ``threading.Barrier`` makes the threads start their conflicting work at the same moment. time-machine freezes the
clock for every thread of the process (checked: ``datetime.now()`` in a pool thread sees the frozen moment).
"""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from dossiers import services
from dossiers.models import AuditEvent, ControlSlipRow, DailySequence, Dossier, IdempotencyKey
from dossiers.tests.factories import APPLICANT, file_online, filing_form, receive_at_counter, staff
from dossiers.tests.threads import run_in_threads
from portal.accounts.models import StaffRole, User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AGENCY = "079.00.00.H25"
# Wed 11/3/2026 09:00, a working day
NOW = datetime.datetime(2026, 3, 11, 9, 0, tzinfo=TZ)


def _body(user: User, centre) -> dict:
    return {
        "procedure": "1.001193",
        "applicant": {**APPLICANT, "id_number": user.id_number},
        "reception_centre": centre.agency_code,
    }


# --- (a) codes: unique and gap-free per centre and day --------------------------------------------------------


def test_hundred_concurrent_receptions_get_codes_0001_to_0100(transactional_world):
    world = transactional_world
    threads = 10
    officers = [world.reception.pk] + [
        staff(StaffRole.RECEPTION, centre=world.centre, username=f"reception-{n}").pk for n in range(1, threads)
    ]
    with time_machine.travel(NOW, tick=False):
        # no e-mail address: the receipt e-mail (a rendered PDF per reception in eager mode) is not what is measured
        filed = [file_online(world.citizen, world.centre, applicant={"email": ""}).pk for _ in range(100)]
        assert Dossier.objects.filter(pk__in=filed, code__isnull=True, state="filed").count() == 100

        def receive(index: int, barrier: threading.Barrier) -> list[tuple[int, str, int]]:
            officer = User.objects.get(pk=officers[index])
            barrier.wait()
            done = []
            for dossier_id in filed[index::threads]:
                dossier = services.dossier_receive(dossier_id=dossier_id, actor=officer)
                done.append((dossier_id, dossier.code, threading.get_ident()))
            return done

        results = [row for rows in run_in_threads(threads, receive) for row in rows]

    assert len({ident for _pk, _code, ident in results}) >= 8  # really received from ≥ 8 threads
    # codes as the services returned them and as stored: 0001 … 0100, each exactly once, nothing else
    expected = [f"{AGENCY}-260311-{n:04d}" for n in range(1, 101)]
    assert sorted(code for _pk, code, _ident in results) == expected
    stored = list(Dossier.objects.filter(pk__in=filed).values_list("code", flat=True))
    assert sorted(stored) == expected
    assert Counter(stored).most_common(1)[0][1] == 1
    assert DailySequence.objects.get(centre=world.centre, day=datetime.date(2026, 3, 11)).last == 100
    # every one received now, with the same appointment: Wed 11/3 09:00 + 24 h: Wed 2.5 + 3.5 = 6; Thu 8 (14);
    # Fri 8 (22); Mon 16/3 07:00 + 2 → 09:00
    due = datetime.datetime(2026, 3, 16, 9, 0, tzinfo=TZ)
    assert set(Dossier.objects.filter(pk__in=filed).values_list("state", "received_at", "due_at", "version")) == {
        ("received", NOW, due, 2)
    }
    assert AuditEvent.objects.filter(dossier_id__in=filed, action="receive").count() == 100


# --- (b) twenty concurrent conflicting actions: exactly one wins ----------------------------------------------


def test_twenty_officers_receive_the_same_dossier_with_the_same_if_match(transactional_world):
    world = transactional_world
    officers = [world.reception.pk] + [
        staff(StaffRole.RECEPTION, centre=world.centre, username=f"reception-{n}").pk for n in range(1, 20)
    ]
    with time_machine.travel(NOW, tick=False):
        dossier = file_online(world.citizen, world.centre)
        events_before = AuditEvent.objects.filter(dossier=dossier).count()

        def receive(index: int, barrier: threading.Barrier):
            client = Client()
            client.force_login(User.objects.get(pk=officers[index]))
            barrier.wait()
            response = client.post(f"/api/dossiers/{dossier.pk}/receive/", HTTP_IF_MATCH='"1"')
            return response.status_code, response.json(), response.get("ETag")

        results = run_in_threads(20, receive)

    statuses = Counter(status for status, _body, _etag in results)
    assert statuses == {200: 1, 409: 19}, results
    winner = next(body for status, body, _etag in results if status == 200)
    assert winner["code"] == f"{AGENCY}-260311-0001"
    assert next(etag for status, _body, etag in results if status == 200) == '"2"'
    assert {body["code"] for status, body, _etag in results if status == 409} == {"stale_version"}
    assert {body["version"] for status, body, _etag in results if status == 409} == {2}
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version, dossier.code) == ("received", 2, f"{AGENCY}-260311-0001")
    events = AuditEvent.objects.filter(dossier=dossier)
    assert events.count() == events_before + 1
    assert list(events.filter(action="receive").values_list("action", flat=True)) == ["receive"]
    # the losers never drew a number: the centre's day sequence is at 1
    assert DailySequence.objects.get(centre=world.centre, day=datetime.date(2026, 3, 11)).last == 1


@pytest.mark.parametrize(
    ("with_version", "loser_code"),
    [(True, "stale_version"), (False, "invalid_transition")],
    ids=["expected-version", "no-version"],
)
def test_twenty_concurrent_transfers_of_one_dossier(transactional_world, with_version, loser_code):
    world = transactional_world
    with time_machine.travel(NOW, tick=False):
        dossier = receive_at_counter(
            actor=world.reception,
            procedure_code="1.001193",
            applicant={**APPLICANT, "id_number": world.citizen.id_number},
            reception_centre_id=world.centre.pk,
        )
        assert dossier.version == 1

        def transfer(index: int, barrier: threading.Barrier):
            officer = User.objects.get(pk=world.reception.pk)
            barrier.wait()
            try:
                services.dossier_transfer(
                    dossier_id=dossier.pk, actor=officer, expected_version=1 if with_version else None
                )
            except services.StaleVersion as error:
                return error.status_code, error.code
            except services.InvalidTransition as error:
                return error.status_code, error.code
            return 200, "ok"

        results = run_in_threads(20, transfer)

    assert Counter(results) == {(200, "ok"): 1, (409, loser_code): 19}
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version) == ("transferred", 2)
    assert AuditEvent.objects.filter(dossier=dossier, action="transfer").count() == 1
    assert ControlSlipRow.objects.filter(dossier=dossier, step="transfer").count() == 1


# --- (c) idempotent filing ------------------------------------------------------------------------------------


def test_concurrent_retries_with_one_idempotency_key_file_one_dossier(transactional_world):
    world = transactional_world
    body = _body(world.citizen, world.centre)
    with time_machine.travel(NOW, tick=False):

        def file(index: int, barrier: threading.Barrier):
            client = Client()
            client.force_login(User.objects.get(pk=world.citizen.pk))
            form = filing_form(body)  # multipart, with a tiny PDF for the mandatory component
            barrier.wait()
            response = client.post("/api/dossiers/", form, HTTP_IDEMPOTENCY_KEY="nop-ho-so-1")
            return response.status_code, response.json().get("id"), response.get("ETag")

        results = run_in_threads(10, file)

        assert Counter(status for status, _id, _etag in results) == {201: 1, 200: 9}, results
        ids = {dossier_id for _status, dossier_id, _etag in results}
        assert len(ids) == 1 and None not in ids
        first_id = ids.pop()
        assert {etag for _status, _id, etag in results} == {'"1"'}
        assert list(Dossier.objects.values_list("pk", flat=True)) == [first_id]
        assert IdempotencyKey.objects.filter(user=world.citizen, key="nop-ho-so-1").count() == 1
        assert AuditEvent.objects.filter(action="file").count() == 1

        # a retry afterwards still answers with the first dossier
        client = Client()
        client.force_login(world.citizen)
        again = client.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY="nop-ho-so-1")
        assert (again.status_code, again.json()["id"]) == (200, first_id)
        # another key is another filing
        other_key = client.post("/api/dossiers/", filing_form(body), HTTP_IDEMPOTENCY_KEY="nop-ho-so-2")
        assert other_key.status_code == 201 and other_key.json()["id"] != first_id
        # the same key by another user is that user's own filing
        stranger = Client()
        stranger.force_login(world.other_citizen)
        theirs = stranger.post(
            "/api/dossiers/", filing_form(_body(world.other_citizen, world.centre)), HTTP_IDEMPOTENCY_KEY="nop-ho-so-1"
        )
        assert theirs.status_code == 201
        assert theirs.json()["id"] not in (first_id, other_key.json()["id"])
    assert Dossier.objects.count() == 3
    assert Dossier.objects.get(pk=theirs.json()["id"]).filed_by == world.other_citizen


# --- (d) a stale If-Match through the API changes nothing -----------------------------------------------------


def test_stale_if_match_gets_409_and_changes_nothing(transactional_world):
    world = transactional_world
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.citizen)
        created = client.post("/api/dossiers/", filing_form(_body(world.citizen, world.centre)))
        assert created.status_code == 201 and created["ETag"] == '"1"'
        dossier_id = created.json()["id"]
        client.force_login(world.reception)
        received = client.post(f"/api/dossiers/{dossier_id}/receive/", HTTP_IF_MATCH='"1"')
        assert received.status_code == 200 and received["ETag"] == '"2"'
    before = Dossier.objects.get(pk=dossier_id)
    events_before = AuditEvent.objects.filter(dossier_id=dossier_id).count()
    slips_before = ControlSlipRow.objects.filter(dossier_id=dossier_id).count()
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        stale = client.post(f"/api/dossiers/{dossier_id}/transfer/", HTTP_IF_MATCH='"1"')
        assert stale.status_code == 409
        assert stale.json()["code"] == "stale_version" and stale.json()["version"] == 2
        after = Dossier.objects.get(pk=dossier_id)
        assert (after.state, after.version, after.updated_at, after.transferred_at) == (
            before.state,
            before.version,
            before.updated_at,
            None,
        )
        assert AuditEvent.objects.filter(dossier_id=dossier_id).count() == events_before
        assert ControlSlipRow.objects.filter(dossier_id=dossier_id).count() == slips_before
        # the current version is what a GET answers, and it works
        detail = client.get(f"/api/dossiers/{dossier_id}/")
        assert detail.status_code == 200 and detail["ETag"] == '"2"' and detail.json()["version"] == 2
        done = client.post(f"/api/dossiers/{dossier_id}/transfer/", HTTP_IF_MATCH=detail["ETag"])
        assert done.status_code == 200 and done["ETag"] == '"3"' and done.json()["state"] == "transferred"
