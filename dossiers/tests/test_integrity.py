"""The integrity checks (``dossiers.selectors.integrity``, ``notifications.selectors.integrity``, ``manage.py
check_integrity``): clean data built through the real services passes every check; each way of corrupting it is
caught by the check that owns it, and only by that one."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dossiers.models import AuditEvent, DailySequence, Document, Dossier
from dossiers.selectors.integrity import (
    check_audit,
    check_codes,
    check_created,
    check_documents,
    integrity_report,
    read_created,
)
from dossiers.tests.factories import file_online, receive_at_counter
from dossiers.tests.states import PATHS, act, walk
from dossiers.workflow import Action, State
from notifications.models import Channel, Kind, Notification, Status
from notifications.selectors.integrity import check_outbox

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
GRACE = datetime.timedelta(hours=1)


@pytest.fixture
def data(world, private_dir):
    """Dossiers in every state (online filings with their documents, a counter reception, a form 04 extension, a
    rating), and the outbox rows their steps wrote. (A transitional dossier: ``legacy/tests/test_integrity.py``.)"""
    made = {state: walk(world, file_online(world.citizen, world.centre), PATHS[state]) for state in State}
    extended = walk(world, file_online(world.citizen, world.centre), PATHS[State.PROCESSING])
    act(world, extended, Action.EXTEND)
    rated = walk(world, file_online(world.citizen, world.centre), PATHS[State.RETURNED])
    act(world, rated, Action.RATE)
    counter = receive_at_counter(
        actor=world.reception,
        procedure_code="1.001193",
        applicant={"name": "Trần Văn Nam", "id_number": "025079006237", "phone": "0983210402"},
        reception_centre_id=world.centre.pk,
    )
    assert Notification.objects.exists() and Document.objects.exists()
    return {"states": made, "counter": counter}


def violations(result) -> dict:
    return dict(result.violations)


def test_clean_data_passes_every_check(data, tmp_path):
    received = data["states"][State.RECEIVED]
    created = tmp_path / "created.txt"
    created.write_text(f"# told to clients\n{received.pk}\n{received.code}\n{data['states'][State.FILED].reference}\n")
    results = integrity_report(created=read_created(created), documents=True)
    assert [r.name for r in results] == ["created", "codes", "outbox", "audit", "documents"]
    assert {r.name: violations(r) for r in results} == {r.name: {} for r in results}
    codes, outbox, audit = results[1], results[2], results[3]
    coded = Dossier.objects.filter(code__isnull=False).count()
    assert codes.checked == coded >= 10 and codes.notes == {"centre_days": 1, "transitional": 0}
    assert outbox.checked == Notification.objects.count() and audit.checked == Dossier.objects.count()
    assert audit.notes["events"] == AuditEvent.objects.count() and audit.notes["bulk_rows"] == 0
    assert results[4].checked == Document.objects.count()
    call_command("check_integrity", "--created", str(created), "--documents")  # no CommandError: exit status 0


# --- (a) created ------------------------------------------------------------------------------------------------------


def test_a_dossier_a_client_was_told_of_that_is_not_there_or_is_there_twice(data):
    received = data["states"][State.RECEIVED]
    other = data["states"][State.RETURNED]
    assert check_created([str(received.pk), received.code]).ok
    result = check_created([str(received.pk), "999999", "000.00.00.H00-260101-0001", received.code])
    assert violations(result) == {"missing": 2}
    assert result.examples["missing"] == ["id 999999", "000.00.00.H00-260101-0001"]
    # the code of one dossier is the old code of another: the client cannot be told which one is theirs
    Dossier.objects.filter(pk=other.pk).update(legacy_code=received.code)
    assert violations(check_created([received.code])) == {"more_than_once": 1}


# --- (b) codes --------------------------------------------------------------------------------------------------------


def _code_with_number(dossier, number: int) -> str:
    agency, day, _number = dossier.code.rsplit("-", 2)
    return f"{agency}-{day}-{number:04d}"


def test_a_hole_in_a_centres_numbers_is_a_gap(data):
    assert check_codes().ok
    last = Dossier.objects.filter(code__isnull=False, reception_centre=data["counter"].reception_centre).latest("code")
    top = DailySequence.objects.get().last
    Dossier.objects.filter(pk=last.pk).update(code=_code_with_number(last, top + 2))
    result = check_codes()
    # its own number and the one after it are missing under the new top, which the counter never issued
    assert violations(result) == {"gap": 2, "counter_behind": 1}
    assert f"no dossier numbered {top}, {top + 1}" in result.examples["gap"][0]


def test_a_number_issued_by_the_counter_that_no_dossier_carries_is_a_gap(data):
    DailySequence.objects.update(last=DailySequence.objects.get().last + 3)
    assert violations(check_codes()) == {"gap": 3}


def test_the_same_number_twice_on_a_day_and_a_received_dossier_without_code(data):
    first, second = Dossier.objects.filter(code__isnull=False).order_by("code")[:2]
    _agency, day, number = first.code.rsplit("-", 2)
    Dossier.objects.filter(pk=second.pk).update(code=f"000.99.99.H99-{day}-{number}")  # another agency prefix
    result = check_codes()
    assert violations(result)["duplicate_number"] == 1 and "gap" in violations(result)
    Dossier.objects.filter(pk=second.pk).update(code=None)
    assert violations(check_codes()) == {"gap": 1, "received_without_code": 1}
    Dossier.objects.filter(pk=second.pk).update(code="HS-2026-1")
    assert "malformed_code" in violations(check_codes())


# --- (c) outbox -------------------------------------------------------------------------------------------------------


def _sent_sms(world, key: str) -> Notification:
    return Notification.objects.create(
        kind=Kind.RECEIVED,
        channel=Channel.SMS,
        status=Status.SENT,
        recipient=world.citizen,
        address="0912345678",
        dedupe_key=key,
        attempts=1,
        sent_at=timezone.now(),
    )


def test_a_notification_pending_long_after_it_was_due_is_undelivered(data):
    assert check_outbox(grace=GRACE).ok
    row = Notification.objects.filter(status=Status.PENDING).first()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(hours=2))
    result = check_outbox(grace=GRACE)
    assert violations(result) == {"undelivered": 1}
    assert result.examples["undelivered"] == [f"notification {row.pk} ({row.kind}, {row.channel})"]
    assert check_outbox(grace=datetime.timedelta(hours=3)).ok  # inside a longer grace
    later = check_outbox(grace=GRACE, since=timezone.now() + datetime.timedelta(seconds=1))
    assert later.ok and later.checked == 0  # the row is not among those asked about


def test_a_notification_received_twice_or_never_or_without_being_recorded(data, world, tmp_path):
    twice, never = _sent_sms(world, "sms-twice"), _sent_sms(world, "sms-never")
    pending = Notification.objects.filter(status=Status.PENDING).first()
    Notification.objects.filter(pk=pending.pk).update(channel=Channel.SMS)
    sink = tmp_path / "sms.jsonl"
    lines = [{"to": "0912345678", "text": "…", "key": key} for key in ("sms-twice", "sms-twice", pending.dedupe_key)]
    sink.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = check_outbox(grace=GRACE, sms_sink=sink)
    assert violations(result) == {"received_more_than_once": 1, "sent_not_received": 1, "received_not_recorded": 1}
    assert result.examples["received_more_than_once"] == [f"notification {twice.pk} (received, sms) ×2"]
    assert result.examples["sent_not_received"] == [f"notification {never.pk} (received, sms)"]
    assert "0912345678" not in json.dumps(result.as_dict())  # no phone number in the report


def test_e_mails_are_counted_by_their_message_id(data, world, tmp_path, settings):
    from notifications.channels.email import message_id

    row = Notification.objects.filter(status=Status.PENDING, channel=Channel.EMAIL).first()
    Notification.objects.filter(pk=row.pk).update(status=Status.SENT, sent_at=timezone.now(), attempts=1)
    mail = tmp_path / "mail"
    mail.mkdir()
    (mail / "one.log").write_text(f"Subject: x\nMessage-ID: {message_id(row.dedupe_key)}\n\nbody\n")
    assert check_outbox(grace=GRACE, mail_dir=mail).ok
    (mail / "two.log").write_text(f"Subject: x\nMessage-ID: {message_id(row.dedupe_key)}\n\nbody\n")
    assert violations(check_outbox(grace=GRACE, mail_dir=mail)) == {"received_more_than_once": 1}


def test_rows_that_say_sent_without_a_moment_or_an_attempt_and_failed_rows(data, world):
    row = _sent_sms(world, "sms-odd")
    Notification.objects.filter(pk=row.pk).update(attempts=0, sent_at=None)
    assert violations(check_outbox(grace=GRACE)) == {"sent_without_moment": 1, "sent_without_attempt": 1}
    Notification.objects.filter(pk=row.pk).update(status=Status.FAILED, attempts=8)
    assert check_outbox(grace=GRACE).ok and check_outbox(grace=GRACE).notes["failed"] == 1
    assert violations(check_outbox(grace=GRACE, failed_is_violation=True)) == {"failed": 1}


# --- (d) audit --------------------------------------------------------------------------------------------------------


def test_a_state_its_audit_trail_does_not_lead_to(data):
    assert check_audit().ok
    decided = data["states"][State.RESULT_READY]
    Dossier.objects.filter(pk=decided.pk).update(state=State.RETURNED)
    result = check_audit()
    assert violations(result) == {"state_disagrees": 1}
    assert result.examples["state_disagrees"] == [f"dossier {decided.pk}: returned, its last event to result_ready"]


def test_a_hole_in_an_audit_trail(data):
    received = data["states"][State.RECEIVED]
    # an event that starts from a state the trail never reached (the step in between is missing)
    AuditEvent.objects.create(
        dossier=received, at=timezone.now(), action="assign", from_state="transferred", to_state="received"
    )
    assert violations(check_audit()) == {"hole": 1}


def test_a_dossier_without_its_creation_event(data):
    filed = data["states"][State.FILED]
    copy = Dossier.objects.get(pk=filed.pk)
    copy.pk, copy.reference, copy.code = None, "TN-KHONGNHATKY", None
    copy.save()
    assert violations(check_audit()) == {"no_event": 1}
    AuditEvent.objects.create(dossier=copy, at=timezone.now(), action="receive", from_state="filed", to_state="filed")
    assert violations(check_audit()) == {"no_creation_event": 1}


def test_bulk_benchmark_rows_are_checked_for_their_last_state_only(data):
    copy = Dossier.objects.get(pk=data["states"][State.PROCESSING].pk)
    copy.pk, copy.reference, copy.code = None, "TN-HANGLOAT", None
    copy.save()
    AuditEvent.objects.create(
        dossier=copy,
        at=timezone.now(),
        action="assign",
        from_state="transferred",
        to_state="processing",
        payload={"bulk": True},
    )
    result = check_audit()
    assert result.ok and result.notes["bulk_rows"] == 1
    Dossier.objects.filter(pk=copy.pk).update(state=State.STOPPED)
    assert violations(check_audit()) == {"state_disagrees": 1}


# --- (e) documents ----------------------------------------------------------------------------------------------------


def test_a_document_whose_file_is_gone_or_changed(data, private_dir):
    first, second = Document.objects.order_by("pk")[:2]
    (private_dir / first.file.name).write_bytes(b"%PDF-1.4 changed")
    (private_dir / second.file.name).unlink()
    result = check_documents()
    assert violations(result) == {"checksum_mismatch": 1, "missing_file": 1}
    assert result.examples["missing_file"] == [f"document {second.pk}: {second.file.name}"]


# --- the command ------------------------------------------------------------------------------------------------------


def test_the_command_prints_the_report_and_fails_on_a_violation(data, tmp_path, capsys):
    DailySequence.objects.update(last=DailySequence.objects.get().last + 1)
    created = tmp_path / "created.txt"
    created.write_text("999999\n")
    with pytest.raises(CommandError, match="codes") as failure:
        call_command("check_integrity", "--created", str(created), "--json")
    assert "created" in str(failure.value)
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {c["name"]: c["violations"] for c in report["checks"]} == {
        "created": {"missing": 1},
        "codes": {"gap": 1},
        "outbox": {},
        "audit": {},
    }
    with pytest.raises(CommandError):
        call_command("check_integrity")
    text = capsys.readouterr().out
    assert "FAIL codes" in text and "OK   audit" in text and "gap: 1" in text
