"""The receipt and appointment (form 01) as an e-mail attachment, for the outbox (``notifications.registry``)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def receipt_attachment(notification) -> tuple[str, bytes, str] | None:
    """Form 01 of the notification's dossier as a PDF, or ``None`` (logged) when it cannot be made: the e-mail
    goes anyway, the receipt can be printed from the lookup page."""
    from dossiers.slips.context import dossier_for_slips
    from dossiers.slips.render import render_pdf, slip_filename

    dossier = dossier_for_slips(notification.dossier_id) if notification.dossier_id else None
    if dossier is None or not dossier.code:
        return None
    try:
        return slip_filename(dossier, "01", "pdf"), render_pdf(dossier, "01"), "application/pdf"
    except Exception:
        logger.exception("could not render the receipt (form 01) of dossier %s", dossier.pk)
        return None
