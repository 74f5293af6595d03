"""``/api/stats/…``: the province dashboard's numbers, with one set of filters (the page is a thin client of it).

``period`` = ``today`` | ``week`` | ``month`` | ``quarter`` | ``year`` (the current one, up to today) | ``custom`` with
``from`` and ``to`` (ISO dates, at most 5 years); ``unit`` (processing unit key), ``commune`` (its code: its
committee), ``field`` (slug), ``level`` (``commune`` | ``provincial``), ``area`` (former province). The province office
and administrators see the whole province, a unit's leader their units; a portfolio narrows further; anyone else
gets 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.selectors.cohort import TRANSITIONAL
from portal.common.openapi import ERROR_REF
from procedures.models import Level
from stats import decision766, selectors
from stats.models import Area
from stats.scope import PERIODS, filters_from, invalid
from stats.services import refresh_if_stale

RESPONSES = {
    200: OpenApiTypes.OBJECT,
    400: OpenApiResponse(ERROR_REF, description="invalid filters"),
    403: OpenApiResponse(ERROR_REF, description="no dashboard for this person"),
}

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


def filters_of(request) -> selectors.Filters:
    return filters_from(request.query_params, request.user)


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
            raise invalid("by", _("Hãy chọn cách chia: commune, department, area, field, level hoặc unit."))
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
            raise invalid("by", _("Hãy chọn cách xếp hạng: commune hoặc department."))
        filters = filters_of(request)
        return self.envelope(filters, {"by": by, "rows": decision766.ranking(filters, by)})
