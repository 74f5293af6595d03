"""Writing to the outbox and delivering from it (the services of this app).

* :func:`notifications_write` — in the caller's transaction: rows go in with ``ON CONFLICT DO NOTHING`` on their
  dedupe key, and their delivery is queued after commit (:func:`publish_after_commit`). A rolled-back transaction
  leaves no row and queues nothing. A large batch (the deadline sweep's thousands) goes in with ``COPY`` on
  PostgreSQL (:func:`_copy_rows`): the same rows, a fraction of the ORM's cost.
* :func:`deliver_keys` — what the Celery task runs: each row is claimed with a row lock (``SKIP LOCKED``: a row
  another worker is sending is left to it), skipped unless still pending and due, sent, and marked — all in the
  row's own transaction, so a worker killed mid-send leaves the row pending for the next try.
* :func:`redispatch_pending` — beat, every minute: rows still pending after a grace period (the broker was down
  when they were written, a worker died with them) are queued again. Queuing twice is harmless: the claim decides.

Transient failures are retried with exponential back-off (``NOTIFY_BACKOFF_*``) up to ``NOTIFY_MAX_ATTEMPTS``; then,
or at once on a permanent failure, the row is marked failed with the error, listed in the admin with a retry action.
Logs carry the row id and kind, never an address.
"""

from __future__ import annotations

import io
import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.channels import Outgoing, PermanentError, TransientError, sms_backend
from notifications.channels.email import EmailChannel
from notifications.models import Channel, MessageTemplate, Notification, Status
from notifications.registry import ATTACHMENTS, GUARDS
from notifications.templates import DEFAULTS, SMS_DEFAULTS, default_text, render

logger = logging.getLogger(__name__)

PUBLISH_CHUNK = 100
#: From this many rows on, on PostgreSQL, :func:`notifications_write` uses ``COPY`` (:func:`_copy_rows`).
COPY_FROM = 200


@dataclass
class NewNotification:
    kind: str
    channel: str
    dedupe_key: str
    recipient_id: int | None = None
    address: str = ""
    language: str = "vi"
    dossier_id: int | None = None
    due_ref: datetime | None = None
    context: dict = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)


def notifications_write(items: list[NewNotification], *, at: datetime | None = None, publish: bool = True) -> list[str]:
    """Write ``items`` in the current transaction (a duplicate key is skipped) and queue the delivery of those that
    need one after commit. In-app rows are delivered by being written. Returns the keys queued."""
    if not items:
        return []
    now = timezone.now()
    created = at or now
    if len(items) >= COPY_FROM and connection.vendor == "postgresql":
        _copy_rows(items, created=created, now=now)
    else:
        _create_rows(items, created=created, now=now)
    keys = [item.dedupe_key for item in items if item.channel != Channel.INAPP]
    if publish and keys:
        publish_after_commit(keys)
    return keys


def _create_rows(items: list[NewNotification], *, created: datetime, now: datetime) -> None:
    rows = [
        Notification(
            kind=item.kind,
            channel=item.channel,
            status=Status.SENT if item.channel == Channel.INAPP else Status.PENDING,
            recipient_id=item.recipient_id,
            address=item.address,
            language=item.language,
            dossier_id=item.dossier_id,
            due_ref=item.due_ref,
            dedupe_key=item.dedupe_key,
            context=item.context,
            attachments=item.attachments,
            created_at=created,
            next_attempt_at=now,
            sent_at=created if item.channel == Channel.INAPP else None,
        )
        for item in items
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


#: The columns :func:`_copy_rows` writes: every column but ``id``, as ``bulk_create`` does.
_COPY_COLUMNS = (
    "kind",
    "channel",
    "status",
    "recipient_id",
    "address",
    "language",
    "dossier_id",
    "due_ref",
    "dedupe_key",
    "context",
    "attachments",
    "created_at",
    "next_attempt_at",
    "attempts",
    "last_error",
    "sent_at",
    "read_at",
    "subject",
)
_COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """A string in ``COPY`` text format: ``\\N`` for NULL, backslash, tab and line breaks escaped."""
    if value is None:
        return _COPY_NULL
    if "\\" in value or not value.isprintable():  # isprintable(): no tab, line break… (the common case: as is)
        return value.translate(_COPY_ESCAPES)
    return value


def _copy_json(value) -> str:
    """JSON in ``COPY`` text format: ``json.dumps`` escapes every control character, so only its backslashes are
    doubled (the stored ``jsonb`` is the same with or without ``ensure_ascii``)."""
    return _COPY_NULL if value is None else json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")


def _copy_id(value) -> str:
    return _COPY_NULL if value is None else str(value)


def _copy_moment(value: datetime | None) -> str:
    """As ``DateTimeField`` stores it: a naive moment is taken in the default time zone."""
    if value is None:
        return _COPY_NULL
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


def _copy_rows(items: list[NewNotification], *, created: datetime, now: datetime) -> None:
    """What ``bulk_create(ignore_conflicts=True)`` writes, through ``COPY`` into scratch tables and one ``INSERT …
    SELECT … ON CONFLICT DO NOTHING`` in the items' order: the same rows and ids, without a model instance and a
    parameter list per row. A context shared by several rows (a reminder's recipients and channels) is sent and
    parsed once, in a table of its own."""
    table = Notification._meta.db_table
    written = {f.column for f in Notification._meta.concrete_fields} - {Notification._meta.pk.column}
    if written != set(_COPY_COLUMNS):
        raise RuntimeError(f"notifications.services._COPY_COLUMNS is out of date: {written ^ set(_COPY_COLUMNS)}")
    created_text, now_text = _copy_moment(created), _copy_moment(now)
    inapp_tail = f"\t{created_text}\t{now_text}\t0\t\t{created_text}\t{_COPY_NULL}\t\n"
    other_tail = f"\t{created_text}\t{now_text}\t0\t\t{_COPY_NULL}\t{_COPY_NULL}\t\n"
    sent, pending = Status.SENT.value, Status.PENDING.value
    text, ident, moment = _copy_text, _copy_id, _copy_moment
    context_of: dict[int, int] = {}  # id() of a context dict (alive in ``items`` throughout) → its number
    contexts, lines = [], []
    for n, item in enumerate(items):
        number = context_of.get(id(item.context))
        if number is None:
            number = context_of[id(item.context)] = len(contexts)
            contexts.append(f"{number}\t{_copy_json(item.context)}\n")
        inapp = item.channel == Channel.INAPP
        attachments = "[]" if item.attachments == [] else _copy_json(item.attachments)
        lines.append(
            f"{n}\t{number}\t{text(str(item.kind))}\t{text(str(item.channel))}\t{sent if inapp else pending}\t"
            f"{ident(item.recipient_id)}\t{text(item.address)}\t{text(item.language)}\t{ident(item.dossier_id)}\t"
            f"{moment(item.due_ref)}\t{text(item.dedupe_key)}\t{attachments}{inapp_tail if inapp else other_tail}"
        )
    others = [column for column in _COPY_COLUMNS if column != "context"]
    selected = ", ".join("c.context" if column == "context" else f"r.{column}" for column in _COPY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        # scratch tables of this transaction only, with the outbox's column types and no constraint
        cursor.execute(
            f"CREATE TEMPORARY TABLE notification_copy_context AS SELECT 0 AS i, context FROM {table} WITH NO DATA"  # noqa: S608 (our table)
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE notification_copy AS SELECT 0 AS n, 0 AS ctx, {', '.join(others)} "  # noqa: S608 (our table)
            f"FROM {table} WITH NO DATA"
        )
        _copy(cursor, "COPY notification_copy_context (i, context) FROM STDIN", contexts)
        _copy(cursor, f"COPY notification_copy (n, ctx, {', '.join(others)}) FROM STDIN", lines)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_COPY_COLUMNS)}) SELECT {selected} "  # noqa: S608 (our table)
            "FROM notification_copy r JOIN notification_copy_context c ON c.i = r.ctx ORDER BY r.n "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute("DROP TABLE notification_copy, notification_copy_context")


def _copy(cursor, sql: str, lines: list[str]) -> None:
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO("".join(lines)))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write("".join(lines))


def publish_after_commit(keys: list[str]) -> None:
    keys = list(keys)
    transaction.on_commit(lambda: publish(keys), robust=True)


#: After a failed publish, this process queues nothing for a while: the rows wait for the re-dispatcher, and
#: requests do not each pay for a connection attempt to a broker that is down.
_broker_down_until = 0.0
BROKER_BACKOFF_SECONDS = 30.0


def publish(keys: list[str]) -> int:
    """Queue the delivery of ``keys`` (in chunks); never raises: what cannot be queued stays pending."""
    global _broker_down_until
    from notifications.tasks import deliver

    eager = bool(settings.CELERY_TASK_ALWAYS_EAGER)
    if not eager and time.monotonic() < _broker_down_until:
        return 0
    queued = 0
    for start in range(0, len(keys), PUBLISH_CHUNK):
        chunk = keys[start : start + PUBLISH_CHUNK]
        try:
            deliver.apply_async(args=[chunk], retry=False, queue=settings.NOTIFY_QUEUE or None)
        except Exception as exc:
            if eager:
                logger.exception("notification delivery failed in-process (%d rows stay pending)", len(chunk))
                continue
            _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            logger.warning(
                "broker unavailable (%s): %d notifications stay pending for the re-dispatcher",
                type(exc).__name__,
                len(keys) - queued,
            )
            return queued
        queued += len(chunk)
    return queued


def backoff(attempts: int) -> timedelta:
    base = settings.NOTIFY_BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    seconds = min(base, settings.NOTIFY_BACKOFF_MAX_SECONDS)
    return timedelta(seconds=seconds * (1 + random.random() * 0.1))


def outgoing_of(row: Notification) -> Outgoing:
    subject, body = render(row.kind, row.channel, row.language, row.context)
    attachments = []
    for name in row.attachments:
        provider = ATTACHMENTS.get(name)
        attachment = provider(row) if provider else None
        if attachment is not None:
            attachments.append(attachment)
    return Outgoing(row.dedupe_key, row.address, subject, body, row.language, attachments)


class _Channels:
    """The channel backends of one batch, opened when first needed and closed at its end."""

    def __init__(self):
        self.open: dict[str, object] = {}
        #: channels that failed transiently in this batch: their other rows wait for the next try, unattempted
        self.down: set[str] = set()

    def get(self, channel: str):
        if channel not in self.open:
            if channel == Channel.EMAIL:
                self.open[channel] = EmailChannel()
            elif channel == Channel.SMS:
                self.open[channel] = sms_backend()
            else:
                raise PermanentError(f"no backend delivers the channel {channel!r}")
        return self.open[channel]

    def close(self) -> None:
        for backend in self.open.values():
            backend.close()
        self.open.clear()


def deliver_keys(keys: list[str]) -> dict[str, int]:
    """Deliver the rows of ``keys`` that are pending and due; safe to run twice, and concurrently."""
    outcome = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0, "cancelled": 0, "deferred": 0}
    channels = _Channels()
    retry_later: list[tuple[str, float]] = []
    try:
        for key in keys:
            result = _deliver_one(key, channels)
            outcome[result[0]] += 1
            if result[0] == "retry":
                retry_later.append((key, result[1]))
    finally:
        channels.close()
    if retry_later:
        _schedule_retries(retry_later)
    return outcome


def _deliver_one(key: str, channels: _Channels) -> tuple[str, float]:
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(dedupe_key=key, status=Status.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if row is None:
            return "skipped", 0.0
        guard = GUARDS.get(row.kind)
        if guard is not None and not guard(row):
            row.status = Status.CANCELLED
            row.save(update_fields=["status"])
            return "cancelled", 0.0
        if row.channel in channels.down:
            # the mail server or the gateway just failed for another row: no point in waiting on it again for each
            # row of the batch; this one stays as it is, and the re-dispatcher brings it back in a minute
            return "deferred", 0.0
        row.attempts += 1
        try:
            outgoing = outgoing_of(row)
            channels.get(row.channel).send(outgoing)
        except PermanentError as exc:
            return _failed(row, str(exc)), 0.0
        except Exception as exc:  # TransientError, or anything unforeseen: try again later, up to the limit
            if isinstance(exc, TransientError):
                channels.down.add(row.channel)
            else:
                logger.exception("notification %s (%s) could not be delivered", row.pk, row.kind)
            detail = str(exc) if isinstance(exc, TransientError) else f"{type(exc).__name__}"
            if row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                return _failed(row, detail), 0.0
            delay = backoff(row.attempts)
            row.next_attempt_at = timezone.now() + delay
            row.last_error = detail[:1000]
            row.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            logger.info(
                "notification %s (%s): attempt %d failed, next in %ds",
                row.pk,
                row.kind,
                row.attempts,
                delay.total_seconds(),
            )
            return "retry", delay.total_seconds()
        row.status = Status.SENT
        row.sent_at = timezone.now()
        row.subject = outgoing.subject[:300]
        row.last_error = ""
        row.save(update_fields=["status", "sent_at", "subject", "attempts", "last_error"])
    logger.info("notification %s (%s, %s) sent", row.pk, row.kind, row.channel)
    return "sent", 0.0


def _failed(row: Notification, detail: str) -> str:
    row.status = Status.FAILED
    row.last_error = detail[:1000]
    row.save(update_fields=["status", "attempts", "last_error"])
    logger.warning("notification %s (%s) failed after %d attempt(s): %s", row.pk, row.kind, row.attempts, detail)
    return "failed"


def _schedule_retries(retries: list[tuple[str, float]]) -> None:
    """Best effort: a retry task per row at its back-off; the re-dispatcher catches any that is lost."""
    from notifications.tasks import deliver

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # in-process: the re-dispatcher (or the next sweep) tries again when the back-off has passed
    for key, delay in retries:
        try:
            deliver.apply_async(args=[[key]], countdown=delay, retry=False, queue=settings.NOTIFY_QUEUE or None)
        except Exception:
            logger.warning("could not schedule a retry; the re-dispatcher will")
            return


def redispatch_pending(*, limit: int | None = None) -> int:
    """Queue again the rows still pending after the grace period (``NOTIFY_REDISPATCH_GRACE_SECONDS``)."""
    limit = limit or settings.NOTIFY_REDISPATCH_BATCH
    cutoff = timezone.now() - timedelta(seconds=settings.NOTIFY_REDISPATCH_GRACE_SECONDS)
    keys = list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("dedupe_key", flat=True)[:limit]
    )
    if not keys:
        return 0
    global _broker_down_until
    _broker_down_until = 0.0  # a periodic task runs on a worker: the broker is up again
    return publish(keys)


def notifications_retry(*, ids: list[int]) -> int:
    """The admin's retry: failed (or cancelled) rows become pending again, from now, with a fresh attempt count."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(pk__in=ids, status__in=[Status.FAILED, Status.CANCELLED])
            .exclude(channel=Channel.INAPP)
        )
        for row in rows:
            row.status = Status.PENDING
            row.attempts = 0
            row.next_attempt_at = timezone.now()
            row.last_error = ""
        Notification.objects.bulk_update(rows, ["status", "attempts", "next_attempt_at", "last_error"])
        if rows:
            publish_after_commit([row.dedupe_key for row in rows])
    return len(rows)


def notifications_cancel(queryset) -> int:
    """Cancel what has not gone out: pending rows, and in-app rows not read yet (they are no longer true)."""
    from django.db.models import Q

    return queryset.filter(
        Q(status=Status.PENDING) | Q(channel=Channel.INAPP, status=Status.SENT, read_at__isnull=True)
    ).update(status=Status.CANCELLED)


def notification_mark_read(*, notification: Notification) -> Notification:
    """The person has read one of their in-app notices (again: nothing changes)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Every unread in-app notice of ``user`` is read now; returns how many."""
    unread = Notification.objects.filter(
        recipient_id=user.pk, channel=Channel.INAPP, status=Status.SENT, read_at__isnull=True
    )
    return unread.update(read_at=timezone.now())


# --- Message templates: the rows the admin edits ----------------------------------------------------------------


def templates_ensure(*, languages=None) -> int:
    """Show the built-in texts in the admin as rows, ready to edit: missing rows are written, and rows nobody has
    edited are brought up to date with this version's texts and translations; an edited row is never touched.
    Returns how many rows were written or refreshed."""
    existing = {(row.kind, row.channel, row.language): row for row in MessageTemplate.objects.filter(edited=False)}
    edited = set(MessageTemplate.objects.filter(edited=True).values_list("kind", "channel", "language"))
    new, stale = [], []
    for code, _label in settings.LANGUAGES if languages is None else [(lang, lang) for lang in languages]:
        for kind in DEFAULTS:
            channels = [Channel.EMAIL, Channel.INAPP] + ([Channel.SMS] if kind in SMS_DEFAULTS else [])
            for channel in channels:
                key = (kind, channel, code)
                if key in edited:
                    continue
                subject, body = default_text(kind, channel, code)
                row = existing.get(key)
                if row is None:
                    new.append(MessageTemplate(kind=kind, channel=channel, language=code, subject=subject, body=body))
                elif (row.subject, row.body) != (subject, body):
                    row.subject, row.body = subject, body
                    stale.append(row)
    MessageTemplate.objects.bulk_create(new, ignore_conflicts=True)
    MessageTemplate.objects.bulk_update(stale, ["subject", "body"])
    return len(new) + len(stale)


def templates_ensure_after_migrate(**kwargs) -> None:
    """post_migrate: the admin finds every template ready to edit."""
    from django.db import DEFAULT_DB_ALIAS

    if kwargs.get("using", DEFAULT_DB_ALIAS) != DEFAULT_DB_ALIAS:
        return
    templates_ensure()


def templates_restore(*, ids) -> int:
    """The admin's "use the built-in text again": the rows lose their edits and show this release's text."""
    count = MessageTemplate.objects.filter(pk__in=ids).update(edited=False)
    templates_ensure()
    return count
