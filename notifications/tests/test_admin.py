"""The outbox and the message templates in the Django admin, as a superuser through the test client: a template's
page shows its variables and a preview rendered from the sample of its kind; a template that does not compile (or
fails on the facts of its kind) is refused with a form error; failed rows are listed and the retry action sends them
again (eager Celery in the test profile: at once, to ``mailoutbox``)."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from notifications.channels.email import message_id
from notifications.models import Channel, Kind, MessageTemplate, Notification, Status
from notifications.services import templates_ensure
from notifications.templates import sample_context
from portal.accounts.models import User

pytestmark = pytest.mark.django_db

TEMPLATES = "/admin/notifications/messagetemplate/"
OUTBOX = "/admin/notifications/notification/"
CODE = sample_context(Kind.RECEIVED)["code"]
_keys = itertools.count(1)


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser(username="superuser", password="matkhau-an-toan-123")
    client.force_login(user)
    return user


@pytest.fixture
def template_row() -> MessageTemplate:
    templates_ensure()
    return MessageTemplate.objects.get(kind=Kind.RECEIVED, channel=Channel.EMAIL, language="vi")


def form_data(row: MessageTemplate, **changes) -> dict:
    data = {field: getattr(row, field) for field in ("kind", "channel", "language", "subject", "body")}
    return {**data, **changes, "_save": "Lưu"}


def test_the_template_page_shows_the_variables_and_a_rendered_preview(client, superuser, template_row):
    response = client.get(f"{TEMPLATES}{template_row.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    # the variables of the kind, each as it is written in a template
    for name in ("code", "procedure", "centre", "due", "receipt", "lookup_url"):
        assert f"<code>{{{{ {name} }}}}</code>" in page, name
    assert "<code>{{ reason }}</code>" not in page  # not a variable of this kind
    # the preview: the sample rendered, the moment as a local time, no tag left
    preview = page[page.index('class="notification-preview"') :]
    preview = preview[: preview.index("</div>")]
    assert f"Hồ sơ {CODE} đã được tiếp nhận" in preview
    assert "Thời gian hẹn trả kết quả: 17:00 07/12/2026." in preview
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả được gửi kèm thư này." in preview
    assert "{{" not in preview and "{%" not in preview


def test_the_preview_is_in_the_templates_language_and_the_admin_in_the_users(client, superuser, template_row):
    english = MessageTemplate.objects.get(kind=Kind.OVERDUE, channel=Channel.INAPP, language="en")
    client.cookies["django_language"] = "en"
    page = client.get(f"{TEMPLATES}{english.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Preview (sample data)" in page and "Available variables" in page
    assert f"Overdue: dossier {CODE}" in page and "(due 17:00 07/12/2026)" in page
    assert "<code>{{ handler }}</code>" in page


def test_the_add_page_asks_to_save_before_a_preview(client, superuser):
    response = client.get(f"{TEMPLATES}add/")
    assert response.status_code == 200
    assert "Lưu mẫu để xem trước." in response.content.decode()


def test_a_valid_edit_is_saved_and_previewed(client, superuser, template_row):
    body = 'Đã nhận hồ sơ {{ code }}; hẹn {{ due|date:"H:i d/m/Y" }}.'
    response = client.post(f"{TEMPLATES}{template_row.pk}/change/", form_data(template_row, body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    template_row.refresh_from_db()
    assert template_row.body == body and template_row.edited is True  # from now on it replaces the built-in text
    page = client.get(f"{TEMPLATES}{template_row.pk}/change/").content.decode()
    assert f"Đã nhận hồ sơ {CODE}; hẹn 17:00 07/12/2026." in page
    from notifications.templates import render, sample_context

    assert render(template_row.kind, template_row.channel, template_row.language, sample_context(template_row.kind))[
        1
    ].startswith(f"Đã nhận hồ sơ {CODE}")
    # restored: the built-in text again, in the row and in what is sent
    response = client.post(TEMPLATES, {"action": "restore_built_in", "_selected_action": [template_row.pk]})
    assert response.status_code == 302
    template_row.refresh_from_db()
    assert template_row.edited is False and template_row.body != body


@pytest.mark.parametrize(
    ("field", "source", "message"),
    [
        ("body", "{% if receipt %}Giấy hẹn", "Unclosed tag"),
        ("body", "{% for item in components %}{{ item }}", "Unclosed tag"),
        ("subject", "Hồ sơ {{ code|khong_co_bo_loc }}", "Invalid filter"),
        ("subject", "Hồ sơ {{ }}", "Empty variable tag"),
        ("body", "{% khong_co_the_nay %}", "Invalid block tag"),
        # compiles, but cannot be rendered: refused too
        ("body", '{% include "khong-co.html" %}', "khong-co.html"),
    ],
)
def test_a_template_that_does_not_compile_or_render_is_refused(client, superuser, template_row, field, source, message):
    before = (template_row.subject, template_row.body)
    response = client.post(f"{TEMPLATES}{template_row.pk}/change/", form_data(template_row, **{field: source}))
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert errors[field][0].startswith("Mẫu không hợp lệ:") and message in errors[field][0]
    assert "errorlist" in response.content.decode()
    template_row.refresh_from_db()
    assert (template_row.subject, template_row.body) == before


def test_a_broken_row_written_by_hand_shows_its_error_in_the_preview(client, superuser, template_row):
    MessageTemplate.objects.filter(pk=template_row.pk).update(body='{% include "khong-co.html" %}')
    response = client.get(f"{TEMPLATES}{template_row.pk}/change/")
    assert response.status_code == 200
    assert "<strong>Mẫu không hợp lệ:</strong> khong-co.html" in response.content.decode()


# --- The outbox ------------------------------------------------------------------------------------------


def row(status: str, *, channel: str = Channel.EMAIL, **fields) -> Notification:
    return Notification.objects.create(
        kind=Kind.RECEIVED,
        channel=channel,
        status=status,
        address="" if channel == Channel.INAPP else f"nguoi{next(_keys)}@example.vn",
        dedupe_key=f"admin-test:{next(_keys)}:{channel}",
        context=sample_context(Kind.RECEIVED),
        **fields,
    )


def listed(response) -> set[int]:
    assert response.status_code == 200
    return {notification.pk for notification in response.context["cl"].result_list}


def test_the_outbox_lists_the_failed_rows(client, superuser):
    failed = [row(Status.FAILED, attempts=8, last_error="SMS gateway answered 503") for _ in range(2)]
    sent = row(Status.SENT, sent_at=timezone.now())
    pending = row(Status.PENDING)
    assert listed(client.get(OUTBOX, {"status__exact": "failed"})) == {failed[0].pk, failed[1].pk}
    assert {sent.pk, pending.pk, *(r.pk for r in failed)} <= listed(client.get(OUTBOX))
    page = client.get(OUTBOX, {"status__exact": "failed"}).content.decode()
    assert "Gửi không thành công" in page
    assert client.get(f"{OUTBOX}{failed[0].pk}/change/").status_code == 200
    assert client.get(f"{OUTBOX}add/").status_code == 403


def test_the_retry_action_sends_the_failed_rows_again(
    client, superuser, mailoutbox, django_capture_on_commit_callbacks
):
    failed = [row(Status.FAILED, attempts=8, last_error="e-mail refused: SMTPRecipientsRefused") for _ in range(2)]
    cancelled = row(Status.CANCELLED)
    sent = row(Status.SENT, sent_at=timezone.now(), attempts=1)
    in_app = row(Status.CANCELLED, channel=Channel.INAPP, recipient=superuser)
    chosen = [*failed, cancelled, sent, in_app]

    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            OUTBOX,
            {"action": "retry", "_selected_action": [r.pk for r in chosen], "index": 0},
            follow=True,
        )
    assert response.status_code == 200
    assert "3 thông báo sẽ được gửi lại." in response.content.decode()
    for retried in (*failed, cancelled):
        retried.refresh_from_db()
        assert (retried.status, retried.attempts, retried.last_error) == (Status.PENDING, 0, "")
    for untouched, status in ((sent, Status.SENT), (in_app, Status.CANCELLED)):
        untouched.refresh_from_db()
        assert untouched.status == status
    assert mailoutbox == []  # queued after the commit, not before

    for callback in queued:  # the commit: eager Celery delivers at once
        callback()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(r.address for r in (*failed, cancelled))
    for retried in (*failed, cancelled):
        retried.refresh_from_db()
        assert (retried.status, retried.attempts) == (Status.SENT, 1)
        message = next(m for m in mailoutbox if m.to == [retried.address])
        assert message.extra_headers["Message-ID"] == message_id(retried.dedupe_key)
        assert message.subject == f"Hồ sơ {CODE} đã được tiếp nhận"


def test_the_retry_from_the_failed_list_takes_every_failed_row(
    client, superuser, mailoutbox, django_capture_on_commit_callbacks
):
    failed = [row(Status.FAILED, attempts=8) for _ in range(3)]
    other = row(Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{OUTBOX}?status__exact=failed",
            {"action": "retry", "select_across": 1, "_selected_action": [failed[0].pk], "index": 0},
            follow=True,
        )
    assert "3 thông báo sẽ được gửi lại." in response.content.decode()
    assert len(mailoutbox) == 3
    assert set(Notification.objects.filter(pk__in=[r.pk for r in failed]).values_list("status", flat=True)) == {
        Status.SENT
    }
    other.refresh_from_db()
    assert other.status == Status.PENDING
