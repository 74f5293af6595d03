"""Printed slips over the API: forms 01–06 of a dossier (PDF and printable HTML) and a centre's register (form 07).

``GET /api/dossiers/{id}/slips/{form}.pdf`` (and ``.html``): the form of a step that happened; the dossier is read
through ``selectors.dossier_get`` (outside the user's scope: 404), and a form whose step has not happened is a 404
``slip_not_available``. ``GET /api/centres/{agency_code}/register.xlsx`` (and ``.csv``) ``?from=&to=``: the
tracking register of a centre, for its reception officers, the province office and administrators (others: 404).

The file is the answer whatever ``Accept`` asks for; errors are JSON ``{"code", "detail"}`` like everywhere else.
Slips hold personal data: ``Cache-Control: private, no-store``.
"""

from __future__ import annotations

import re
from datetime import date

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from communes.models import ServiceCentre
from dossiers import selectors
from dossiers.slips import register
from dossiers.slips.context import FORMS
from dossiers.slips.render import SLIP_POLICY, render_html, render_pdf, slip_filename
from portal.common.errors import InvalidInput
from portal.common.openapi import ERROR_REF

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRIVATE = "private, no-store"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FileOrJsonNegotiation(BaseContentNegotiation):
    """These views answer with a file whatever ``Accept`` says (no 406), and errors with JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _file(content: bytes | str, content_type: str, filename: str, *, attachment: bool = False) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = PRIVATE
    return response


FORM = OpenApiParameter(
    "form",
    str,
    OpenApiParameter.PATH,
    enum=list(FORMS),
    description="01 tiếp nhận và hẹn trả; 02 yêu cầu bổ sung; 03 từ chối tiếp nhận; 04 xin lỗi và hẹn lại; "
    "05 dừng xử lý; 06 phiếu kiểm soát",
)
DOSSIER_ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
NOT_AVAILABLE = OpenApiResponse(
    ERROR_REF, description="unknown or out-of-scope dossier, or the form's step has not happened (slip_not_available)"
)
PDF_UNAVAILABLE = OpenApiResponse(ERROR_REF, description="the PDF renderer is not installed (pdf_unavailable)")


class _SlipView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileOrJsonNegotiation

    def _dossier(self, request, dossier_id: int):
        return selectors.dossier_get(user=request.user, dossier_id=int(dossier_id))


class DossierSlipPdfView(_SlipView):
    @extend_schema(
        operation_id="dossier_slip_pdf",
        summary="Phiếu (mẫu 01–06) của hồ sơ, PDF",
        parameters=[DOSSIER_ID, FORM],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the slip, A4"),
            404: NOT_AVAILABLE,
            503: PDF_UNAVAILABLE,
        },
        tags=["dossiers"],
    )
    def get(self, request, id: str, form: str):
        dossier = self._dossier(request, id)
        content = render_pdf(dossier, form)
        return _file(content, "application/pdf", slip_filename(dossier, form, "pdf"))


class DossierSlipHtmlView(_SlipView):
    @extend_schema(
        operation_id="dossier_slip_html",
        summary="Phiếu (mẫu 01–06) của hồ sơ, trang in (HTML, khổ A4)",
        parameters=[DOSSIER_ID, FORM],
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="the printable page"),
            404: NOT_AVAILABLE,
        },
        tags=["dossiers"],
    )
    def get(self, request, id: str, form: str):
        dossier = self._dossier(request, id)
        response = _file(
            render_html(dossier, form, screen=True), "text/html; charset=utf-8", slip_filename(dossier, form, "html")
        )
        response["Content-Security-Policy"] = SLIP_POLICY
        return response


# --- Form 07: the register -------------------------------------------------------------------------------


def _date_param(request, name: str) -> date:
    raw = request.query_params.get(name, "").strip()
    message = _("Ngày không hợp lệ: cần dạng YYYY-MM-DD, ví dụ 2026-12-01.")
    if not raw:
        message = _("Thiếu ngày (dạng YYYY-MM-DD).")
    else:
        try:
            # the calendar's last year is refused: the day after a period's end must exist (else a 500)
            if _DATE.match(raw) and (value := date.fromisoformat(raw)).year < date.max.year:
                return value
        except ValueError:
            pass
    raise InvalidInput(message, code="invalid_date", extra={"fields": {name: [message]}})


def _period(request) -> tuple[date, date]:
    date_from, date_to = _date_param(request, "from"), _date_param(request, "to")
    if date_to < date_from:
        message = _("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.")
        raise InvalidInput(message, code="invalid_range", extra={"fields": {"to": [message]}})
    if (date_to - date_from).days + 1 > register.MAX_DAYS:
        message = _("Khoảng thời gian tối đa %(days)d ngày.") % {"days": register.MAX_DAYS}
        raise InvalidInput(message, code="range_too_long", extra={"fields": {"to": [message]}})
    return date_from, date_to


PERIOD = [
    OpenApiParameter("from", OpenApiTypes.DATE, OpenApiParameter.QUERY, required=True, description="YYYY-MM-DD"),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        required=True,
        description=f"YYYY-MM-DD, included; at most {register.MAX_DAYS} days from `from`",
    ),
]
REGISTER_ERRORS = {
    400: OpenApiResponse(ERROR_REF, description="missing or malformed dates, or a range too long"),
    404: OpenApiResponse(ERROR_REF, description="unknown centre, or not one whose register the user may read"),
}


def _register_name(centre: ServiceCentre, date_from: date, date_to: date, extension: str) -> str:
    return f"so-theo-doi-{centre.agency_code}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.{extension}"


class CentreRegisterXlsxView(_SlipView):
    @extend_schema(
        operation_id="centre_register_xlsx",
        summary="Sổ theo dõi hồ sơ (mẫu 07) của trung tâm, XLSX",
        parameters=PERIOD,
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="the register"), **REGISTER_ERRORS},
        tags=["centres"],
    )
    def get(self, request, agency_code: str):
        centre = selectors.register_centre_for(user=request.user, agency_code=agency_code)
        date_from, date_to = _period(request)
        content = register.register_xlsx(centre, date_from, date_to)
        return _file(content, XLSX, _register_name(centre, date_from, date_to, "xlsx"), attachment=True)


class CentreRegisterCsvView(_SlipView):
    @extend_schema(
        operation_id="centre_register_csv",
        summary="Sổ theo dõi hồ sơ (mẫu 07) của trung tâm, CSV (UTF-8 có BOM)",
        parameters=PERIOD,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="the register, one header row"),
            **REGISTER_ERRORS,
        },
        tags=["centres"],
    )
    def get(self, request, agency_code: str):
        centre = selectors.register_centre_for(user=request.user, agency_code=agency_code)
        date_from, date_to = _period(request)
        content = register.register_csv(centre, date_from, date_to)
        return _file(
            content, "text/csv; charset=utf-8", _register_name(centre, date_from, date_to, "csv"), attachment=True
        )
