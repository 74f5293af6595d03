"""Counter reception (``/can-bo/tiep-nhan/``): a walk-in citizen's dossier received in two pages, from the keyboard.

1. Pick the procedure: one search box (name with or without diacritics, or the code; an exact code goes straight on),
   the results as links, the first one focused; with an empty box, what this centre receives most.
2. One form, top to bottom in tab order: the CCCD first ("Tìm" — or Enter in the field with JavaScript — fills in
   what the portal knows of the person), the applicant, the components received (a checkbox per component,
   original/copy, count, an optional scan), where the result goes back, "Tiếp nhận hồ sơ".

Receiving calls ``services.dossier_receive_at_counter`` with the form's idempotency key (drawn when the form is
first shown, kept while it is corrected): a double click or a resubmit never receives twice nor prints two
receipts. A dossier without a mandatory component is not received: the form says which and offers the guidance
slip for what to bring. Success opens the receipt (form 01) for printing.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communes.models import CentreKind
from communes.selectors import centre_by_id, commune_list
from dossiers import services
from dossiers.models import ReturnMethod
from dossiers.selectors import access_for
from dossiers.selectors.counter import applicant_prefill, most_received_at
from dossiers.services.filing import return_methods_for
from dossiers.views.desk.common import desk_view
from dossiers.views.filing import _centre_groups
from portal.common.errors import DomainError, Forbidden, InvalidInput
from portal.common.text import nfc
from procedures.models import Component, CopyKind, Level, ProcedureVersion
from procedures.selectors import catalogue_search, versions_in_force
from procedures.views import time_text

SESSION_CENTRE = "desk-counter-centre"
RESULTS = 12
APPLICANT_FIELDS = (
    "applicant_id_number",
    "applicant_name",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "applicant_kind",
    "organisation_name",
)


def _reception(request):
    """The reception centres the person works at, and the one chosen (``?trung_tam=``, remembered in the session)."""
    access = access_for(request.user)
    if not access.reception_centres:
        return None, []
    centres = sorted((centre_by_id(pk) for pk in access.reception_centres), key=lambda c: c.name)
    wanted = request.GET.get("trung_tam") or request.POST.get("trung_tam") or request.session.get(SESSION_CENTRE)
    chosen = next((c for c in centres if str(c.pk) == str(wanted)), centres[0])
    request.session[SESSION_CENTRE] = chosen.pk
    return chosen, centres


def _refuse_non_reception(request):
    return render(request, "403.html", status=403)


@desk_view
@require_http_methods(["GET", "HEAD"])
def counter_start(request):
    centre, centres = _reception(request)
    if centre is None:
        return _refuse_non_reception(request)
    query = nfc(request.GET.get("q", ""))[:100]
    results, approximate = [], False
    if query:
        code = query.replace(" ", "")
        exact = versions_in_force().filter(procedure__code=code, is_applied=True).exists()
        if exact:
            return redirect("desk-counter-form", code=code)
        found = catalogue_search(q=query, filters={"applied": True})  # in force and applied: what may be received
        approximate = found.approximate
        results = _picks(found.page(0, RESULTS))
    return render(
        request,
        "desk/counter_start.html",
        {
            "centre": centre,
            "centres": centres,
            "query": query,
            "results": results,
            "approximate": approximate,
            "frequent": [] if query else most_received_at(centre.pk),
        },
    )


def _picks(versions) -> list[dict]:
    levels = dict(Level.choices)
    return [
        {
            "code": v.procedure.code,
            "name": v.name,
            "field": v.field.name,
            "level": levels.get(v.level, v.level),
            "time": time_text(v),
        }
        for v in versions
    ]


@desk_view
@require_http_methods(["GET", "HEAD", "POST"])
def counter_applicant(request):
    """``cccd`` → what the portal knows of that person, as JSON, for the form's script (reception officers only).

    The form's script POSTs the number (CSRF-checked), so that it stays out of URLs — browser history, proxy and
    server access logs; ``GET ?cccd=`` answers the same."""
    if not access_for(request.user).reception_centres:
        return JsonResponse({"found": False}, status=403)
    number = request.POST.get("cccd", "") if request.method == "POST" else request.GET.get("cccd", "")
    known = applicant_prefill(user=request.user, id_number=number)
    if known is None:
        return JsonResponse({"found": False})
    return JsonResponse({"found": True, **{key: value for key, value in known.items() if key != "sources"}})


# --- The form ----------------------------------------------------------------------------------------------------


def _version(code: str) -> ProcedureVersion | None:
    components = Prefetch("components", queryset=Component.objects.order_by("order", "id"))
    return (
        versions_in_force()
        .filter(procedure__code=nfc(code).replace(" ", ""), is_applied=True)
        .select_related("procedure", "field")
        .prefetch_related(components)
        .first()
    )


def _rows(version, post=None) -> list[dict]:
    """One row per component: what the form shows and, after a POST, what the clerk ticked."""
    rows = []
    for component in version.components.all():
        default_kind = CopyKind.COPY if component.copy_kind == CopyKind.COPY else CopyKind.ORIGINAL
        row = {
            "component": component,
            "id": component.pk,
            "received": False,
            "copy_kind": default_kind,
            "count": component.copies or 1,
            "either": component.copy_kind == CopyKind.EITHER,
        }
        if post is not None:
            row["received"] = post.get(f"nhan-{component.pk}") == "1"
            kind = post.get(f"ban-{component.pk}", default_kind)
            row["copy_kind"] = kind if kind in (CopyKind.ORIGINAL, CopyKind.COPY) else default_kind
            row["count"] = post.get(f"so-{component.pk}", row["count"])
        rows.append(row)
    return rows


def _paper_and_scans(request, rows) -> tuple[list[dict], list[dict]]:
    paper, scans = [], []
    for row in rows:
        upload = request.FILES.get(f"tep-{row['id']}")
        if row["received"]:
            paper.append({"component_id": row["id"], "copy_kind": row["copy_kind"], "count": row["count"]})
        if upload is not None:
            scans.append(
                {"file": upload, "component_id": row["id"], "is_original_scan": row["copy_kind"] == CopyKind.ORIGINAL}
            )
    other = nfc(request.POST.get("khac-ten", ""))[:500]
    if other:
        paper.append(
            {"component_id": None, "name": other, "copy_kind": "original", "count": request.POST.get("khac-so", 1)}
        )
    return paper, scans


def _field_errors(exc: InvalidInput) -> dict[str, str]:
    fields = exc.extra.get("fields", {}) if exc.extra else {}
    return {name: " ".join(str(m) for m in items) for name, items in fields.items() if items}


@desk_view
@require_http_methods(["GET", "HEAD", "POST"])
def counter_form(request, code: str):
    centre, centres = _reception(request)
    if centre is None:
        return _refuse_non_reception(request)
    version = _version(code)
    if version is None:
        messages.error(request, _("Không có thủ tục mã %(code)s đang áp dụng tại tỉnh.") % {"code": code})
        return redirect("desk-counter")
    post = request.POST if request.method == "POST" else None
    values = {name: nfc(post.get(name, ""))[:400] for name in APPLICANT_FIELDS} if post else {}
    values.setdefault("applicant_kind", "person")
    place = {
        "commune": post.get("commune", "") if post else "",
        "return_method": (post.get("return_method") if post else "") or ReturnMethod.COUNTER,
        "return_centre": post.get("return_centre", "") if post else "",
        "return_address": nfc(post.get("return_address", ""))[:300] if post else "",
    }
    key = (post.get("idempotency_key") if post else "") or secrets.token_urlsafe(24)
    rows = _rows(version, post)
    errors: dict[str, str] = {}
    missing: dict | None = None
    notice = ""
    status = 200
    wants_prefill = bool(post and post.get("lam") == "tim")  # "Tìm" without JavaScript (the CCCD in the body)
    if wants_prefill:
        known = applicant_prefill(user=request.user, id_number=values.get("applicant_id_number", ""))
        if known:
            for key_name in ("name", "phone", "email", "address", "organisation_name", "kind"):
                field = key_name if key_name == "organisation_name" else f"applicant_{key_name}"
                if (known.get(key_name) and not values.get(field)) or (key_name == "kind" and known.get("kind")):
                    values[field] = known[key_name]
            notice = _("Đã điền thông tin người nộp từ hồ sơ và tài khoản trước đây; hãy hỏi lại để kiểm tra.")
        else:
            notice = _("Chưa có thông tin của người này trên hệ thống; hãy nhập.")
    elif post:
        paper, scans = _paper_and_scans(request, rows)
        applicant = {
            "kind": values.get("applicant_kind") or "person",
            "name": values.get("applicant_name"),
            "id_number": values.get("applicant_id_number"),
            "phone": values.get("applicant_phone"),
            "email": values.get("applicant_email"),
            "address": values.get("applicant_address"),
            "organisation_name": values.get("organisation_name"),
        }
        same_centre = place["return_centre"] in ("", str(centre.pk))
        try:
            dossier = services.dossier_receive_at_counter(
                actor=request.user,
                procedure_code=version.procedure.code,
                applicant=applicant,
                reception_centre_id=centre.pk,
                return_centre_id=None if same_centre else int(place["return_centre"]),
                return_method=place["return_method"],
                return_address=place["return_address"],
                commune_code=place["commune"] or None,
                paper_components=paper,
                documents=scans,
                idempotency_key=key,
            )
        except InvalidInput as exc:
            status = 400
            errors = _field_errors(exc) or {"form": str(exc.detail)}
            if exc.code == "missing_components":
                guidance = exc.extra.get("guidance_url", "")
                name = values.get("applicant_name")
                extra = urlencode({"ten": name, "trung_tam": centre.pk} if name else {"trung_tam": centre.pk})
                missing = {
                    "detail": str(exc.detail),
                    "names": [item["name"] for item in exc.extra.get("missing_components", [])],
                    "ids": [item["id"] for item in exc.extra.get("missing_components", [])],
                    "guidance_url": f"{guidance}&{extra}" if guidance else "",
                }
            if scans:
                errors.setdefault("files", _("Các tệp đã chọn chưa được lưu: hãy chọn lại khi tiếp nhận."))
        except Forbidden as exc:
            messages.error(request, str(exc.detail))
            return redirect("desk-counter")
        except DomainError as exc:
            status, errors = 400, {"form": str(exc.detail)}
        else:
            if getattr(dossier, "replayed", False):
                messages.info(request, _("Hồ sơ này đã được tiếp nhận (bấm hai lần): không tạo hồ sơ thứ hai."))
            else:
                messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
            return redirect("desk-slip", id=dossier.pk, form="01")
    if missing:
        for row in rows:
            row["missing"] = row["id"] in missing["ids"]
    needs_commune = version.level == "commune" and centre.kind != CentreKind.COMMUNE
    return render(
        request,
        "desk/counter_form.html",
        {
            "centre": centre,
            "centres": centres,
            "version": version,
            "rows": rows,
            "values": values,
            "place": place,
            "key": key,
            "errors": errors,
            "missing": missing,
            "notice": notice,
            "prefilled": wants_prefill,
            "return_methods": return_methods_for(version),
            "groups": _centre_groups(),
            "communes": commune_list() if needs_commune else None,
            "other_name": nfc(post.get("khac-ten", ""))[:500] if post else "",
            "other_count": post.get("khac-so", "1") if post else "1",
        },
        status=status,
    )
