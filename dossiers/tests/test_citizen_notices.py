"""The applicant's notices of a real filing, end to end: read through ``/api/me/notifications/`` in the language the
account chose, with the dossier's code and in a number of queries that does not grow with the page; sent by SMS to
a gateway that fails in every way it can without a phone or ID number in any log record.

(The endpoints, templates and channels on their own: ``notifications/tests/``.)"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from dossiers.tests.factories import APPLICANT, UserFactory, file_online
from notifications.models import Channel, Kind, Notification, Status
from notifications.services import NewNotification, deliver_keys, notifications_write
from notifications.tests.sms_gateway import closed_port, gateway_settings, serve

pytestmark = pytest.mark.django_db

URL = "/api/me/notifications/"


def test_a_citizen_who_chose_english_reads_the_filing_notice_in_english(
    world, client, django_capture_on_commit_callbacks
):
    english = UserFactory(username="english-citizen", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        filed_en = file_online(english, world.centre)
        filed_vi = file_online(world.citizen, world.centre)  # the default language

    client.force_login(english)
    (row,) = client.get(URL).json()["results"]
    assert (row["kind"], row["dossier"], row["dossier_code"]) == ("filed", filed_en.pk, filed_en.reference)
    assert row["subject"] == f"Dossier {filed_en.reference} has been submitted and awaits reception"
    assert row["body"].startswith(f"The Phú Thọ public service portal has received dossier {filed_en.reference}")
    assert "Track your dossier: http" in row["body"] and "Thủ tục đăng ký khai sinh" in row["body"]

    client.force_login(world.citizen)
    (row,) = client.get(URL).json()["results"]
    assert row["subject"] == f"Hồ sơ {filed_vi.reference} đã được gửi, chờ tiếp nhận"
    assert "Tra cứu: http" in row["body"]
    # the e-mail of each went out in the same language as the in-app notice
    e_mails = Notification.objects.filter(channel=Channel.EMAIL, kind=Kind.FILED).order_by("id")
    assert [(row.language, row.status) for row in e_mails] == [("en", Status.SENT), ("vi", Status.SENT)]


#: session, user, count, page, and the templates of the page — whatever the page size
CEILING = 6


def test_the_inbox_reads_its_dossiers_with_the_page(world, client, django_assert_max_num_queries):
    dossiers = [file_online(world.citizen, world.centre) for _ in range(3)]
    Notification.objects.all().delete()  # the filing notices: the rows below are the whole inbox
    moment = timezone.now()
    kinds = [Kind.RECEIVED, Kind.OVERDUE, Kind.RESULT_READY, Kind.STOPPED]
    notifications_write(
        [
            NewNotification(
                kind=kinds[number % len(kinds)],
                channel=Channel.INAPP,
                dedupe_key=f"inbox-test:{number}:inapp",
                recipient_id=world.citizen.pk,
                language=("vi", "en")[number % 2],
                dossier_id=dossiers[number % 3].pk,
                context={"code": dossiers[number % 3].reference, "due": moment.isoformat()},
            )
            for number in range(12)
        ],
        at=moment,
    )
    client.force_login(world.citizen)
    client.get(URL, {"page_size": 1})
    counts = {}
    for size in (2, 12):
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(URL, {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[12], counts
    rows = response.json()["results"]
    assert {row["dossier_code"] for row in rows} == {dossier.reference for dossier in dossiers}
    assert all(row["dossier_code"] in row["subject"] for row in rows)


def test_no_phone_or_id_number_is_logged_while_a_filings_notices_go_out(
    logged_text, world, settings, caplog, django_capture_on_commit_callbacks, mailoutbox
):
    """The filing's SMS meets a gateway answering 503, then 400; two more notices one timing out and one with the
    gateway gone: the deliveries are logged, the applicant's phone, ID number and e-mail address are not."""
    caplog.set_level(logging.DEBUG)
    with serve() as gateway:
        gateway_settings(settings, gateway)
        gateway.answers = [503]
        with django_capture_on_commit_callbacks(execute=True):
            dossier = file_online(world.citizen, world.centre)
        sms = Notification.objects.get(dossier=dossier, channel=Channel.SMS)
        assert (sms.address, sms.status, sms.attempts) == (APPLICANT["phone"], Status.PENDING, 1)
        assert len(mailoutbox) == 1 and len(gateway.requests) == 1

        Notification.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        gateway.answers = [400]
        deliver_keys([sms.dedupe_key])
        later = [
            NewNotification(
                kind=Kind.RECEIVED,
                channel=Channel.SMS,
                dedupe_key=f"privacy-test:{number}:sms",
                address=APPLICANT["phone"],
                dossier_id=dossier.pk,
                context={"code": dossier.reference},
            )
            for number in range(2)
        ]
        keys = notifications_write(later, publish=False)
        gateway.delay = 1.0
        deliver_keys(keys[:1])
        gateway.delay = 0
        settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{closed_port()}/v1/sms"
        deliver_keys(keys[1:])

    statuses = list(Notification.objects.filter(channel=Channel.SMS).order_by("id").values_list("status", flat=True))
    assert statuses == [Status.FAILED, Status.PENDING, Status.PENDING]
    logged = logged_text()
    assert "failed after 2 attempt(s)" in logged  # the deliveries were logged …
    phone = APPLICANT["phone"]
    for secret in (phone, phone[1:], "+84" + phone[1:], world.citizen.id_number, APPLICANT["email"]):
        assert secret not in logged, secret  # … without the person
