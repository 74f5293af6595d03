"""``/api/stats/…``: the province dashboard's numbers, with one set of filters (the page is a thin client of it).

``period`` = ``today`` | ``week`` | ``month`` | ``quarter`` | ``year`` (the current one, up to today) | ``custom`` with
``from`` and ``to`` (ISO dates, at most 5 years); ``unit`` (processing unit key), ``commune`` (its code: its
committee), ``field`` (slug), ``level`` (``commune`` | ``provincial``), ``area`` (former province). The province office
and administrators see the whole province, a unit's leader their units; a portfolio narrows further; anyone else
gets 403.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from communes.models import ProcessingUnit
from dossiers.selectors import access_for
from dossiers.selectors.cohort import TRANSITIONAL
from portal.common.errors import Forbidden, InvalidInput
from portal.common.openapi import ERROR_REF
from procedures.models import Level, ProcedureField
from stats import decision766, selectors
from stats.models import Area, Portfolio
from stats.services import refresh_if_stale

RESPONSES = {
    200: OpenApiTypes.OBJECT,
    400: OpenApiResponse(ERROR_REF, description="invalid filters"),
    403: OpenApiResponse(ERROR_REF, description="no dashboard for this person"),
}
PERIODS = ("today", "week", "month", "quarter", "year", "custom")
MAX_DAYS = 5 * 366

PARAMETERS = [
    OpenApiParameter("period", str, enum=list(PERIODS), description="Kỳ số liệu (mặc định: month)"),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Từ ngày (period=custom)"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Đến ngày (period=custom)"),
    OpenApiParameter("unit", str, description="Đơn vị xử lý (khóa)"),
    OpenApiParameter("commune", str, description="Xã, phường (mã): UBND xã, phường đó"),
    OpenApiParameter("field", str, description="Lĩnh vực (mã)"),
    OpenApiParameter("level", str, enum=[value for value, _label in Level.choices]),
    OpenApiParameter("area", str, enum=[value for value, _label in Area.choices], description="Tỉnh cũ"),
    OpenApiParameter(
        "transitional", str, enum=list(TRANSITIONAL), description="Hồ sơ chuyển tiếp từ hệ thống cũ: chỉ / trừ"
    ),
]


def period_of(params, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    period = params.get("period") or "month"
    if period not in PERIODS:
        raise _invalid("period", _("Kỳ số liệu không hợp lệ."))
    if period == "today":
        return today, today
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    try:
        start, end = date.fromisoformat(params.get("from", "")), date.fromisoformat(params.get("to", ""))
    except ValueError:
        raise _invalid("from", _("Hãy ghi từ ngày và đến ngày (YYYY-MM-DD).")) from None
    if end < start or (end - start).days > MAX_DAYS:
        raise _invalid("to", _("Khoảng ngày không hợp lệ (tối đa 5 năm)."))
    return start, end


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, extra={"fields": {name: [message]}})


def scope_of(user) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """The units and fields ``user`` may see (``None``: all); ``Forbidden`` for anyone without a dashboard."""
    access = access_for(user)
    if access.sees_everything:
        units = None
    elif access.leader_units:
        units = frozenset(access.leader_units)
    else:
        raise Forbidden(_("Chỉ văn phòng UBND tỉnh, lãnh đạo đơn vị và quản trị viên xem được số liệu này."))
    fields = None
    portfolio = Portfolio.objects.filter(user_id=user.pk).prefetch_related("fields", "units").first()
    if portfolio is not None:
        chosen_units = {unit.pk for unit in portfolio.units.all()}
        chosen_fields = {item.pk for item in portfolio.fields.all()}
        if chosen_units:
            units = frozenset(chosen_units) if units is None else units & chosen_units
        if chosen_fields:
            fields = frozenset(chosen_fields)
    return units, fields


def filters_of(request) -> selectors.Filters:
    return filters_from(request.query_params, request.user)


def filters_from(params, user) -> selectors.Filters:
    """The filters of ``params`` (a query string's), within what ``user`` may see (``Forbidden``, ``InvalidInput``)."""
    date_from, date_to = period_of(params)
    units, fields = scope_of(user)
    if params.get("unit"):
        unit = ProcessingUnit.objects.filter(key=params["unit"]).values_list("pk", flat=True).first()
        if unit is None:
            raise _invalid("unit", _("Không có đơn vị xử lý này."))
        units = frozenset({unit}) if units is None else units & {unit}
    if params.get("commune"):
        unit = ProcessingUnit.objects.filter(commune__code=params["commune"]).values_list("pk", flat=True).first()
        if unit is None:
            raise _invalid("commune", _("Không có xã, phường với mã này."))
        units = frozenset({unit}) if units is None else units & {unit}
    if params.get("field"):
        field = ProcedureField.objects.filter(slug=params["field"]).values_list("pk", flat=True).first()
        if field is None:
            raise _invalid("field", _("Không có lĩnh vực này."))
        fields = frozenset({field}) if fields is None else fields & {field}
    level = params.get("level", "")
    if level and level not in Level.values:
        raise _invalid("level", _("Cấp không hợp lệ."))
    area = params.get("area", "")
    if area and area not in Area.values:
        raise _invalid("area", _("Tỉnh cũ không hợp lệ."))
    transitional = params.get("transitional", "")
    if transitional and transitional not in TRANSITIONAL:
        raise _invalid("transitional", _("Giá trị không hợp lệ (only hoặc exclude)."))
    return selectors.Filters(
        date_from, date_to, units=units, fields=fields, level=level, area=area, transitional=transitional
    )


class _StatsView(APIView):
    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refresh_if_stale()

    def envelope(self, filters: selectors.Filters, body: dict) -> Response:
        period = {"from": filters.date_from, "to": filters.date_to}
        return Response({"period": period, "as_of": selectors.as_of(), **body})


class SummaryView(_StatsView):
    @extend_schema(operation_id="stats_summary", parameters=PARAMETERS, responses=RESPONSES)
    def get(self, request):
        """Số liệu tổng hợp của kỳ: hồ sơ tiếp nhận trong kỳ và tình trạng của chúng."""
        filters = filters_of(request)
        return self.envelope(filters, {"totals": selectors.summary(filters)})


class BreakdownView(_StatsView):
    @extend_schema(
        operation_id="stats_breakdown",
        parameters=[*PARAMETERS, OpenApiParameter("by", str, enum=list(selectors.BREAKDOWNS), required=True)],
        responses=RESPONSES,
    )
    def get(self, request):
        """Số liệu theo xã, tỉnh cũ, lĩnh vực, cấp hoặc đơn vị xử lý, xếp theo tỷ lệ đúng hạn."""
        by = request.query_params.get("by", "")
        if by not in selectors.BREAKDOWNS:
            raise _invalid("by", _("Hãy chọn cách chia: commune, department, area, field, level hoặc unit."))
        filters = filters_of(request)
        return self.envelope(filters, {"by": by, "rows": selectors.breakdown(filters, by)})


class WeeklyView(_StatsView):
    @extend_schema(operation_id="stats_weekly", parameters=PARAMETERS, responses=RESPONSES)
    def get(self, request):
        """Theo tuần: hồ sơ tiếp nhận, đã xong và tỷ lệ đúng hạn."""
        filters = filters_of(request)
        return self.envelope(filters, {"weeks": selectors.weekly(filters)})


class Decision766View(_StatsView):
    @extend_schema(operation_id="stats_decision_766", parameters=PARAMETERS, responses=RESPONSES)
    def get(self, request):
        """Bảng chỉ số Quyết định 766/QĐ-TTg của kỳ, tính lại từ hồ sơ của hệ thống (không phải điểm chính thức):
        sáu nhóm, mỗi chỉ số với tử số, mẫu số, ngưỡng và điểm; chỉ số không tính được ở đây ghi rõ lý do."""
        filters = filters_of(request)
        return self.envelope(filters, {"panel": decision766.panel(filters)})


class Decision766RankingView(_StatsView):
    @extend_schema(
        operation_id="stats_decision_766_ranking",
        parameters=[*PARAMETERS, OpenApiParameter("by", str, enum=list(decision766.RANKINGS), required=True)],
        responses=RESPONSES,
    )
    def get(self, request):
        """Xếp hạng các xã, phường (by=commune) hoặc các sở, ngành (by=department) theo điểm Quyết định 766 tính
        được ở đây."""
        by = request.query_params.get("by", "")
        if by not in decision766.RANKINGS:
            raise _invalid("by", _("Hãy chọn cách xếp hạng: commune hoặc department."))
        filters = filters_of(request)
        return self.envelope(filters, {"by": by, "rows": decision766.ranking(filters, by)})
