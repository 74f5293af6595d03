"""The outbox's part of the integrity checks (``manage.py check_integrity``): every row delivered exactly once.

A row records its own delivery: ``status`` (pending → sent, or failed / cancelled), ``sent_at``, ``attempts``; its
``dedupe_key`` is unique and is the message's identity at the receiving end (the SMS gateway's ``Idempotency-Key``
and the sink's ``key``, the e-mail's ``Message-ID``). So "exactly once" is checked in two places:

* in the rows: no key twice; a sent row has its moment, and (but in-app rows, delivered by being written) an attempt;
  an unsent row has no sent moment; no row is still pending long after it was due (``grace``: the re-dispatcher
  brings a pending row back within a minute or two, so a row pending for longer was lost);
* at the receiving end, when given (``sms_sink``: the JSON lines of ``SMS_BACKEND=…FileBackend``; ``mail_dir``: the
  files of Django's file e-mail backend): each sent row's key there exactly once — never missing, never twice — and
  no unsent row's key there (delivered but not recorded: it would be sent again).

The outbox is at least once: a row whose "sent" could not be committed (the database went away right after the
gateway answered) is sent again, with the same key. The SMS gateway drops such a resend by its ``Idempotency-Key``,
and so does the file sink standing in for it (``channels.sms.FileBackend`` marks the line ``duplicate``): those are
counted apart (``sms_resends_dropped``), not as a second delivery. An e-mail server has no such key: a resent
e-mail (the same ``Message-ID``) is a violation.

Failed rows (given up after ``NOTIFY_MAX_ATTEMPTS`` or refused for good) are counted, and are a violation only with
``failed_is_violation``: an address a gateway refuses is not a fault of the portal.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from django.db.models import Count
from django.utils import timezone

from notifications.channels.email import message_id
from notifications.channels.sms import sink_messages
from notifications.models import Channel, Notification, Status
from portal.common.integrity import CheckResult

MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


def _label(pk: int, kind: str, channel: str) -> str:
    return f"notification {pk} ({kind}, {channel})"


def sms_sink_keys(path: Path) -> tuple[Counter, int]:
    """How many times each outbox key reached the phone through an SMS sink (one JSON object a line, with ``key``),
    and how many resends the sink dropped by their key (lines marked ``duplicate``: ``channels.sms.FileBackend``)."""
    keys: Counter = Counter()
    dropped = 0
    if path.exists():
        with path.open(encoding="utf-8") as sink:
            for message in sink_messages(sink):
                if message.get("duplicate"):
                    dropped += 1
                else:
                    keys[message.get("key")] += 1
    return keys, dropped


def mail_dir_ids(path: Path) -> Counter:
    """How many times each ``Message-ID`` is in the files of Django's file e-mail backend."""
    ids: Counter = Counter()
    if path.is_dir():
        for file in sorted(path.iterdir()):
            if file.is_file():
                ids.update(MESSAGE_ID.findall(file.read_text(encoding="utf-8", errors="replace")))
    return ids


def check_outbox(
    *,
    grace: timedelta,
    since: datetime | None = None,
    sms_sink: Path | None = None,
    mail_dir: Path | None = None,
    failed_is_violation: bool = False,
) -> CheckResult:
    """Every outbox row (created at or after ``since``, if given) delivered exactly once."""
    result = CheckResult("outbox")
    rows = Notification.objects.all() if since is None else Notification.objects.filter(created_at__gte=since)
    statuses = dict(rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    result.checked = sum(statuses.values())
    result.notes = {status.value: statuses.get(status.value, 0) for status in Status}

    twice = rows.values("dedupe_key").annotate(n=Count("id")).filter(n__gt=1).values_list("dedupe_key", "n")
    for key, n in twice:
        result.add("duplicate_row", f"key {key} ×{n}")
    row_fields = ("pk", "kind", "channel")
    problems = {
        "sent_without_moment": rows.filter(status=Status.SENT, sent_at__isnull=True),
        "sent_without_attempt": rows.filter(status=Status.SENT, attempts=0).exclude(channel=Channel.INAPP),
        "unsent_with_moment": rows.exclude(status=Status.SENT).filter(sent_at__isnull=False),
        "undelivered": rows.filter(status=Status.PENDING, next_attempt_at__lt=timezone.now() - grace),
    }
    if failed_is_violation:
        problems["failed"] = rows.filter(status=Status.FAILED)
    for kind, queryset in problems.items():
        for pk, row_kind, channel in queryset.order_by("pk").values_list(*row_fields).iterator():
            result.add(kind, _label(pk, row_kind, channel))

    receivers = []
    if sms_sink is not None:
        delivered_sms, result.notes["sms_resends_dropped"] = sms_sink_keys(Path(sms_sink))
        receivers.append((Channel.SMS, delivered_sms, lambda key: key))
    if mail_dir is not None:
        receivers.append((Channel.EMAIL, mail_dir_ids(Path(mail_dir)), message_id))
    for channel, seen, identity in receivers:
        delivered = 0
        for pk, kind, status, key in rows.filter(channel=channel).values_list("pk", "kind", "status", "dedupe_key"):
            times = seen.get(identity(key), 0)
            delivered += times
            if status == Status.SENT and times == 0:
                result.add("sent_not_received", _label(pk, kind, channel))
            elif status == Status.SENT and times > 1:
                result.add("received_more_than_once", _label(pk, kind, channel) + f" ×{times}")
            elif status != Status.SENT and times:
                result.add("received_not_recorded", _label(pk, kind, channel) + f" ({status})")
        result.notes[f"{channel}_received"] = delivered
    return result
