"""Printed slips of Circular 03/2025/TT-VPCP (DOMAIN.md §5): forms 01–06 of one dossier and the tracking register.

* :mod:`dossiers.slips.context` — which step makes which form available, and each form's context, read from the
  dossier and its related rows (events, pauses, control-slip rows, components received);
* :mod:`dossiers.slips.render` — printable HTML (Django templates under ``templates/slips/``, an A4 print
  stylesheet) and PDF (WeasyPrint), with the dossier code as a QR code (segno) linking to the public lookup page;
* :mod:`dossiers.slips.register` — form 07, the tracking register of a centre for a date range, as XLSX and CSV.
"""

from dossiers.slips.context import FORMS, SlipNotAvailable, available_forms, slip_context
from dossiers.slips.render import render_html, render_pdf

__all__ = ["FORMS", "SlipNotAvailable", "available_forms", "render_html", "render_pdf", "slip_context"]
