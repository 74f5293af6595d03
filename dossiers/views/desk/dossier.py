"""One dossier at the desk (``/can-bo/ho-so/<id>/``): its facts, the time left in working hours, the documents with
an in-browser preview, the timeline in plain words, the control slip (form 06), the pauses, the slips to print —
and one button per action the transition table allows this person now.

Each button opens its form (a ``<details>``: no script needed) asking for what the law requires — the reason, the
handler, the amount, the new date, the outcome — and a confirmation. Every form carries the dossier's version (what
the API's ``ETag`` / ``If-Match`` carry) and is handed to the same service as the API's action with
``expected_version``: if someone else acted since the page was drawn, nothing changes and the fresh page says so;
a double click finds its own step already done and says that instead.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dossiers import selectors, services
from dossiers.documents.checks import size_label
from dossiers.documents.storage import removed_on_failure
from dossiers.models import DocumentKind, Outcome, Rating, Timeliness
from dossiers.selectors.desk import names_of, unit_handlers
from dossiers.slips import FORMS, available_forms, render_html
from dossiers.slips.render import SLIP_FRAME_POLICY
from dossiers.views.desk.common import desk_view, posted_version
from dossiers.workflow import (
    FINISHED_STATES,
    NATIONAL_STATUS_LABELS,
    STATE_LABELS,
    TRANSITIONS,
    Action,
    Role,
    State,
    allowed_actions,
)
from portal.common.errors import DomainError, InvalidInput, OutOfScope, StaleVersion
from portal.common.text import nfc

#: Actions a citizen takes (never a button on the desk, even for a staff member who is also the applicant).
CITIZEN_ONLY = frozenset({Action.FILE, Action.RECEIVE_AT_COUNTER, Action.WITHDRAW, Action.RATE})
#: Actions whose button warns (they end or refuse the dossier).
GRAVE = frozenset({Action.REFUSE, Action.STOP})
PREVIEWABLE = {"application/pdf": "pdf", "image/png": "image", "image/jpeg": "image"}
#: The policy a previewed file is served with: nothing loads or runs beyond the file itself, and only this site may
#: frame it. An image is also sandboxed. A PDF is not: the browser's PDF viewer (Chromium's, tried with Chromium 156
#: through Playwright: blank in any ``<iframe sandbox>``, whatever its tokens) runs as a plugin document, and older
#: viewers refuse a sandboxed one too; ``plugin-types`` is gone from Chromium. The fixed content type and ``nosniff``
#: keep a file that is not really a PDF from ever being read as a page.
_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
PREVIEW_POLICY = {"pdf": f"{_POLICY}; object-src 'self'", "image": f"{_POLICY}; sandbox"}

STALE = gettext_lazy("Hồ sơ vừa được người khác cập nhật; trang đã được tải lại — hãy xem lại trước khi thao tác.")
ALREADY_DONE = gettext_lazy("Thao tác đã được thực hiện; không có gì thay đổi thêm.")
DONE = gettext_lazy("Đã thực hiện: %(label)s.")

#: What each step was, for the timeline (the actor's name and role come first).
EVENT_WORDS: dict[str, str] = {
    Action.FILE: gettext_lazy("nộp hồ sơ trực tuyến"),
    Action.RECEIVE: gettext_lazy("tiếp nhận hồ sơ nộp trực tuyến"),
    Action.RECEIVE_AT_COUNTER: gettext_lazy("tiếp nhận hồ sơ tại quầy"),
    Action.REFUSE: gettext_lazy("từ chối tiếp nhận hồ sơ"),
    Action.TRANSFER: gettext_lazy("chuyển hồ sơ đến cơ quan giải quyết"),
    Action.ASSIGN: gettext_lazy("phân công cán bộ xử lý"),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("yêu cầu bổ sung hồ sơ (mẫu 02); tạm dừng tính thời gian"),
    Action.SUPPLEMENT: gettext_lazy("ghi nhận hồ sơ bổ sung; tính tiếp thời gian"),
    Action.REQUEST_PAYMENT: gettext_lazy("yêu cầu thực hiện nghĩa vụ tài chính"),
    Action.CONFIRM_PAYMENT: gettext_lazy("xác nhận đã nộp phí, lệ phí"),
    Action.WITHDRAW: gettext_lazy("yêu cầu rút hồ sơ"),
    Action.CONFIRM_WITHDRAWAL: gettext_lazy("xác nhận rút hồ sơ"),
    Action.STOP: gettext_lazy("dừng xử lý hồ sơ (mẫu 05)"),
    Action.DECIDE: gettext_lazy("ký duyệt kết quả"),
    Action.RETURN: gettext_lazy("trả kết quả"),
    Action.EXTEND: gettext_lazy("xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)"),
    Action.RATE: gettext_lazy("đánh giá mức độ hài lòng"),
    "import": gettext_lazy("nhập từ hệ thống một cửa cũ (hồ sơ chuyển tiếp)"),
}
ROLE_WORDS: dict[str, str] = {
    Role.APPLICANT: gettext_lazy("người nộp"),
    Role.RECEPTION: gettext_lazy("tiếp nhận"),
    Role.RETURN_DESK: gettext_lazy("trả kết quả"),
    Role.HANDLER: gettext_lazy("xử lý"),
    Role.LEADER: gettext_lazy("lãnh đạo"),
    Role.PROVINCE: gettext_lazy("văn phòng tỉnh"),
    Role.ADMIN: gettext_lazy("quản trị"),
}
TIMELINESS_TAGS = {Timeliness.EARLY: "tag-green", Timeliness.ON_TIME: "tag-green", Timeliness.LATE: "tag-red"}


def _slug(action: Action) -> str:
    return action.value.replace("_", "-")


SLUGS: dict[str, Action] = {_slug(action): action for action in Action if action not in CITIZEN_ONLY}


# --- Reading -------------------------------------------------------------------------------------------------


def _dossier(request, dossier_id: int):
    try:
        return selectors.dossier_get(user=request.user, dossier_id=dossier_id)
    except OutOfScope:
        raise Http404 from None


def _allowed(request, dossier) -> list[Action]:
    roles = selectors.roles_on(selectors.access_for(request.user), dossier) - {Role.APPLICANT}
    actions = [action for action in allowed_actions(dossier.state, roles) if action not in CITIZEN_ONLY]
    if dossier.extension_count:  # a return date is rescheduled at most once (DOMAIN.md §3)
        actions = [action for action in actions if action != Action.EXTEND]
    return actions


def _hours(delta: datetime.timedelta, day: datetime.timedelta) -> str:
    """``2 ngày 3 giờ 30 phút làm việc`` (a working day is the calendar's working day length)."""
    minutes = int(delta.total_seconds() // 60)
    day_minutes = max(1, int(day.total_seconds() // 60))
    days, rest = divmod(minutes, day_minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if mins or not parts:
        parts.append(_("%(n)d phút") % {"n": mins})
    return _("%(time)s làm việc") % {"time": " ".join(parts)}


def time_left(dossier, now: datetime.datetime | None = None) -> dict:
    """Where the dossier stands against its due moment, in working time: ``{"kind", "text"}`` — kind ``left``,
    ``overdue``, ``paused``, ``finished`` or ``none`` (not received yet)."""
    from procedures.calendar import working_calendar

    state = State(dossier.state)
    if state in FINISHED_STATES:
        word = dossier.get_timeliness_display() if dossier.timeliness else ""
        return {"kind": "finished", "text": word, "tag": TIMELINESS_TAGS.get(dossier.timeliness, "tag-grey")}
    calendar = working_calendar()
    if state == State.SUPPLEMENT_REQUESTED:
        left = datetime.timedelta(seconds=dossier.remaining_seconds or 0)
        text = _("Tạm dừng tính thời gian; còn %(left)s khi dừng") % {"left": _hours(left, calendar.working_day_length)}
        return {"kind": "paused", "text": text, "tag": "tag-grey"}
    due = dossier.extended_due_at or dossier.due_at
    if due is None:
        return {"kind": "none", "text": _("Chưa tiếp nhận: chưa có hẹn trả"), "tag": "tag-grey"}
    now = now or timezone.now()
    if now <= due:
        text = _("Còn %(left)s") % {
            "left": _hours(calendar.working_time_between(now, due), calendar.working_day_length)
        }
        return {"kind": "left", "text": text, "tag": ""}
    late = calendar.working_time_between(due, now)
    text = _("Quá hạn %(late)s") % {"late": _hours(late, calendar.working_day_length)}
    return {"kind": "overdue", "text": text, "tag": "tag-red"}


def _money(amount) -> str:
    from dossiers.slips.context import money_text

    return money_text(amount)


def _timeline(dossier) -> list[dict]:
    events = list(dossier.events.all())
    handlers = names_of(event.payload.get("handler") for event in events if event.action == Action.ASSIGN)
    items = []
    for event in events:
        details = []
        payload = event.payload or {}
        if event.action == Action.ASSIGN and payload.get("handler"):
            details.append(_("Cán bộ xử lý: %(name)s") % {"name": handlers.get(payload["handler"], "—")})
        if event.action == Action.REQUEST_SUPPLEMENT and payload.get("missing_components"):
            details.append(_("Cần bổ sung: %(items)s") % {"items": "; ".join(payload["missing_components"])})
        if event.action == Action.REQUEST_PAYMENT and payload.get("amount_vnd") is not None:
            details.append(_("Số tiền: %(amount)s") % {"amount": _money(payload["amount_vnd"])})
        if event.action == Action.CONFIRM_PAYMENT and payload.get("paid_online"):
            details.append(_("Nộp trực tuyến"))
        if event.action == Action.DECIDE and payload.get("outcome"):
            details.append(str(Outcome(payload["outcome"]).label))
            if payload.get("result_document"):
                details.append(_("Văn bản kết quả: %(doc)s") % {"doc": payload["result_document"]})
        if event.action == Action.EXTEND and payload.get("new_due_at"):
            moment = timezone.localtime(datetime.datetime.fromisoformat(payload["new_due_at"]))
            details.append(_("Ngày hẹn mới: %(when)s") % {"when": moment.strftime("%H:%M %d/%m/%Y")})
        if event.action == Action.RATE and payload.get("rating") in Rating.values:
            details.append(str(Rating(payload["rating"]).label))
        if event.reason:
            details.append(event.reason)
        actor = event.actor
        items.append(
            {
                "at": event.at,
                "who": (actor.full_name or actor.username)
                if actor
                else _("Hệ thống")
                if event.action != "import"
                else _("Hệ thống cũ %(system)s") % {"system": payload.get("system", "")},
                "role": ROLE_WORDS.get(event.actor_role, ""),
                "what": EVENT_WORDS.get(event.action, event.action),
                "details": details,
            }
        )
    return items


def _documents(dossier) -> list[dict]:
    rows = []
    for document in dossier.documents.all():
        rows.append(
            {
                "document": document,
                "size": size_label(document.size),
                "preview": PREVIEWABLE.get(document.content_type, ""),
                "result": document.kind == DocumentKind.RESULT,
            }
        )
    return rows


def _open_pause(dossier):
    pauses = [pause for pause in dossier.pauses.all() if pause.ended_at is None]
    return pauses[-1] if pauses else None


def _control_slip(dossier) -> list[dict]:
    """Form 06's rows with the step in words (the transition's label)."""
    rows = []
    for row in dossier.control_slip.all():
        try:
            step = str(TRANSITIONS[Action(row.step)].label)
        except (KeyError, ValueError):
            step = row.step
        rows.append({"row": row, "step": step})
    return rows


def _supplement_rows(dossier, pause) -> list[dict]:
    """One optional file input per component the citizen was asked for (matched to the procedure's component by
    name, like the citizen's own supplement page)."""
    if pause is None:
        return []
    components = {c.name.casefold(): c for c in dossier.procedure_version.components.all()}
    return [
        {"field": f"file-{number}", "name": name, "component": components.get(nfc(name).casefold())}
        for number, name in enumerate(pause.missing_components or [], start=1)
    ]


@dataclass
class ActionForm:
    action: Action
    slug: str
    label: str
    grave: bool
    requires_reason: bool
    errors: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    open: bool = False


def _default_new_date(dossier) -> str:
    from procedures.calendar import working_calendar

    due = dossier.extended_due_at or dossier.due_at or timezone.now()
    calendar = working_calendar()
    day = calendar.next_working_day(timezone.localtime(due).date() + datetime.timedelta(days=1))
    return day.isoformat()


def _page(request, dossier, *, failed: ActionForm | None = None, status: int = 200):
    actions = []
    for action in _allowed(request, dossier):
        transition = TRANSITIONS[action]
        form = ActionForm(action, _slug(action), str(transition.label), action in GRAVE, transition.requires_reason)
        if failed is not None and failed.action == action:
            form = failed
        actions.append(form)
    state = State(dossier.state)
    pause = _open_pause(dossier) if state == State.SUPPLEMENT_REQUESTED else None
    allowed = {form.action for form in actions}
    context = {
        "dossier": dossier,
        "state_label": STATE_LABELS[state],
        "national_label": NATIONAL_STATUS_LABELS[dossier.status_code],
        "time": time_left(dossier),
        "timeline": _timeline(dossier),
        "control_slip": _control_slip(dossier),
        "pauses": list(dossier.pauses.all()),
        "pause": pause,
        "documents": _documents(dossier),
        "paper": list(dossier.paper_components.all()),
        "slips": [(number, FORMS[number].title) for number in available_forms(dossier)],
        "actions": actions,
        "failed": failed,
        "handlers": list(unit_handlers(dossier.processing_unit_id)) if Action.ASSIGN in allowed else [],
        "components": sorted(dossier.procedure_version.components.all(), key=lambda c: (c.order, c.pk))
        if Action.REQUEST_SUPPLEMENT in allowed
        else [],
        "supplement_rows": _supplement_rows(dossier, pause) if Action.SUPPLEMENT in allowed else [],
        "outcomes": Outcome.choices,
        "new_date": _default_new_date(dossier) if Action.EXTEND in allowed else "",
        "fee_default": dossier.fee_vnd or "",
        "fee_text": _money(dossier.fee_vnd),
    }
    return render(request, "desk/dossier.html", context, status=status)


@desk_view
@require_http_methods(["GET", "HEAD"])
def dossier_page(request, id: int):
    return _page(request, _dossier(request, id))


# --- Acting --------------------------------------------------------------------------------------------------


def _text(request, name: str, limit: int = 2000) -> str:
    return nfc(request.POST.get(name, ""))[:limit]


def _arguments(request, action: Action, dossier) -> dict:
    """The service's arguments from the posted form (checked by the service itself; only the shape here)."""
    post = request.POST
    if action in (Action.REFUSE, Action.STOP):
        return {"reason": _text(request, "reason")}
    if action in (Action.TRANSFER, Action.RETURN, Action.SUPPLEMENT):
        return {"note": _text(request, "note")}
    if action == Action.ASSIGN:
        handler = post.get("handler", "")
        if not handler.isdigit():
            raise InvalidInput(
                _("Hãy chọn cán bộ xử lý."), extra={"fields": {"handler": [_("Hãy chọn cán bộ xử lý.")]}}
            )
        return {"handler_id": int(handler)}
    if action == Action.REQUEST_SUPPLEMENT:
        names = [nfc(name) for name in post.getlist("missing") if nfc(name)]
        names += [line for line in (nfc(line) for line in _text(request, "other", 4000).splitlines()) if line]
        if not names:
            message = _("Hãy chọn hoặc ghi ít nhất một giấy tờ cần bổ sung.")
            raise InvalidInput(message, extra={"fields": {"missing": [message]}})
        return {"reason": _text(request, "reason"), "missing_components": names}
    if action == Action.REQUEST_PAYMENT:
        raw = post.get("amount_vnd", "").replace(".", "").replace(",", "").replace(" ", "")
        if not raw.isdigit():
            message = _("Hãy ghi số tiền bằng số (đồng).")
            raise InvalidInput(message, extra={"fields": {"amount_vnd": [message]}})
        return {"amount_vnd": int(raw), "note": _text(request, "note")}
    if action == Action.CONFIRM_PAYMENT:
        return {"paid_online": post.get("paid_online") == "1"}
    if action == Action.DECIDE:
        return {
            "outcome": post.get("outcome", ""),
            "result_document": _text(request, "result_document", 500),
            "reason": _text(request, "reason"),
        }
    if action == Action.EXTEND:
        raw = post.get("new_date", "")
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            message = _("Hãy chọn ngày hẹn mới.")
            raise InvalidInput(message, extra={"fields": {"new_date": [message]}}) from None
        from procedures.calendar import working_calendar

        new_due = working_calendar().end_of_day(day)  # the end of that day's last working session
        return {"reason": _text(request, "reason"), "new_due_at": new_due}
    return {}


_FIELD_ALIASES = {
    "new_due_at": "new_date",
    "handler_id": "handler",
    "missing_components": "missing",
    "file": "files",
    "component": "files",
}


def _field_errors(exc: InvalidInput) -> dict[str, str]:
    fields = exc.extra.get("fields", {}) if exc.extra else {}
    errors = {
        _FIELD_ALIASES.get(name, name): " ".join(str(m) for m in items) for name, items in fields.items() if items
    }
    return errors or {"form": str(exc.detail)}


def _already_done(request, dossier_id: int, action: Action) -> bool:
    try:
        dossier = selectors.dossier_get(user=request.user, dossier_id=dossier_id)
    except OutOfScope:
        return False
    events = list(dossier.events.all())
    return bool(events) and events[-1].action == action and events[-1].actor_id == request.user.pk


def _uploads(request, action: Action, dossier) -> list[tuple]:
    """``(file, component id or None)`` handed in with a supplement recorded (one per missing component, then any
    other) or with a decision (the result's electronic copy)."""
    if action == Action.DECIDE:
        return [(upload, None) for upload in request.FILES.getlist("files")]
    if action != Action.SUPPLEMENT:
        return []
    uploads = []
    for row in _supplement_rows(dossier, _open_pause(dossier)):
        upload = request.FILES.get(row["field"])
        if upload is not None:
            uploads.append((upload, row["component"].pk if row["component"] else None))
    return uploads + [(upload, None) for upload in request.FILES.getlist("files")]


def _act(request, action: Action, dossier, version: int) -> None:
    """The action and, for a supplement recorded or a decision, the files handed in — all in one transaction."""
    kwargs = _arguments(request, action, dossier)
    service = services.SERVICES[action]
    with removed_on_failure() as written, transaction.atomic():
        for upload, component_id in _uploads(request, action, dossier):
            document = services.document_upload(
                dossier_id=dossier.pk,
                actor=request.user,
                file=upload,
                component_id=component_id,
                kind=DocumentKind.RESULT if action == Action.DECIDE else DocumentKind.COMPONENT,
                is_original_scan=False,
                expected_version=version,
            )
            written.append(document.file.name)
        service(dossier_id=dossier.pk, actor=request.user, expected_version=version, **kwargs)


@desk_view
@require_POST
def dossier_action(request, id: int, action: str):
    dossier = _dossier(request, id)
    chosen = SLUGS.get(action)
    if chosen is None:
        raise Http404
    version = posted_version(request)
    if chosen not in _allowed(request, dossier):
        if version != dossier.version:  # the page was stale: someone else acted (or this very click, twice)
            return _stale(request, dossier.pk, chosen)
        messages.error(request, _("Bạn không thể thực hiện thao tác này với hồ sơ ở trạng thái hiện tại."))
        return _page(request, dossier, status=403)
    try:
        _act(request, chosen, dossier, version)
    except StaleVersion:
        return _stale(request, dossier.pk, chosen)
    except InvalidInput as exc:
        failed = ActionForm(
            chosen,
            _slug(chosen),
            str(TRANSITIONS[chosen].label),
            chosen in GRAVE,
            TRANSITIONS[chosen].requires_reason,
            errors=_field_errors(exc),
            values={key: request.POST.get(key, "") for key in request.POST if key != "csrfmiddlewaretoken"},
            open=True,
        )
        failed.values["missing"] = request.POST.getlist("missing")
        return _page(request, _dossier(request, id), failed=failed, status=400)
    except DomainError as exc:
        messages.error(request, str(exc.detail))
        return redirect("desk-dossier", id=dossier.pk)
    messages.success(request, DONE % {"label": TRANSITIONS[chosen].label})
    if chosen == Action.RECEIVE:  # the receipt (form 01) opens for printing
        return redirect("desk-slip", id=dossier.pk, form="01")
    return redirect("desk-dossier", id=dossier.pk)


def _stale(request, dossier_id: int, action: Action):
    messages.warning(request, ALREADY_DONE if _already_done(request, dossier_id, action) else STALE)
    return redirect("desk-dossier", id=dossier_id)


# --- The preview of a document, and a slip to print ----------------------------------------------------------


@desk_view
@require_http_methods(["GET", "HEAD"])
def document_preview(request, id: int, document_id: int):
    """A PDF or an image shown inside the page: the same scoped, recorded download as the API's, served inline with
    a policy that lets it run nothing."""
    try:
        document, handle = services.document_download(document_id=document_id, actor=request.user, dossier_id=id)
    except OutOfScope:
        raise Http404 from None
    if document.content_type not in PREVIEWABLE:
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=document.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PREVIEW_POLICY[PREVIEWABLE[document.content_type]]
    response["Cache-Control"] = "private, no-store"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@desk_view
@require_http_methods(["GET", "HEAD"])
def slip_page(request, id: int, form: str):
    dossier = _dossier(request, id)
    if form not in FORMS or form not in available_forms(dossier):
        raise Http404
    if request.GET.get("khung"):  # the slip itself, shown in the page's frame (same origin only)
        response = HttpResponse(render_html(dossier, form))
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = SLIP_FRAME_POLICY
        return response
    access = selectors.access_for(request.user)
    return render(
        request,
        "desk/slip.html",
        {
            "dossier": dossier,
            "form": FORMS[form],
            "number": form,
            "frame_url": f"{reverse('desk-slip', kwargs={'id': dossier.pk, 'form': form})}?khung=1",
            "html_url": reverse("dossier-slip-html", kwargs={"id": dossier.pk, "form": form}),
            "pdf_url": reverse("dossier-slip-pdf", kwargs={"id": dossier.pk, "form": form}),
            "reception": bool(access.reception_centres),
        },
    )
