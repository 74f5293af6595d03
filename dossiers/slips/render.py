"""Slips as printable HTML (Django templates, A4 print stylesheet) and PDF (WeasyPrint), with a QR code (segno).

The QR code is an inline SVG data URI: nothing is fetched while rendering (the PDF renderer may only read
``data:`` URIs), so a slip renders the same offline and cannot be made to request anything.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from dossiers.models import Dossier
from dossiers.slips.context import FORMS, slip_context
from portal.common.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

#: The Content-Security-Policy of a slip shown as a page (the API's HTML slip, the guidance slip, the receipts printed
#: together): a standalone A4 document. Its styles are inline — the same HTML makes the PDF, and a saved slip must
#: print alike — so ``style-src`` allows them (the slip holds only escaped text, and runs no inline script); its QR
#: code is a ``data:`` image; its one script is the print button's file (``static/js/print.js``). Nothing else
#: loads, it posts nowhere, and nobody frames it.
SLIP_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
#: The same slip inside the desk's slip page (``?khung=1``): no button, so no script; framed by this site only.
SLIP_FRAME_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)


class PdfUnavailable(ServiceUnavailable):
    code = "pdf_unavailable"
    default_detail = gettext_lazy("Chưa tạo được bản PDF của phiếu (máy chủ thiếu thư viện Pango); hãy dùng bản HTML.")


def qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI, sized by the stylesheet (4-module quiet zone included)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(border=4, omitsize=True)


def slip_filename(dossier: Dossier, form_number: str, extension: str) -> str:
    code = dossier.public_code.replace("/", "-")
    return f"mau-{form_number}-{FORMS[form_number].slug}-{code}.{extension}"


def render_html(dossier: Dossier, form_number: str, *, screen: bool = False) -> str:
    """The slip as a standalone HTML page. ``screen`` adds a print button (not in the PDF)."""
    context = slip_context(dossier, form_number)
    context["qr"] = qr_data_uri(context["lookup_url"])
    context["screen"] = screen
    return render_to_string(context["form"].template, context)


def render_html_many(dossiers: list[Dossier], form_number: str, *, screen: bool = False, skipped=()) -> str:
    """The same form of several dossiers as one printable page, each slip on its own sheet of paper. ``skipped``
    names dossiers left out (no such slip, or not the person's): said on screen, never printed."""
    pages = [render_html(dossier, form_number, screen=False) for dossier in dossiers]
    head = pages[0][: pages[0].index("</head>")]
    sheets = [page[page.index('<div class="sheet">') : page.rindex("</body>")] for page in pages]
    toolbar = render_to_string("slips/_many_toolbar.html", {"screen": screen, "count": len(pages), "skipped": skipped})
    style = "<style>.sheet + .sheet { break-before: page; page-break-before: always; }</style>"
    return f"{head}{style}</head>\n<body>\n{toolbar}{''.join(sheets)}</body>\n</html>\n"


@lru_cache(maxsize=1)
def _weasyprint():
    try:
        import weasyprint
    except OSError as exc:  # Pango (libpango-1.0, libpangoft2-1.0) is not installed
        logger.error("WeasyPrint cannot load Pango: %s", exc)
        raise PdfUnavailable() from exc
    return weasyprint


def render_pdf(dossier: Dossier, form_number: str) -> bytes:
    """The slip as PDF bytes (fonts embedded: DejaVu Sans covers Vietnamese)."""
    return pdf_of_html(render_html(dossier, form_number))


def pdf_of_html(html: str) -> bytes:
    """A self-contained HTML page (no fetch but ``data:``) as PDF bytes; ``PdfUnavailable`` without Pango."""
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher)
    return document.write_pdf()
