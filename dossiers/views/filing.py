"""Filing online, step by step (``/nop-ho-so/<code>/``): the centre and return point, the applicant, the documents, a
review, then the confirmation. Log-in required.

Each step is a plain POST form that works without JavaScript; the state lives server-side in a ``FilingDraft``
(``dossiers.services.drafts``), so a closed tab loses nothing and re-opening the start page offers to continue or
start again. With JavaScript (``static/js/filing.js``) each file is uploaded as soon as it is picked, to
``/nop-ho-so/<code>/tep/`` (JSON, same checks), with a progress bar. Submitting files through ``dossier_file`` with
the draft's key as idempotency key: a double click, a retry or a back-button resubmit never files twice.
"""

from __future__ import annotations

from collections import OrderedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from communes.models import CentreKind, FormerProvince
from communes.selectors import centre_by_id, centre_list, commune_by_code, commune_list
from dossiers.documents.checks import size_label
from dossiers.models import ReturnMethod
from dossiers.selectors import dossier_get, draft_get, draft_open_for
from dossiers.services import drafts as service
from dossiers.services.filing import return_methods_for
from portal.common.errors import DomainError, InvalidInput, OutOfScope, json_error
from procedures.models import CopyKind
from procedures.selectors import procedure_version_in_force

STEP_URLS = OrderedDict(
    [("place", "filing-place"), ("applicant", "filing-applicant"), ("documents", "filing-documents")]
)
TOTAL_STEPS = 4  # the three steps and the review


def _limits() -> dict[str, str]:
    return {"file": size_label(settings.DOCUMENT_MAX_BYTES), "total": size_label(settings.DOSSIER_DOCUMENTS_MAX_BYTES)}


def _login(view):
    return never_cache(login_required(view, login_url="login"))


def _errors(exc: DomainError) -> dict[str, str]:
    """``{field: "message …"}`` from a domain error's ``fields``."""
    return {
        name: " ".join(str(m) for m in messages) for name, messages in exc.extra.get("fields", {}).items() if messages
    }


def _draft_or_start(request, code: str):
    draft = draft_open_for(user=request.user, procedure_code=code)
    if draft is None:
        if request.method == "POST":  # filed or started again in another tab meanwhile: say so, change nothing
            messages.warning(
                request,
                _(
                    "Hồ sơ nộp dở này không còn: có thể bạn đã nộp hoặc bắt đầu lại ở một trang khác. "
                    "Không có gì bị thay đổi."
                ),
            )
        return None, redirect("filing-start", code=code)
    return draft, None


def _context(draft, step: int, **extra) -> dict:
    version = draft.procedure_version
    return {
        "draft": draft,
        "version": version,
        "code": draft.procedure_code,
        "step": step,
        "total_steps": TOTAL_STEPS,
        **extra,
    }


def _first_unfinished(draft) -> str:
    done = draft.data.get("done", [])
    for step, name in STEP_URLS.items():
        if step not in done:
            return name
    return "filing-review"


# --- Start: a new filing, or resume / start over ----------------------------------------------------------------


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def filing_start(request, code: str):
    try:
        version = service.version_for_online_filing(code)
    except InvalidInput as exc:
        if exc.code == "not_online":
            version = procedure_version_in_force(code=code, on=timezone.localdate())
            return render(request, "dossiers/filing/not_online.html", {"version": version, "code": code})
        return render(request, "dossiers/filing/unknown.html", {"code": code, "message": exc.detail}, status=404)
    if request.method == "POST":
        action = request.POST.get("action", "start")
        draft = service.draft_start(owner=request.user, procedure_code=code, restart=action == "restart")
        return redirect(_first_unfinished(draft) if action == "continue" else "filing-place", code=draft.procedure_code)
    draft = draft_open_for(user=request.user, procedure_code=version.procedure.code)
    components = sorted(version.components.all(), key=lambda c: (c.order, c.pk))
    return render(
        request,
        "dossiers/filing/start.html",
        {
            "version": version,
            "code": version.procedure.code,
            "draft": draft,
            "components": components,
            "limits": _limits(),
        },
    )


# --- Step 1: the centre and the return point -------------------------------------------------------------------


CENTRE_PREFIX = "Trung tâm Phục vụ hành chính công "


def _short_name(name: str) -> str:
    """ "Trung tâm Phục vụ hành chính công phường Việt Trì" → "Phường Việt Trì": every centre's name starts alike, and a
    phone's ``<select>`` shows only the first thirty characters."""
    rest = name.removeprefix(CENTRE_PREFIX)
    return rest[:1].upper() + rest[1:] if rest else name


def _centre_groups():
    """The 152 centres as ``<optgroup>``s: the provincial centre and its branches, then commune centres by area."""
    labels = dict(FormerProvince.choices)
    groups: OrderedDict = OrderedDict()
    provincial = _("Trung tâm Phục vụ hành chính công tỉnh và các chi nhánh")
    for centre in centre_list():
        if centre.kind == CentreKind.COMMUNE:
            label = _("Trung tâm cấp xã — khu vực %(area)s") % {"area": labels.get(centre.former_province, "")}
        else:
            label = provincial
        groups.setdefault(label, []).append(centre)
    for centres in groups.values():
        for centre in centres:
            centre.short_name = _short_name(centre.name)
        centres.sort(key=lambda c: c.short_name)
    return sorted(groups.items(), key=lambda item: item[0] != provincial)


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def filing_place(request, code: str):
    draft, away = _draft_or_start(request, code)
    if away:
        return away
    place = dict(draft.data.get("place") or {})
    errors, status = {}, 200
    if request.method == "POST":
        place = {
            "reception_centre_id": request.POST.get("reception_centre", ""),
            "return_centre_id": request.POST.get("return_centre", ""),
            "commune_code": request.POST.get("commune", ""),
            "return_method": request.POST.get("return_method", ""),
            "return_address": request.POST.get("return_address", "")[:400],
        }
        try:
            service.draft_update_step(draft_id=draft.pk, owner=request.user, step="place", data=place)
        except InvalidInput as exc:
            errors, status = _errors(exc) or {"reception_centre": exc.detail}, 400
        else:
            return redirect("filing-applicant", code=code)
    same_return = str(place.get("return_centre_id") or "") in ("", str(place.get("reception_centre_id") or ""))
    context = _context(
        draft,
        1,
        place=place,
        same_return=same_return,
        return_method=place.get("return_method") or ReturnMethod.COUNTER,
        return_methods=return_methods_for(draft.procedure_version) if draft.procedure_version else [],
        groups=_centre_groups(),
        communes=commune_list() if draft.procedure_version and draft.procedure_version.level == "commune" else None,
        errors=errors,
        back_url=reverse("filing-start", kwargs={"code": code}),
    )
    return render(request, "dossiers/filing/place.html", context, status=status)


# --- Step 2: the applicant --------------------------------------------------------------------------------------

APPLICANT_FIELDS = ("name", "id_number", "phone", "email", "address")


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def filing_applicant(request, code: str):
    draft, away = _draft_or_start(request, code)
    if away:
        return away
    applicant = dict(draft.data.get("applicant") or {})
    errors, status = {}, 200
    if request.method == "POST":
        applicant = {name: request.POST.get(name, "")[:400] for name in APPLICANT_FIELDS}
        try:
            service.draft_update_step(draft_id=draft.pk, owner=request.user, step="applicant", data=applicant)
        except InvalidInput as exc:
            errors, status = _errors(exc), 400
        else:
            return redirect("filing-documents", code=code)
    context = _context(
        draft, 2, applicant=applicant, errors=errors, back_url=reverse("filing-place", kwargs={"code": code})
    )
    return render(request, "dossiers/filing/applicant.html", context, status=status)


# --- Step 3: the documents --------------------------------------------------------------------------------------


def _component_rows(draft) -> list[dict]:
    files = {f.component_id: f for f in draft.files.all()}
    version = draft.procedure_version
    components = sorted(version.components.all(), key=lambda c: (c.order, c.pk)) if version else []
    return [
        {
            "component": c,
            "field": f"component-{c.pk}",
            "file": files.get(c.pk),
            "size": size_label(files[c.pk].size) if c.pk in files else "",
            "copy_kind": CopyKind(c.copy_kind).label if c.copy_kind in CopyKind.values else "",
        }
        for c in components
    ]


def _upload(request, draft, field: str, upload) -> None:
    component_id = field.removeprefix("component-")
    version = draft.procedure_version
    original = bool(version and version.components.filter(pk=component_id, copy_kind=CopyKind.ORIGINAL).exists())
    service.draft_add_file(
        draft_id=draft.pk, owner=request.user, component_id=component_id, file=upload, is_original_scan=original
    )


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def filing_documents(request, code: str):
    draft, away = _draft_or_start(request, code)
    if away:
        return away
    errors, status = {}, 200
    if request.method == "POST":
        remove = request.POST.get("remove")
        if remove:
            try:
                service.draft_remove_file(draft_id=draft.pk, owner=request.user, file_id=int(remove))
            except (ValueError, OutOfScope):
                pass  # already removed (another tab): the page shows what is there
            return redirect("filing-documents", code=code)
        for field, upload in request.FILES.items():
            if not field.startswith("component-"):
                continue
            try:
                _upload(request, draft, field, upload)
            except InvalidInput as exc:
                errors[field] = (
                    " ".join(str(m) for ms in exc.extra.get("fields", {}).values() for m in ms) or exc.detail
                )
        if not errors:
            try:
                service.draft_mark_documents(draft_id=draft.pk, owner=request.user)
            except InvalidInput as exc:
                errors = _errors(exc)
            else:
                return redirect("filing-review", code=code)
        status = 400
        draft = draft_open_for(user=request.user, procedure_code=code) or draft
    context = _context(
        draft,
        3,
        rows=_component_rows(draft),
        errors=errors,
        limits=_limits(),
        back_url=reverse("filing-applicant", kwargs={"code": code}),
    )
    return render(request, "dossiers/filing/documents.html", context, status=status)


@never_cache
def filing_upload(request, code: str):
    """One file, uploaded by ``filing.js`` as soon as it is picked: JSON ``{id, name, size, size_label}`` or an error
    ``{code, detail, fields}`` (the same content checks as the no-JavaScript form). 401 before anything else for a
    visitor who is not logged in (whatever the method), then 405 for anything but POST."""
    if not request.user.is_authenticated:
        return json_error(request, "not_authenticated", _("Hãy đăng nhập để nộp hồ sơ."), 401)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    draft = draft_open_for(user=request.user, procedure_code=code)
    if draft is None:
        return json_error(request, "not_found", _("Không tìm thấy hồ sơ đang nộp dở."), 404)
    field = "component-" + request.POST.get("component", "")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            message = _("Hãy chọn một tệp.")
            raise InvalidInput(message, extra={"fields": {field: [message]}})
        _upload(request, draft, field, upload)
    except DomainError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.extra.get("fields", {}).items()}
        return json_error(request, exc.code, str(exc.detail), exc.status_code, fields=fields)
    item = draft.files.get(component_id=int(field.removeprefix("component-")))
    body = {"id": item.pk, "name": item.original_name, "size": item.size, "size_label": size_label(item.size)}
    return JsonResponse(body, status=201, json_dumps_params={"ensure_ascii": False})


# --- Step 4: review and submit; the confirmation ----------------------------------------------------------------


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def filing_review(request, code: str):
    if request.method == "POST":
        try:
            draft_id = int(request.POST.get("draft", ""))
        except ValueError:
            raise Http404 from None
        try:
            dossier = service.draft_submit(draft_id=draft_id, owner=request.user)
        except OutOfScope:
            raise Http404 from None
        except InvalidInput as exc:
            if exc.code == "draft_incomplete":
                return redirect("filing-start", code=code)
            draft, away = _draft_or_start(request, code)
            if away:
                return away
            return render(request, "dossiers/filing/review.html", _review_context(draft, exc.detail), status=400)
        return redirect("filing-done", code=dossier.procedure.code, draft_id=draft_id)
    draft, away = _draft_or_start(request, code)
    if away:
        return away
    if any(step not in draft.data.get("done", []) for step in STEP_URLS):
        return redirect(_first_unfinished(draft), code=code)
    return render(request, "dossiers/filing/review.html", _review_context(draft))


def _review_context(draft, message: str = "") -> dict:
    place = draft.data.get("place") or {}
    reception = centre_by_id(place.get("reception_centre_id") or 0)
    return_centre = centre_by_id(place.get("return_centre_id") or 0) or reception
    commune = commune_by_code(place["commune_code"]) if place.get("commune_code") else None
    if commune is None and reception is not None:
        commune = reception.commune  # a commune centre's own commune decides (dossiers.services.filing)
    return _context(
        draft,
        4,
        reception=reception,
        return_centre=return_centre,
        place=place,
        commune=commune,
        applicant=draft.data.get("applicant") or {},
        rows=_component_rows(draft),
        message=message,
        back_url=reverse("filing-documents", kwargs={"code": draft.procedure_code}),
    )


@_login
@require_http_methods(["GET", "HEAD"])
def filing_done(request, code: str, draft_id: int):
    try:
        draft = draft_get(user=request.user, draft_id=draft_id)
        if draft.dossier_id is None:
            raise OutOfScope()
        dossier = dossier_get(user=request.user, dossier_id=draft.dossier_id)
    except OutOfScope:
        raise Http404 from None
    return render(
        request,
        "dossiers/filing/done.html",
        {"draft": draft, "dossier": dossier, "code": code, "received": bool(dossier.code)},
    )
