"""The delivery channels and what the outbox does with their answers.

* SMS through ``HttpGatewayBackend`` to a small HTTP server of the test's own (stdlib ``http.server`` on 127.0.0.1,
  port 0): the request (JSON body, bearer token, idempotency key), and which answers are success, transient (retried
  with back-off up to ``NOTIFY_MAX_ATTEMPTS``) or permanent (failed at once);
* no phone number or ID number in any log record of a delivery; the console backend masks the phone;
* e-mail: a stable Message-ID per outbox row; SMTP refusals are permanent, a refused connection is transient (the
  Django SMTP backend over a fake ``smtplib.SMTP``, or a closed port — no real mail server);
* the file backend's JSON lines.
"""

from __future__ import annotations

import itertools
import json
import logging
import smtplib
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.channels import Outgoing, PermanentError, TransientError, sms_backend
from notifications.channels.email import EmailChannel, message_id
from notifications.channels.sms import ConsoleBackend, FileBackend, HttpGatewayBackend
from notifications.models import Channel, Kind, Notification, Status
from notifications.selectors.integrity import sms_sink_keys
from notifications.services import NewNotification, deliver_keys, notifications_write
from notifications.templates import render, sample_context
from notifications.tests.sms_gateway import TOKEN, closed_port, gateway_settings, serve

pytestmark = pytest.mark.django_db

PHONE = "0912345678"
EMAIL = "hoa@example.vn"
_keys = itertools.count(1)


@pytest.fixture
def gateway(settings, monkeypatch):
    """The test's own SMS gateway (notifications/tests/sms_gateway.py), answering 200 unless told otherwise."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with serve() as running:
        gateway_settings(settings, running)
        yield running


def outgoing(text: str = "DVC Phú Thọ: hồ sơ 000.00.53.H48-261204-0099 đã được tiếp nhận.") -> Outgoing:
    return Outgoing(key=f"event:{next(_keys)}:received:sms", to=PHONE, subject="", body=text)


# --- The gateway backend on its own ----------------------------------------------------------------------


def test_an_sms_is_posted_as_json_with_the_token_and_the_rows_key(gateway):
    message = outgoing()
    HttpGatewayBackend().send(message)
    (request,) = gateway.requests
    assert request["path"] == "/v1/sms"
    headers = request["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Idempotency-Key"] == message.key
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"].decode("utf-8")) == {
        "to": PHONE,
        "from": "DVCPHUTHO",
        "text": message.body,
        "reference": message.key,
    }
    assert "Phú Thọ".encode() in request["body"]  # UTF-8, not \\u escapes


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_success(gateway, status):
    gateway.status = status
    HttpGatewayBackend().send(outgoing())
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_transient(gateway, status):
    gateway.status = status
    with pytest.raises(TransientError, match=str(status)):
        HttpGatewayBackend().send(outgoing())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_4xx_is_permanent(gateway, status):
    gateway.status = status
    with pytest.raises(PermanentError, match=str(status)):
        HttpGatewayBackend().send(outgoing())


def test_a_gateway_slower_than_the_timeout_is_transient(gateway):
    gateway.hold = threading.Event()  # the gateway answers only when the test lets it
    try:
        with pytest.raises(TransientError, match="SMS gateway timed out"):
            HttpGatewayBackend().send(outgoing())
        # the request arrived and no answer had been given: the client gave up by itself (SMS_TIMEOUT_SECONDS)
        assert len(gateway.requests) == 1 and not gateway.hold.is_set()
    finally:
        gateway.hold.set()


def test_a_refused_connection_is_transient(gateway, settings):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/v1/sms"
    with pytest.raises(TransientError, match="unreachable"):
        HttpGatewayBackend().send(outgoing())


def test_a_gateway_url_that_is_not_http_is_refused(gateway, settings):
    settings.SMS_GATEWAY_URL = "file:///etc/passwd"
    with pytest.raises(PermanentError):
        HttpGatewayBackend()


def test_without_an_sms_backend_there_is_none(settings):
    settings.SMS_BACKEND = ""
    with pytest.raises(PermanentError, match="SMS_BACKEND"):
        sms_backend()


# --- Through the outbox ----------------------------------------------------------------------------------


def outbox_row(channel: str, address: str, kind: str = Kind.RECEIVED, *, language: str = "vi") -> Notification:
    """One pending row of ``kind`` on ``channel``, written without queuing its delivery."""
    key = f"test:{next(_keys)}:{kind}:{channel}"
    notifications_write(
        [
            NewNotification(
                kind=kind,
                channel=channel,
                dedupe_key=key,
                address=address,
                language=language,
                context=sample_context(kind),
            )
        ],
        publish=False,
    )
    return Notification.objects.get(dedupe_key=key)


def sms_row(kind: str = Kind.RECEIVED, *, address: str = PHONE, language: str = "vi") -> Notification:
    return outbox_row(Channel.SMS, address, kind, language=language)


def due_now(row: Notification) -> None:
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_delivered_sms_is_the_rendered_text_of_its_row(gateway):
    row = sms_row(language="en")
    assert deliver_keys([row.dedupe_key]) == {
        "sent": 1,
        "skipped": 0,
        "retry": 0,
        "failed": 0,
        "cancelled": 0,
        "deferred": 0,
    }
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
    (request,) = gateway.requests
    sent = json.loads(request["body"])
    assert sent["text"] == render(Kind.RECEIVED, Channel.SMS, "en", sample_context(Kind.RECEIVED))[1]
    assert sent["text"].startswith("Phú Thọ public services: dossier ")
    assert sent["reference"] == row.dedupe_key == request["headers"]["Idempotency-Key"]
    assert deliver_keys([row.dedupe_key])["skipped"] == 1 and len(gateway.requests) == 1  # once


def test_a_503_leaves_the_row_pending_with_a_back_off_until_the_last_attempt_fails_it(gateway, settings):
    gateway.status = 503
    row = sms_row()
    before = timezone.now()
    assert deliver_keys([row.dedupe_key])["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert "503" in row.last_error
    # exponential back-off from NOTIFY_BACKOFF_BASE_SECONDS (30 s), with up to 10 % jitter
    assert before + timedelta(seconds=30) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=33.5)
    assert deliver_keys([row.dedupe_key])["skipped"] == 1  # not before its back-off
    assert len(gateway.requests) == 1

    due_now(row)
    before = timezone.now()
    assert deliver_keys([row.dedupe_key])["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 2)
    assert before + timedelta(seconds=60) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=66.5)

    due_now(row)
    assert deliver_keys([row.dedupe_key])["failed"] == 1  # NOTIFY_MAX_ATTEMPTS = 3
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.FAILED, 3, "SMS gateway answered 503")
    assert row.sent_at is None
    # every try carried the same key, so that the gateway can drop a duplicate
    assert {request["headers"]["Idempotency-Key"] for request in gateway.requests} == {row.dedupe_key}
    assert len(gateway.requests) == 3
    due_now(row)
    assert deliver_keys([row.dedupe_key])["skipped"] == 1  # a failed row is left to the admin's retry


def test_a_gateway_that_fails_is_asked_once_per_batch_and_the_rest_waits_unattempted(gateway):
    gateway.status = 503
    rows = [sms_row() for _ in range(4)]
    outcome = deliver_keys([row.dedupe_key for row in rows])
    assert (outcome["retry"], outcome["deferred"]) == (1, 3) and len(gateway.requests) == 1
    attempts = sorted(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("attempts", flat=True))
    assert attempts == [0, 0, 0, 1]  # the three others keep their tries for when the gateway is back
    gateway.status = 200
    from notifications.services import redispatch_pending

    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert redispatch_pending() == 4  # eager in tests: queued and delivered
    assert set(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {"sent"}
    assert len(gateway.requests) == 5


def test_a_transient_failure_then_success_sends_once(gateway):
    gateway.answers = [503]
    row = sms_row()
    assert deliver_keys([row.dedupe_key])["retry"] == 1
    due_now(row)
    assert deliver_keys([row.dedupe_key])["sent"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")


def test_a_timeout_and_a_refused_connection_are_retried(gateway, settings):
    gateway.delay = 2.0
    slow = sms_row()
    assert deliver_keys([slow.dedupe_key])["retry"] == 1
    slow.refresh_from_db()
    assert (slow.status, slow.attempts, slow.last_error) == (Status.PENDING, 1, "SMS gateway timed out")

    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/v1/sms"
    down = sms_row()
    assert deliver_keys([down.dedupe_key])["retry"] == 1
    down.refresh_from_db()
    assert (down.status, down.attempts) == (Status.PENDING, 1)
    assert down.last_error == "SMS gateway unreachable: ConnectionRefusedError"


@pytest.mark.parametrize("status", [400, 401])
def test_a_4xx_fails_the_row_at_once(gateway, status):
    gateway.status = status
    row = sms_row()
    assert deliver_keys([row.dedupe_key])["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error == f"SMS gateway refused the message ({status})"
    assert len(gateway.requests) == 1


def test_an_sms_row_without_a_backend_fails_at_once(settings):
    settings.SMS_BACKEND = ""
    row = sms_row()
    assert deliver_keys([row.dedupe_key])["failed"] == 1
    row.refresh_from_db()
    assert row.status == Status.FAILED and "SMS_BACKEND" in row.last_error


# --- No personal data in the logs ------------------------------------------------------------------------


def test_no_phone_or_address_is_logged_while_delivering(
    logged_text, gateway, settings, caplog, monkeypatch, mailoutbox
):
    """SMS to a gateway that answers 503, then 400, then times out, then is not there at all; e-mail refused and
    unreachable: the deliveries are logged, the people are not."""
    caplog.set_level(logging.DEBUG)
    rows = [sms_row(), sms_row(address="+84912345678"), sms_row(), sms_row()]
    gateway.answers = [503, 400]
    deliver_keys([rows[0].dedupe_key])
    deliver_keys([rows[1].dedupe_key])
    gateway.delay = 1.0
    deliver_keys([rows[2].dedupe_key])
    gateway.delay = 0
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/v1/sms"
    deliver_keys([rows[3].dedupe_key])
    for _attempt in range(2):  # the 503 row, to its last attempt
        due_now(rows[0])
        deliver_keys([rows[0].dedupe_key])
    statuses = [Notification.objects.get(pk=row.pk).status for row in rows]
    assert statuses == [Status.FAILED, Status.FAILED, Status.PENDING, Status.PENDING]

    from django.core.mail.backends import locmem

    def refused(self, messages):
        raise smtplib.SMTPRecipientsRefused({EMAIL: (550, b"5.1.1 No such user")})

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refused)
    deliver_keys([email_row().dedupe_key])

    logged = logged_text()
    assert "failed after 3 attempt(s)" in logged and "attempt 1 failed" in logged  # the deliveries were logged …
    for secret in (PHONE, PHONE[1:], "+84" + PHONE[1:], EMAIL):
        assert secret not in logged, secret  # … without the person


def test_the_console_backend_masks_the_phone(logged_text, capsys, settings, caplog):
    caplog.set_level(logging.DEBUG)
    ConsoleBackend().send(outgoing("DVC Phú Thọ: hồ sơ TN-ABCD234567 đã được tiếp nhận."))
    printed = capsys.readouterr().out
    assert printed.startswith("SMS to [đã ẩn]: DVC Phú Thọ: hồ sơ TN-ABCD234567")
    assert PHONE not in printed

    settings.SMS_BACKEND = "notifications.channels.sms.ConsoleBackend"
    row = sms_row(address="+84912345678")
    assert deliver_keys([row.dedupe_key])["sent"] == 1
    printed = capsys.readouterr().out
    assert "SMS to [đã ẩn]: DVC Phú Thọ: hồ sơ" in printed
    assert "912345678" not in printed and "912345678" not in logged_text()


# --- E-mail ----------------------------------------------------------------------------------------------


def email_row(kind: str = Kind.RECEIVED, *, language: str = "vi") -> Notification:
    return outbox_row(Channel.EMAIL, EMAIL, kind, language=language)


def test_the_message_id_is_stable_per_key(settings):
    first = message_id("event:41:received:email")
    assert first == message_id("event:41:received:email")
    assert first != message_id("event:42:received:email")
    assert first.startswith("<") and first.endswith("@dichvucong.phutho.local>")
    settings.EMAIL_MESSAGE_ID_DOMAIN = "dichvucong.phutho.gov.vn"
    assert message_id("event:41:received:email") == first.replace("phutho.local", "phutho.gov.vn")


def test_the_sent_e_mail_carries_the_rows_message_id_and_language(mailoutbox):
    row = email_row(language="en")
    assert deliver_keys([row.dedupe_key])["sent"] == 1
    (message,) = mailoutbox
    assert message.extra_headers["Message-ID"] == message_id(row.dedupe_key)
    assert message.message()["Message-ID"] == message_id(row.dedupe_key)
    assert message.message()["Content-Language"] == "en"
    assert message.to == [EMAIL]
    assert message.subject == "Dossier 000.00.53.H48-261204-0099 has been received"
    row.refresh_from_db()
    assert row.subject == message.subject

    # sent again (a crash between the server's acceptance and the row's commit): the same identity
    Notification.objects.filter(pk=row.pk).update(status=Status.PENDING, next_attempt_at=timezone.now())
    assert deliver_keys([row.dedupe_key])["sent"] == 1
    assert mailoutbox[1].message()["Message-ID"] == message.message()["Message-ID"]


class FakeSMTP:
    """Stands in for ``smtplib.SMTP`` under Django's SMTP backend: ``error`` is raised by ``sendmail``."""

    error: Exception | None = None
    sent: list = []

    def __init__(self, host, port, **kwargs):
        self.host, self.port = host, port

    def ehlo(self):
        return 250, b"ok"

    def starttls(self, **kwargs):
        return 220, b"ok"

    def login(self, user, password):
        return 235, b"ok"

    def sendmail(self, from_addr, to_addrs, msg, **kwargs):
        if FakeSMTP.error is not None:
            raise FakeSMTP.error
        FakeSMTP.sent.append((from_addr, to_addrs))
        return {}

    def quit(self):
        pass

    def close(self):
        pass


@pytest.fixture
def smtp(settings, monkeypatch):
    """Django's real SMTP backend, talking to :class:`FakeSMTP`."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 2525
    settings.EMAIL_USE_TLS = False
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "error", None)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    return FakeSMTP


def test_the_smtp_backend_sends_through_the_channel(smtp):
    channel = EmailChannel()
    channel.send(Outgoing("event:7:received:email", EMAIL, "Tiêu đề", "Nội dung"))
    channel.close()
    ((sender, recipients),) = smtp.sent
    assert sender.endswith("<no-reply@localhost>") and recipients == [EMAIL]


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({EMAIL: (550, b"5.1.1 No such user")}),
        smtplib.SMTPSenderRefused(553, b"5.7.1 Sender refused", "no-reply@localhost"),
        smtplib.SMTPDataError(554, b"5.7.1 Message rejected"),
    ],
    ids=["recipients-refused", "sender-refused", "data-error"],
)
def test_an_smtp_refusal_is_permanent(logged_text, smtp, error, caplog):
    smtp.error = error
    channel = EmailChannel()
    with pytest.raises(PermanentError, match=type(error).__name__):
        channel.send(Outgoing("event:7:received:email", EMAIL, "Tiêu đề", "Nội dung"))

    row = email_row()
    assert deliver_keys([row.dedupe_key])["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert row.last_error.startswith(f"e-mail refused: {type(error).__name__}")
    assert EMAIL not in row.last_error and EMAIL not in logged_text()


@pytest.mark.parametrize(
    "error", [ConnectionRefusedError(111, "Connection refused"), smtplib.SMTPServerDisconnected("gone")]
)
def test_a_lost_smtp_connection_is_transient(smtp, error):
    smtp.error = error
    with pytest.raises(TransientError, match=type(error).__name__):
        EmailChannel().send(Outgoing("event:7:received:email", EMAIL, "Tiêu đề", "Nội dung"))
    row = email_row()
    assert deliver_keys([row.dedupe_key])["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error == f"e-mail not sent: {type(error).__name__}"


def test_an_smtp_server_that_refuses_the_connection_is_transient(settings, mailoutbox):
    """The real SMTP backend against a closed local port: the connection itself is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    settings.EMAIL_USE_TLS = False
    with pytest.raises(TransientError, match="ConnectionRefusedError"):
        EmailChannel().open()
    rows = [email_row(), email_row()]
    outcome = deliver_keys([row.dedupe_key for row in rows])
    assert (outcome["retry"], outcome["deferred"]) == (1, 1)  # one connection attempt for the batch
    first, second = rows
    first.refresh_from_db()
    assert (first.status, first.attempts) == (Status.PENDING, 1)
    assert first.last_error == "e-mail server unreachable: ConnectionRefusedError"
    second.refresh_from_db()
    assert (second.status, second.attempts, second.last_error) == (Status.PENDING, 0, "")


def test_a_refused_connection_on_send_is_transient_with_the_locmem_backend(monkeypatch, mailoutbox):
    from django.core.mail.backends import locmem

    def refused(self, messages):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refused)
    row = email_row()
    assert deliver_keys([row.dedupe_key])["retry"] == 1
    row.refresh_from_db()
    assert (row.status, row.last_error) == (Status.PENDING, "e-mail not sent: ConnectionRefusedError")
    assert mailoutbox == []


# --- The file backend ------------------------------------------------------------------------------------


def test_the_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.channels.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms" / "out.jsonl")
    first = outgoing("DVC Phú Thọ: tin thứ nhất")
    FileBackend().send(first)
    row = sms_row(language="en")
    assert deliver_keys([row.dedupe_key])["sent"] == 1

    lines = (tmp_path / "sms" / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    written = [json.loads(line) for line in lines]
    assert [set(item) for item in written] == [{"at", "to", "text", "key"}] * 2
    assert (written[0]["to"], written[0]["text"], written[0]["key"]) == (PHONE, first.body, first.key)
    assert "Phú Thọ" in lines[0]  # UTF-8 as it is
    assert written[1]["key"] == row.dedupe_key
    assert written[1]["text"] == render(Kind.RECEIVED, Channel.SMS, "en", sample_context(Kind.RECEIVED))[1]
    assert timezone.datetime.fromisoformat(written[1]["at"]).tzinfo is not None


def test_the_file_backend_drops_a_resend_by_its_key_as_the_gateway_does(settings, tmp_path):
    """A row sent again with the same key (its "sent" was not committed) is marked, not delivered twice; another
    process's lines count too (each reads what was added since it last looked)."""
    settings.SMS_FILE_PATH = str(tmp_path / "out.jsonl")
    first, other = outgoing("tin một"), outgoing("tin hai")
    FileBackend().send(first)
    FileBackend._seen.clear()  # as if the next send came from another process
    FileBackend().send(first)
    FileBackend().send(other)
    FileBackend().send(first)
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(item["key"], item.get("duplicate", False)) for item in written] == [
        (first.key, False),
        (first.key, True),
        (other.key, False),
        (first.key, True),
    ]
    delivered, dropped = sms_sink_keys(tmp_path / "out.jsonl")
    assert (delivered, dropped) == (Counter({first.key: 1, other.key: 1}), 2)
    (tmp_path / "out.jsonl").write_text("", encoding="utf-8")  # emptied: nothing is remembered from before
    FileBackend().send(first)
    assert "duplicate" not in json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
