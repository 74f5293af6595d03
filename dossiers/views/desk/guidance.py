"""The guidance slip (``/can-bo/huong-dan/<code>/?thieu=<component id>…``): what an incomplete dossier still needs.

The law receives no incomplete dossier: the officer gives the applicant guidance for completing it, once and in
writing (DOMAIN.md §3). When a counter reception is refused as incomplete, the API's 400 ``missing_components``
carries this page's address (``guidance_url``) and the counter page offers it: the procedure's components, the
missing ones marked, how many copies and which original or copy, the blank forms, the fee and the processing time,
signed by the officer. Reception officers only; nothing is written (no dossier exists).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communes.selectors import centre_by_id
from dossiers.selectors import access_for
from dossiers.slips.context import date_text, money_text, processing_time_text
from dossiers.slips.render import SLIP_POLICY
from dossiers.views.desk.common import desk_view
from portal.common.errors import DomainError
from portal.common.text import nfc
from procedures.models import CopyKind
from procedures.selectors import procedure_detail


def _kind(copy_kind: str) -> str:
    labels = {
        CopyKind.ORIGINAL: _("Bản chính"),
        CopyKind.COPY: _("Bản sao"),
        CopyKind.EITHER: _("Bản chính hoặc bản sao"),
    }
    return labels.get(copy_kind, copy_kind)


def _template_url(request, code: str, component) -> str:
    """The blank form's public address (the procedure page's download), whole: the applicant reads it on paper."""
    path = reverse("procedure-template", kwargs={"code": code, "component_id": component.pk})
    return request.build_absolute_uri(path)


@desk_view
@require_http_methods(["GET", "HEAD"])
def guidance_slip(request, code: str):
    access = access_for(request.user)
    if not access.reception_centres:
        return render(request, "403.html", status=403)
    try:
        version = procedure_detail(code=code)
    except DomainError:
        raise Http404 from None
    wanted = {int(value) for value in request.GET.getlist("thieu") if value.isdigit()}
    centre_id = request.GET.get("trung_tam", "")
    centres = sorted(access.reception_centres)
    chosen = int(centre_id) if centre_id.isdigit() and int(centre_id) in access.reception_centres else centres[0]
    components = sorted(version.components.all(), key=lambda c: (c.order, c.pk))
    rows = [
        {
            "name": component.name,
            "kind": _kind(component.copy_kind),
            "count": component.copies or 1,
            "required": component.is_required,
            "missing": component.pk in wanted,
            "template": (component.template_name or _("Mẫu đơn, tờ khai")) if component.template else "",
            "template_url": _template_url(request, version.procedure.code, component) if component.template else "",
        }
        for component in components
    ]
    officer = request.user.full_name or request.user.get_username()
    response = render(
        request,
        "slips/guidance.html",
        {
            "title": _("Phiếu hướng dẫn hoàn thiện hồ sơ"),
            "code": version.procedure.code,
            "form_number": "",
            "centre": centre_by_id(chosen),
            "place_date": _("Phú Thọ, %(date)s") % {"date": date_text(timezone.now())},
            "version": version,
            "rows": rows,
            "missing": [row for row in rows if row["missing"]],
            "applicant_name": nfc(request.GET.get("ten", ""))[:200],
            "fee": money_text(version.fee_vnd),
            "processing_time": processing_time_text(version),
            "officer": officer,
            "screen": True,
        },
    )
    response["Content-Security-Policy"] = SLIP_POLICY  # a slip: its own inline styles, the print button's script
    return response
