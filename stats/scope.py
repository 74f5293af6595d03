"""Who may see which figures, and the filters of a request (``period``, ``from``/``to``, ``unit``, ``commune``,
``field``, ``level``, ``area``, ``transitional``), shared by the API (``stats.api.views``), the dashboard page and its
exports (``stats.views``). The province office and administrators see the whole province, a unit's leader their
units; a portfolio narrows further; anyone else gets ``Forbidden``; a malformed filter is ``InvalidInput``."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from communes.selectors import commune_committee_by_code, processing_unit_by_key
from dossiers.selectors import access_for
from dossiers.selectors.cohort import TRANSITIONAL
from portal.common.errors import Forbidden, InvalidInput
from procedures.models import Level
from procedures.selectors import field_by_slug
from stats import selectors
from stats.models import Area, Portfolio

PERIODS = ("today", "week", "month", "quarter", "year", "custom")
MAX_DAYS = 5 * 366


def portfolio_of(user) -> Portfolio | None:
    return Portfolio.objects.filter(user_id=user.pk).prefetch_related("fields", "units").first()


def period_of(params, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    period = params.get("period") or "month"
    if period not in PERIODS:
        raise invalid("period", _("Kỳ số liệu không hợp lệ."))
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
        if date.max.year in (start.year, end.year):  # no month after December 9999 to count up to (else a 500)
            raise ValueError
    except ValueError:
        raise invalid("from", _("Hãy ghi từ ngày và đến ngày (YYYY-MM-DD).")) from None
    if end < start or (end - start).days > MAX_DAYS:
        raise invalid("to", _("Khoảng ngày không hợp lệ (tối đa 5 năm)."))
    return start, end


def invalid(name: str, message: str) -> InvalidInput:
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
    portfolio = portfolio_of(user)
    if portfolio is not None:
        chosen_units = {unit.pk for unit in portfolio.units.all()}
        chosen_fields = {item.pk for item in portfolio.fields.all()}
        if chosen_units:
            units = frozenset(chosen_units) if units is None else units & chosen_units
        if chosen_fields:
            fields = frozenset(chosen_fields)
    return units, fields


def filters_from(params, user) -> selectors.Filters:
    """The filters of ``params`` (a query string's), within what ``user`` may see (``Forbidden``, ``InvalidInput``)."""
    date_from, date_to = period_of(params)
    units, fields = scope_of(user)
    if params.get("unit"):
        unit = getattr(processing_unit_by_key(params["unit"]), "pk", None)
        if unit is None:
            raise invalid("unit", _("Không có đơn vị xử lý này."))
        units = frozenset({unit}) if units is None else units & {unit}
    if params.get("commune"):
        unit = getattr(commune_committee_by_code(params["commune"]), "pk", None)
        if unit is None:
            raise invalid("commune", _("Không có xã, phường với mã này."))
        units = frozenset({unit}) if units is None else units & {unit}
    if params.get("field"):
        field = getattr(field_by_slug(params["field"]), "pk", None)
        if field is None:
            raise invalid("field", _("Không có lĩnh vực này."))
        fields = frozenset({field}) if fields is None else fields & {field}
    level = params.get("level", "")
    if level and level not in Level.values:
        raise invalid("level", _("Cấp không hợp lệ."))
    area = params.get("area", "")
    if area and area not in Area.values:
        raise invalid("area", _("Tỉnh cũ không hợp lệ."))
    transitional = params.get("transitional", "")
    if transitional and transitional not in TRANSITIONAL:
        raise invalid("transitional", _("Giá trị không hợp lệ (only hoặc exclude)."))
    return selectors.Filters(
        date_from, date_to, units=units, fields=fields, level=level, area=area, transitional=transitional
    )
