"""Periodic work on dossiers (declared once, in ``CELERY_BEAT_SCHEDULE``). Thin and safe to run twice.

The applicant's notices are not tasks of their own: each step writes them to the outbox in its transaction, and
``notifications.deliver`` sends them (``dossiers.services.notices``, ``notifications.services``)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="dossiers.sweep_deadlines", ignore_result=True, acks_late=True)
def sweep_deadlines() -> dict:
    """Every 5 minutes: due soon, overdue, escalation, not transferred, supplement reminders
    (``dossiers.services.reminders``).
    Two of these at once are safe: batches are claimed with SKIP LOCKED and every reminder's key is unique."""
    from dossiers.services.reminders import sweep_deadlines as sweep

    report = sweep()
    return {"scanned": report.scanned, "created": dict(report.created), "cancelled": report.cancelled}


@shared_task(name="dossiers.daily_digest", ignore_result=True, acks_late=True)
def daily_digest() -> dict:
    """07:30 on working days: the digest to unit leaders and the province office (``dossiers.services.digest``)."""
    from dossiers.services.digest import daily_digest as digest

    return digest()


@shared_task(name="dossiers.documents_sweep", ignore_result=True)
def documents_sweep(margin_hours: float = 24) -> int:
    """Nightly: delete private files no document points to, older than ``margin_hours`` (``dossiers.files``)."""
    from datetime import timedelta

    from dossiers.files import documents_sweep as sweep

    report = sweep(margin=timedelta(hours=margin_hours))
    logger.info("document sweep: %d files, %d orphans deleted", report.files, len(report.orphans))
    return len(report.orphans)


@shared_task(name="dossiers.drafts_sweep", ignore_result=True)
def drafts_sweep() -> int:
    """Nightly: delete online-filing drafts untouched for ``DRAFT_MAX_AGE_DAYS``, with their files
    (``dossiers.services.drafts``; also ``manage.py drafts_sweep``)."""
    from dossiers.services.drafts import drafts_sweep as sweep

    deleted = sweep()
    logger.info("drafts sweep: %d drafts deleted", deleted)
    return deleted
