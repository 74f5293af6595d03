"""``GET /api/procedures/{code}/appointment-estimate``: when would a dossier received now (or then) be due?

The estimate uses the procedure version in force on the reception date, its stated processing time in the unit the
source states (DOMAIN.md §4), and the working calendar the administrator configured.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.common.errors import InvalidInput, NoProcessingTime, NotFound
from portal.common.text import nfc
from procedures.calendar import working_calendar
from procedures.models import ProcedureVersion, TimeUnit
from procedures.selectors import procedure_version_in_force
from procedures.worktime import TIMEZONE, WORKING_HOURS, working_hours_for

# Years the estimate accepts: the holidays package and the calendar make sense there; outside it is a typo.
MIN_YEAR, MAX_YEAR = 2000, 2099

# In a query string an unencoded "+" arrives as a space: "2026-03-02T07:00:00 07:00" means "+07:00".
_SPACED_OFFSET = re.compile(r"^(?P<stamp>.*\d)\s(?P<offset>\d{2}(?::?\d{2})?)$")


class AppointmentEstimateSerializer(serializers.Serializer):
    procedure = serializers.CharField(help_text=gettext_lazy("Mã thủ tục."))
    received_at = serializers.DateTimeField(
        default_timezone=TIMEZONE, help_text=gettext_lazy("Thời điểm tiếp nhận (giờ Việt Nam, +07:00).")
    )
    working_hours = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=gettext_lazy("Thời hạn quy ra giờ làm việc; null khi thời hạn tính theo ngày lịch hoặc tháng."),
    )
    time_value = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, help_text=gettext_lazy("Thời hạn giải quyết.")
    )
    time_unit = serializers.ChoiceField(choices=TimeUnit.choices, help_text=gettext_lazy("Đơn vị thời hạn."))
    due_at = serializers.DateTimeField(
        default_timezone=TIMEZONE, help_text=gettext_lazy("Thời điểm hẹn trả kết quả (giờ Việt Nam, +07:00).")
    )


_ERROR = inline_serializer(
    name="EstimateError", fields={"code": serializers.CharField(), "detail": serializers.CharField()}
)


def _invalid_received_at(message: str) -> InvalidInput:
    """400 in the project's shape (``fields``), keeping the ``field`` key clients of this endpoint already read."""
    return InvalidInput(message, extra={"field": "received_at", "fields": {"received_at": [message]}})


def parse_received_at(raw: str | None) -> datetime:
    """The reception moment from the query string, as an aware Asia/Ho_Chi_Minh datetime; now when absent.

    ISO 8601: with an offset (``+07:00``, ``Z``) it is converted; without one it is read as Vietnam time. A date alone
    means 00:00 of that day. Anything else is a 400 in Vietnamese.
    """
    text = nfc(raw or "")
    if not text:
        return timezone.now().astimezone(TIMEZONE)
    value = _parse_iso(text)
    if value is None:
        spaced = _SPACED_OFFSET.match(text)
        if spaced:
            value = _parse_iso(f"{spaced['stamp']}+{spaced['offset']}")
    if value is None:
        raise _invalid_received_at(
            _(
                "Thời điểm tiếp nhận (received_at) không hợp lệ: cần theo định dạng ISO 8601, "
                "ví dụ 2026-03-02T07:30:00+07:00."
            )
        )
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise _invalid_received_at(
            _("Thời điểm tiếp nhận (received_at) phải nằm trong các năm từ %(min)s đến %(max)s.")
            % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    if timezone.is_naive(value):
        return value.replace(tzinfo=TIMEZONE)
    return value.astimezone(TIMEZONE)


def _parse_iso(text: str) -> datetime | None:
    try:
        return parse_datetime(text)
    except ValueError:  # well formed but impossible, e.g. month 13
        return None


def stated_time(version: ProcedureVersion) -> tuple[Decimal, str]:
    """The processing time as ``(value, unit)``: the stated one, else the stored working hours; 422 when neither."""
    if version.time_value is not None and version.time_unit:
        return version.time_value, version.time_unit
    if version.working_hours is not None:
        return Decimal(version.working_hours), WORKING_HOURS
    raise NoProcessingTime()


class AppointmentEstimateView(APIView):
    """The appointment (due) moment for a dossier of procedure ``code`` received at ``received_at``."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="procedure_appointment_estimate",
        summary=gettext_lazy("Ước tính thời điểm hẹn trả kết quả"),
        description=gettext_lazy(
            "Tính thời điểm hẹn trả kết quả của hồ sơ tiếp nhận vào `received_at` theo thời hạn giải quyết của thủ "
            "tục và lịch làm việc (07:00–11:30, 13:30–17:00, trừ ngày nghỉ, lễ, Tết; tính cả ngày làm bù). "
            "Thời hạn theo ngày lịch hoặc tháng kết thúc vào cuối ngày làm việc tiếp theo nếu ngày cuối là ngày nghỉ."
        ),
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=gettext_lazy("Mã thủ tục, ví dụ 1.001193.")
            ),
            OpenApiParameter(
                "received_at",
                OpenApiTypes.DATETIME,
                OpenApiParameter.QUERY,
                required=False,
                description=gettext_lazy(
                    "Thời điểm tiếp nhận theo ISO 8601; mặc định là hiện tại; "
                    "không có múi giờ thì hiểu là giờ Việt Nam."
                ),
                examples=[OpenApiExample("Giờ Việt Nam", value="2026-03-02T07:30:00+07:00")],
            ),
        ],
        responses={
            200: AppointmentEstimateSerializer,
            400: OpenApiResponse(_ERROR, description=gettext_lazy("received_at không hợp lệ.")),
            404: OpenApiResponse(_ERROR, description=gettext_lazy("Không có thủ tục có hiệu lực với mã này.")),
            422: OpenApiResponse(_ERROR, description=gettext_lazy("Thủ tục chưa có thời hạn giải quyết.")),
        },
    )
    def get(self, request, code: str) -> Response:
        received_at = parse_received_at(request.query_params.get("received_at"))
        code = nfc(code)
        try:
            version = procedure_version_in_force(code=code, on=received_at.date())
        except NotFound:
            raise NotFound(
                _("Không tìm thấy thủ tục có mã %(code)s có hiệu lực vào ngày %(date)s.")
                % {"code": code, "date": f"{received_at:%d/%m/%Y}"}
            ) from None
        time_value, time_unit = stated_time(version)
        try:
            due_at = working_calendar().due_moment(received_at, time_value=time_value, time_unit=time_unit)
            hours = working_hours_for(time_value=time_value, time_unit=time_unit)
        except (TypeError, ValueError):
            raise NoProcessingTime(
                _("Thời hạn giải quyết của thủ tục này không hợp lệ (%(value)s %(unit)s) nên chưa thể tính ngày hẹn.")
                % {"value": time_value, "unit": time_unit},
                code="invalid_processing_time",
            ) from None
        body = AppointmentEstimateSerializer(
            {
                "procedure": version.procedure.code,
                "received_at": received_at,
                "working_hours": hours,
                "time_value": time_value,
                "time_unit": time_unit,
                "due_at": due_at,
            }
        ).data
        return Response(body)
