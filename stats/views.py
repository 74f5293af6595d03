"""The province dashboard page (``/so-lieu/``) and its exports.

The page is a thin client of ``/api/stats/…``: it renders the filter form, the empty tables and the places of the
charts; ``static/js/dashboard.js`` asks the API with the page's filters and fills them in, with each number linked to
the desk's list of the dossiers behind it. The exports (CSV, XLSX, the Decision 766 panel as PDF) are built from
the same selectors with the same filters and scope. Who may open it: the province office, the administrators and
units' leaders (their units), narrowed by their portfolio; anyone else gets the 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dossiers.selectors.cohort import MEASURE_LABELS, TRANSITIONAL
from dossiers.selectors.queues import ALL
from portal.common.errors import Forbidden, InvalidInput
from procedures.models import Level
from stats import exports, selectors
from stats.models import Area
from stats.scope import PERIODS, filters_from, portfolio_of, scope_of
from stats.services import refresh_if_stale

PERIOD_LABELS = {
    "today": gettext_lazy("Hôm nay"),
    "week": gettext_lazy("Tuần này"),
    "month": gettext_lazy("Tháng này"),
    "quarter": gettext_lazy("Quý này"),
    "year": gettext_lazy("Năm nay"),
    "custom": gettext_lazy("Từ ngày … đến ngày …"),
}


def _dashboard_view(view):
    def wrapped(request, *args, **kwargs):
        try:
            scope_of(request.user)
        except Forbidden:
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(login_required(wrapped, login_url="login"))


def _filters(request) -> selectors.Filters:
    """The page's filters; malformed ones are told and replaced by this month's, whole scope."""
    refresh_if_stale()
    try:
        return filters_from(request.GET, request.user)
    except InvalidInput as error:
        messages.error(request, error.detail)
        return filters_from({}, request.user)


def _texts() -> dict:
    """What the script writes, in the person's language."""
    labels = {name: str(label) for name, label in MEASURE_LABELS.items()}
    labels.update({name: str(label) for name, label in exports.DERIVED_LABELS.items()})
    return {
        "labels": labels,
        "by": {name: str(label) for name, label in exports.BREAKDOWN_LABELS.items()},
        "received": pgettext("measure", "Tiếp nhận"),
        "finished": _("Hoàn thành"),
        "onTime": _("Tỷ lệ trước và đúng hạn"),
        "week": _("Tuần từ"),
        "period": _("Kỳ"),
        "asOf": _("Số liệu tính đến"),
        "none": _("Không có số liệu trong kỳ này."),
        "error": _("Chưa tải được số liệu. Kiểm tra kết nối rồi bấm “Xem” để thử lại."),
        "loading": _("Đang tải số liệu…"),
        "rank": _("Hạng"),
        "unit": _("Đơn vị"),
        "points": _("Điểm"),
        "computable": _("Điểm tính được"),
        "code": _("Mã"),
        "indicator": _("Chỉ số"),
        "numerator": _("Tử số"),
        "denominator": _("Mẫu số"),
        "rate": _("Tỷ lệ / giá trị"),
        "threshold": _("Ngưỡng"),
        "notHere": _("Không tính được ở đây"),
        "partial": _("Tính được một phần"),
        "noPoints": _("không tính điểm"),
        "days": _("ngày"),
        "of": _("trên"),
        "total": _("Tổng điểm tính được"),
        "outOf100": _("trên thang 100; phần còn lại không tính được từ hồ sơ của hệ thống"),
        "dossiersOf": _("Xem các hồ sơ"),
        "chartWeekly": _("Biểu đồ hồ sơ tiếp nhận và hoàn thành theo tuần"),
        "chartTrend": _("Biểu đồ tỷ lệ trước và đúng hạn theo tuần"),
        "chartBreakdown": _("Biểu đồ tỷ lệ trước và đúng hạn"),
        "shown": _("Biểu đồ: 10 dòng đầu và 10 dòng cuối của bảng"),
        "lang": "en" if (get_language() or "vi").startswith("en") else "vi",
    }


@_dashboard_view
@require_http_methods(["GET", "HEAD"])
def dashboard(request):
    filters = _filters(request)
    units, fields = scope_of(request.user)
    unit_choices, field_choices = selectors.filter_choices(units, fields)
    portfolio = portfolio_of(request.user)
    period = request.GET.get("period") or "month"
    return render(
        request,
        "stats/dashboard.html",
        {
            "filters": filters,
            "period": period if period in PERIODS else "month",
            "periods": [(value, PERIOD_LABELS[value]) for value in PERIODS],
            "units": unit_choices,
            "fields": field_choices,
            "levels": Level.choices,
            "areas": Area.choices,
            "chosen": {name: request.GET.get(name, "") for name in ("unit", "field", "level", "area", "transitional")},
            "transitional_choices": list(TRANSITIONAL.items()),
            "whole_province": units is None,
            "portfolio": portfolio,
            "breakdowns": list(exports.BREAKDOWN_LABELS.items()),
            "rankings": [("commune", _("Xã, phường")), ("department", _("Sở, ngành và cơ quan cấp tỉnh"))],
            "scope_label": selectors.scope_label(filters),
            "texts": _texts(),
            "dossiers_url": reverse("desk-queue", kwargs={"queue": ALL}),
            "query": request.GET.urlencode(),
            "not_official": exports.NOT_OFFICIAL,
        },
    )


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@_dashboard_view
@require_http_methods(["GET", "HEAD"])
def export(request, table: str, fmt: str):
    """One table as ``fmt`` (``csv`` | ``xlsx``) with the page's filters (``by`` for a breakdown or a ranking)."""
    if table not in exports.TABLES or fmt not in CONTENT_TYPES:
        raise Http404
    filters = _filters(request)
    try:
        data = exports.table(table, filters, request.GET.get("by", ""))
    except ValueError:
        raise Http404 from None
    body = exports.as_csv(data) if fmt == "csv" else exports.as_xlsx(data)
    by = request.GET["by"] if table in ("breakdown", "ranking") else ""  # validated by exports.table
    name = "-".join(part for part in ("so-lieu", table, by, str(filters.date_from), str(filters.date_to)) if part)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@_dashboard_view
@require_http_methods(["GET", "HEAD"])
def panel_pdf(request):
    """The Decision 766 panel of the page's filters on one page."""
    filters = _filters(request)
    body = exports.panel_pdf(filters, selectors.scope_label(filters))
    response = HttpResponse(body, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'inline; filename="chi-so-766-{filters.date_from}-{filters.date_to}-{stamp}.pdf"'
    return response
