"""Citizen pages of the catalogue: ``/thu-tuc/`` (search, filters with counts, pages) and ``/thu-tuc/<code>/``.

Thin views over the selectors behind ``GET /api/procedures/`` (the same search, the same facet query) and
``GET /api/procedures/<code>/`` (the same detail serializer); the appointment estimate is computed here, not over
HTTP. Both pages work without JavaScript; ``static/js/catalogue.js`` only refreshes the results as people type.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.common.errors import NoProcessingTime, NotFound
from portal.common.text import nfc
from procedures import selectors
from procedures.api.estimate import stated_time
from procedures.api.filters import ProcedureFilter
from procedures.api.serializers import ProcedureDetailSerializer, return_methods_of
from procedures.calendar import working_calendar
from procedures.models import Level, OnlineLevel, ProcedureVersion, TimeUnit
from procedures.worktime import TIMEZONE

PAGE_SIZE = 20
#: The GET parameters of the page: the API's names (the home page links to ?q=…&field=…).
PAGE_FILTERS = ("level", "field", "online_level", "fee")


def vnd(amount: int | None) -> str:
    """1000000 → "1.000.000 đ"; 0 → "Miễn phí"; unknown → "Chưa có thông tin"."""
    if amount is None:
        return _("Chưa có thông tin")
    if amount == 0:
        return _("Miễn phí")
    return _("%(amount)s đ") % {"amount": f"{amount:,}".replace(",", ".")}


def time_text(version: ProcedureVersion) -> str:
    """The processing time in the source's unit: "3 ngày làm việc", "4 giờ làm việc", "30 ngày", "2 tháng"."""
    if version.time_value is None or not version.time_unit:
        return _("Chưa có thông tin")
    value = Decimal(version.time_value).normalize()
    number = f"{int(value)}" if value == value.to_integral_value() else format(value, "f").replace(".", ",")
    return f"{number} {TimeUnit(version.time_unit).label}"


def _rows(versions: list[ProcedureVersion]) -> list[dict]:
    online = dict(OnlineLevel.choices)
    levels = dict(Level.choices)
    return [
        {
            "code": v.procedure.code,
            "name": v.name,
            "field": v.field.name,
            "level": levels.get(v.level, v.level),
            "time": time_text(v),
            "fee": vnd(v.fee_vnd),
            "online_level": v.online_level,
            "online_label": online.get(v.online_level, v.online_level),
        }
        for v in versions
    ]


def _chosen_label(name: str, value: str) -> str:
    """The words of a chosen filter value that no procedure matches (so the facet query did not name it)."""
    if name == "field":
        field = selectors.field_by_slug(value)
        return field.name if field is not None else value
    choices = {"level": Level.choices, "online_level": OnlineLevel.choices, "fee": selectors.FEE_LABELS.items()}
    return str(dict(choices[name]).get(value, value))


@require_GET
def catalogue(request):
    """The catalogue in force: search box, filter panel with counts, results 20 a page, suggestions when empty."""
    filterset = ProcedureFilter(request.GET, queryset=ProcedureVersion.objects.none(), request=request)
    filterset.is_valid()  # an invalid value is dropped (the page still shows), the others apply
    data = filterset.form.cleaned_data
    q = nfc(data.get("q") or "")
    filters = {name: data[name] for name in PAGE_FILTERS if data.get(name) not in (None, "")}
    found = selectors.catalogue_search(q=q, filters=filters)
    paginator = Paginator(selectors.CatalogueResults(found), PAGE_SIZE, allow_empty_first_page=True)
    page = paginator.get_page(request.GET.get("page"))
    kept = {"q": q, **filters} if q else dict(filters)

    def link(**changes) -> str:
        params = {**kept, **changes}
        return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})

    facets = found.facets
    panel = []
    for name, title, options in (
        ("level", _("Cấp thực hiện"), facets.level),
        ("field", _("Lĩnh vực"), facets.field),
        ("online_level", _("Mức độ trực tuyến"), facets.online_level),
        ("fee", _("Phí, lệ phí"), facets.fee),
    ):
        rows = [
            {"value": o.value, "label": o.label, "count": o.count, "chosen": filters.get(name) == o.value}
            for o in options
        ]
        chosen = filters.get(name, "")
        if chosen and not any(row["chosen"] for row in rows):  # a filter nothing matches still shows, checked
            rows.append({"value": chosen, "label": _chosen_label(name, chosen), "count": 0, "chosen": True})
        panel.append({"name": name, "title": title, "chosen": chosen, "options": rows})
    suggestions = []
    if not facets.total and q:
        suggestions = _rows(selectors.closest_procedures(q=q))
    context = {
        "q": q,
        "filters": filters,
        "panel": panel,
        "total": facets.total,
        "approximate": found.approximate,
        "results": _rows(list(page.object_list)),
        "page": page,
        "previous_url": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_url": link(page=page.next_page_number()) if page.has_next() else None,
        "page_links": [
            {"number": n, "url": link(page=n), "current": n == page.number}
            for n in paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
            if isinstance(n, int)
        ],
        "suggestions": suggestions,
        "filtered": bool(filters or q),
    }
    if request.GET.get("partial") == "1":  # catalogue.js: the two parts of the page that change, as HTML
        return JsonResponse(
            {
                "total": facets.total,
                "url": reverse("catalogue") + link(page=page.number if page.number > 1 else None),
                "results": render_to_string("procedures/_results.html", context, request=request),
                "filters": render_to_string("procedures/_filters.html", context, request=request),
            }
        )
    return render(request, "procedures/catalogue.html", context)


def _due(version: ProcedureVersion):
    """When a dossier received now would be due (the appointment estimate's calculation); ``None`` when unknown."""
    try:
        value, unit = stated_time(version)
        return working_calendar().due_moment(timezone.now().astimezone(TIMEZONE), time_value=value, time_unit=unit)
    except (NoProcessingTime, TypeError, ValueError):
        return None


@require_GET
def procedure(request, code: str):
    """The procedure page; an unknown code is the portal's 404, an abolished one says so."""
    try:
        version = selectors.procedure_detail(code=code)
    except NotFound:
        abolition = selectors.procedure_abolished(code=code)
        if abolition is None:
            raise Http404(code) from None
        return render(request, "procedures/abolished.html", {"abolition": abolition}, status=410)
    detail = ProcedureDetailSerializer(version).data
    context = {
        "version": version,
        "detail": detail,
        "components": list(version.components.all()),
        "time": time_text(version),
        "fee": vnd(version.fee_vnd),
        "due": _due(version),
        "commune_level": version.level == Level.COMMUNE,
        "return_methods": detail["return_methods"],
        "online_full": version.online_level == OnlineLevel.FULL,
        "methods": return_methods_of(version),
    }
    return render(request, "procedures/procedure.html", context)


@require_GET
def component_template(request, code: str, component_id: int):
    """The blank form (mẫu đơn, tờ khai) of one component of a procedure in force, as a download. Templates are
    public documents but are stored beside private files: they go out through this view, never a storage URL."""
    try:
        version = selectors.procedure_detail(code=code)
    except NotFound:
        raise Http404(code) from None
    component = next((c for c in version.components.all() if c.pk == component_id and c.template), None)
    if component is None:
        raise Http404(str(component_id))
    name = component.template.name.rsplit("/", 1)[-1]
    response = FileResponse(component.template.open("rb"), as_attachment=True, filename=name)
    response["Cache-Control"] = "public, max-age=3600"
    return response
