"""``notifications_write`` of a large batch (``COPY``, PostgreSQL) writes exactly what the ORM path writes.

The deadline sweep writes thousands of rows per batch through ``COPY`` into a scratch table and one ``INSERT … SELECT
… ON CONFLICT DO NOTHING`` (``notifications.services._copy_rows``); a step's few notices go through ``bulk_create``.
Here the same items go through both, and every column of every row is compared — with the values ``COPY``'s text
format must escape (tab, line breaks, backslash), ``None``, Unicode, naive and aware moments — as are the ids' order,
a key written twice in one batch, a key already in the outbox, and the keys returned for delivery.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.forms.models import model_to_dict

from notifications import services as delivery
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import NewNotification, notifications_write
from portal.accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AWKWARD = "tab\there, line\nbreak, return\r, back\\slash, \\N, quote \" ' — Hồ sơ quá hạn ✓"


def items(prefix: str, user: User, count: int) -> list[NewNotification]:
    shared = {"code": "H25-261118-0001", "text": AWKWARD, "nested": {"list": [1, 2.5, None, True]}, "none": None}
    rows = []
    for n in range(count):
        common = {
            "kind": (Kind.OVERDUE, Kind.DUE_SOON, Kind.RECEIVED)[n % 3],
            "language": ("vi", "en")[n % 2],
            "context": shared if n % 4 else {"own": n, "text": f"{AWKWARD} {n}"},
            "due_ref": (
                None,
                datetime.datetime(2026, 11, 18, 7, 30, tzinfo=TZ),
                datetime.datetime(2026, 11, 18, 7, 30, 15, 250000),  # naive: taken in the default time zone
            )[n % 3],
        }
        rows.append(
            NewNotification(channel=Channel.INAPP, dedupe_key=f"{prefix}:{n}:inapp", recipient_id=user.pk, **common)
        )
        rows.append(
            NewNotification(
                channel=(Channel.EMAIL, Channel.SMS)[n % 2],
                dedupe_key=f"{prefix}:{n}:out",
                address=f"người.{n}@example.vn" if n % 5 else AWKWARD,
                attachments=["receipt"] if n % 7 == 0 else [],
                **common,
            )
        )
    rows.append(NewNotification(kind=Kind.OVERDUE, channel=Channel.EMAIL, dedupe_key=f"{prefix}:0:out"))  # twice
    return rows


def written(prefix: str) -> list[dict]:
    rows = Notification.objects.filter(dedupe_key__startswith=f"{prefix}:").order_by("id")
    return [
        {**model_to_dict(row), "dedupe_key": row.dedupe_key.split(":", 1)[1], "created_at": row.created_at}
        for row in rows
    ]


def test_a_large_batch_goes_through_copy_and_writes_what_the_orm_writes(monkeypatch):
    user = User.objects.create(username="can-bo-xu-ly", email="can.bo@example.vn")
    at = datetime.datetime(2026, 11, 18, 0, 5, tzinfo=TZ)
    batch = items("copy", user, 150)
    assert len(batch) >= delivery.COPY_FROM

    copied = []
    real_copy = delivery._copy_rows
    monkeypatch.setattr(delivery, "_copy_rows", lambda *a, **kw: copied.append(len(a[0])) or real_copy(*a, **kw))
    with time_machine.travel(at + datetime.timedelta(seconds=3), tick=False):  # next_attempt_at is "now"
        with transaction.atomic():
            keys_copy = notifications_write(batch, at=at, publish=False)
        assert copied == [len(batch)]

        monkeypatch.setattr(delivery, "COPY_FROM", 10**9)  # the ORM path, for the same items
        with transaction.atomic(), pytest.warns(RuntimeWarning, match="naive datetime"):
            keys_orm = notifications_write(items("orm", user, 150), at=at, publish=False)

    assert [key.split(":", 1)[1] for key in keys_copy] == [key.split(":", 1)[1] for key in keys_orm]
    by_copy, by_orm = written("copy"), written("orm")
    assert len(by_copy) == 300  # the key written twice in the batch is there once
    ids_copy = [row.pop("id") for row in by_copy]
    ids_orm = [row.pop("id") for row in by_orm]
    assert ids_copy == sorted(ids_copy) and ids_orm == sorted(ids_orm)
    for mine, theirs in zip(by_copy, by_orm, strict=True):
        assert mine == theirs
    first = Notification.objects.get(dedupe_key="copy:0:out")
    assert first.address == AWKWARD and first.context["text"] == f"{AWKWARD} 0"
    assert first.status == Status.PENDING and first.sent_at is None and first.attachments == ["receipt"]
    assert Notification.objects.get(dedupe_key="copy:2:inapp").due_ref == datetime.datetime(
        2026, 11, 18, 7, 30, 15, 250000, tzinfo=TZ
    )
    inapp = Notification.objects.get(dedupe_key="copy:1:inapp")
    assert (inapp.status, inapp.sent_at, inapp.created_at, inapp.recipient_id) == (Status.SENT, at, at, user.pk)

    # written again (a second sweep, a second writer): nothing new, and the scratch table is gone with its batch
    monkeypatch.setattr(delivery, "COPY_FROM", 200)
    before = Notification.objects.count()
    with transaction.atomic():
        notifications_write(items("copy", user, 150), publish=False)
    assert Notification.objects.count() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname = 'notification_copy'")
        assert cursor.fetchone()[0] == 0
