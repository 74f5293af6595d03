"""Side effects of dossier actions, scheduled after commit. Thin and safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

#: Actions the applicant is told about by e-mail (when they gave an address). Translated when sent.
NOTIFIED = {
    "file": gettext_noop("Hồ sơ đã được gửi, chờ tiếp nhận"),
    "receive": gettext_noop("Hồ sơ đã được tiếp nhận"),
    "receive_at_counter": gettext_noop("Hồ sơ đã được tiếp nhận"),
    "refuse": gettext_noop("Hồ sơ không được tiếp nhận"),
    "request_supplement": gettext_noop("Yêu cầu bổ sung hồ sơ"),
    "request_payment": gettext_noop("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "stop": gettext_noop("Dừng xử lý hồ sơ"),
    "decide": gettext_noop("Hồ sơ đã có kết quả"),
    "extend": gettext_noop("Thư xin lỗi và hẹn lại ngày trả kết quả"),
}
#: Actions whose e-mail carries the receipt and appointment (form 01) as a PDF.
WITH_RECEIPT = {"receive", "receive_at_counter"}
#: How long a sent notification is remembered, so that a task delivered twice sends one e-mail.
SENT_MEMORY_SECONDS = 7 * 24 * 3600


def _sent_key(dossier, action: str) -> str | None:
    """One key per occurrence of ``action``: its latest audit event, under the dossier's random reference (ids
    alone repeat when a database is recreated, e.g. the test database, while the cache remembers)."""
    events = [event for event in dossier.events.all() if event.action == action]
    if not events:
        return None
    return f"dossiers:notified:{dossier.reference}:{action}:{events[-1].pk}"


def _claim(key: str | None) -> bool:
    """Whether this run should send (the first to claim ``key``); without a usable cache, send."""
    if key is None:
        return True
    try:
        return bool(cache.add(key, 1, SENT_MEMORY_SECONDS))
    except Exception:  # the cache is down: better a second e-mail than none
        logger.warning("notification de-duplication unavailable (cache error)", exc_info=True)
        return True


def _release(key: str | None) -> None:
    if key is None:
        return
    try:
        cache.delete(key)
    except Exception:
        logger.warning("could not release notification key %s", key, exc_info=True)


def _receipt(dossier) -> tuple[str, bytes] | None:
    """Form 01 as a PDF attachment, or ``None`` (logged) when it cannot be made: the e-mail goes anyway."""
    from dossiers.slips.render import render_pdf, slip_filename

    try:
        return slip_filename(dossier, "01", "pdf"), render_pdf(dossier, "01")
    except Exception:
        logger.exception("could not render the receipt (form 01) of dossier %s", dossier.pk)
        return None


def _message(dossier, action: str, subject: str) -> EmailMessage:
    from dossiers.slips.context import lookup_url, moment_text

    reference = dossier.code or dossier.reference
    lines = [_("Hồ sơ %(reference)s: %(state)s.") % {"reference": reference, "state": dossier.get_state_display()}]
    if action in WITH_RECEIPT and dossier.due_at:
        lines.append(_("Thời gian hẹn trả kết quả: %(when)s.") % {"when": moment_text(dossier.due_at)})
        lines.append(_("Giấy tiếp nhận hồ sơ và hẹn trả kết quả được gửi kèm thư này."))
    lines.append(_("Tra cứu tình trạng hồ sơ: %(url)s") % {"url": lookup_url(dossier)})
    message = EmailMessage(f"[{reference}] {_(subject)}", "\n".join(lines), None, [dossier.applicant_email])
    if action in WITH_RECEIPT:
        receipt = _receipt(dossier)
        if receipt is not None:
            message.attach(receipt[0], receipt[1], "application/pdf")
    return message


#: A send that fails on the network (SMTP refused or unreachable: ``OSError``, which ``smtplib.SMTPException`` is) is
#: retried by Celery with exponential back-off — 30 s, 1 min, 2 min … at most an hour apart, eight times (~4 h).
NOTIFY_RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="dossiers.notify", ignore_result=True, **NOTIFY_RETRY)
def dossier_notify(dossier_id: int, action: str) -> None:
    """E-mail the applicant about ``action``; on reception, with the receipt (form 01) attached.

    Safe to run twice: an occurrence already notified (remembered in the cache by its audit event) is skipped; a
    failed send forgets the claim and raises, and Celery retries it (``NOTIFY_RETRY``), so the retry sends it.
    """
    from dossiers.slips.context import dossier_for_slips

    subject = NOTIFIED.get(action)
    if subject is None:
        return
    dossier = dossier_for_slips(dossier_id)
    if dossier is None or not dossier.applicant_email:
        return
    key = _sent_key(dossier, action)
    if not _claim(key):
        logger.info("dossier %s already notified of %s", dossier_id, action)
        return
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _message(dossier, action, subject).send(fail_silently=False)
    except Exception:
        _release(key)
        raise
    logger.info("notified dossier %s of %s", dossier_id, action)


@shared_task(name="dossiers.documents_sweep", ignore_result=True)
def documents_sweep(margin_hours: float = 24) -> int:
    """Nightly: delete private files no document points to, older than ``margin_hours`` (``dossiers.files``)."""
    from datetime import timedelta

    from dossiers.files import documents_sweep as sweep

    report = sweep(margin=timedelta(hours=margin_hours))
    logger.info("document sweep: %d files, %d orphans deleted", report.files, len(report.orphans))
    return len(report.orphans)
