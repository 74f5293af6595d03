""" "Hồ sơ của tôi" (``/ho-so-cua-toi/``): the person's own dossiers, one dossier's story, and the three things a
citizen may do to it — supplement the documents asked for, withdraw it, rate the service once it is returned.

Log-in required. Reads go through ``selectors.my_dossiers`` / ``my_dossier_get`` (the dossiers the person filed or is
the applicant of; any other id is the portal's 404). Writes call the workflow services with the page's ``version``
as ``expected_version``: a page left open while someone acted gets "Hồ sơ vừa được cập nhật…" and the fresh page,
never a silent overwrite. Every form is a plain POST that works without JavaScript.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dossiers import services
from dossiers.documents.checks import check_files, size_label
from dossiers.documents.storage import removed_on_failure
from dossiers.lookup import next_step
from dossiers.models import Rating, ReturnMethod
from dossiers.selectors import drafts_of, my_dossier_get, my_dossiers
from dossiers.slips import FORMS, available_forms
from dossiers.workflow import Action, Role, State, can
from notifications.selectors import notices_about, templates_of
from notifications.templates import render as render_notice
from portal.common.errors import DomainError, InvalidInput, OutOfScope, StaleVersion
from portal.common.text import nfc

PER_PAGE = 20
STALE = gettext_lazy("Hồ sơ vừa được cập nhật; vui lòng xem lại trước khi thao tác.")
ALREADY_DONE = gettext_lazy("Yêu cầu này đã được thực hiện; không có gì thay đổi thêm.")

# --- Plain words: a status tag (word + colour) per state ---------------------------------------------------

STATUS_TAGS: dict[State, tuple[str, str]] = {
    State.FILED: (gettext_lazy("Đã nộp"), "tag-grey"),
    State.RECEIVED: (gettext_lazy("Đã tiếp nhận"), ""),
    State.TRANSFERRED: (gettext_lazy("Đang xử lý"), ""),
    State.PROCESSING: (gettext_lazy("Đang xử lý"), ""),
    State.SUPPLEMENT_REQUESTED: (gettext_lazy("Chờ bạn bổ sung"), "tag-yellow"),
    State.PAYMENT_REQUESTED: (gettext_lazy("Chờ bạn nộp phí"), "tag-yellow"),
    State.WITHDRAWAL_REQUESTED: (gettext_lazy("Đang chờ rút"), "tag-grey"),
    State.RESULT_READY: (gettext_lazy("Có kết quả"), "tag-green"),
    State.RETURNED: (gettext_lazy("Đã trả kết quả"), "tag-green"),
    State.REFUSED: (gettext_lazy("Không được tiếp nhận"), "tag-red"),
    State.WITHDRAWN: (gettext_lazy("Đã rút"), "tag-grey"),
    State.STOPPED: (gettext_lazy("Dừng xử lý"), "tag-red"),
}

#: The list's filters: ``?nhom=`` → (label, condition).
_WORKING = [State.FILED, State.RECEIVED, State.TRANSFERRED, State.PROCESSING, State.WITHDRAWAL_REQUESTED]
_FINISHED = [State.RETURNED, State.REFUSED, State.WITHDRAWN, State.STOPPED]
_NEEDS_YOU = Q(state__in=[State.SUPPLEMENT_REQUESTED, State.PAYMENT_REQUESTED]) | Q(
    state=State.RESULT_READY, return_method=ReturnMethod.COUNTER
)
FILTERS: dict[str, tuple[str, Q]] = {
    "dang-xu-ly": (
        gettext_lazy("Đang xử lý"),
        Q(state__in=_WORKING) | Q(state=State.RESULT_READY) & ~Q(return_method=ReturnMethod.COUNTER),
    ),
    "can-ban-lam": (gettext_lazy("Cần bạn làm"), _NEEDS_YOU),
    "da-xong": (gettext_lazy("Đã xong"), Q(state__in=_FINISHED)),
}

#: Each audit event in a citizen's words (never the internal action names).
EVENT_WORDS: dict[str, str] = {
    Action.FILE: gettext_lazy("Bạn đã nộp hồ sơ trực tuyến"),
    Action.RECEIVE: gettext_lazy("Hồ sơ được tiếp nhận"),
    Action.RECEIVE_AT_COUNTER: gettext_lazy("Hồ sơ được tiếp nhận tại quầy"),
    Action.REFUSE: gettext_lazy("Hồ sơ không được tiếp nhận"),
    Action.TRANSFER: gettext_lazy("Hồ sơ được chuyển đến cơ quan giải quyết"),
    Action.ASSIGN: gettext_lazy("Cán bộ bắt đầu xử lý hồ sơ"),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("Cơ quan giải quyết yêu cầu bổ sung giấy tờ"),
    Action.SUPPLEMENT: gettext_lazy("Giấy tờ bổ sung đã được nộp"),
    Action.REQUEST_PAYMENT: gettext_lazy("Cơ quan giải quyết yêu cầu nộp phí, lệ phí"),
    Action.CONFIRM_PAYMENT: gettext_lazy("Đã xác nhận nộp phí, lệ phí"),
    Action.WITHDRAW: gettext_lazy("Bạn đã yêu cầu rút hồ sơ"),
    Action.CONFIRM_WITHDRAWAL: gettext_lazy("Hồ sơ đã được rút"),
    Action.STOP: gettext_lazy("Hồ sơ bị dừng xử lý"),
    Action.DECIDE: gettext_lazy("Đã có kết quả giải quyết"),
    Action.RETURN: gettext_lazy("Đã trả kết quả"),
    Action.EXTEND: gettext_lazy("Cơ quan giải quyết xin lỗi và hẹn lại ngày trả kết quả"),
    Action.RATE: gettext_lazy("Bạn đã đánh giá mức độ hài lòng"),
    "import": gettext_lazy("Hồ sơ được chuyển sang hệ thống mới từ hệ thống một cửa cũ"),
}
#: The usual steps still ahead, after the current state.
_AHEAD: dict[State, list[str]] = {
    State.FILED: [
        gettext_lazy("Tiếp nhận hồ sơ"),
        gettext_lazy("Giải quyết hồ sơ"),
        gettext_lazy("Có kết quả"),
        gettext_lazy("Nhận kết quả"),
    ],
    State.RECEIVED: [gettext_lazy("Giải quyết hồ sơ"), gettext_lazy("Có kết quả"), gettext_lazy("Nhận kết quả")],
    State.TRANSFERRED: [gettext_lazy("Giải quyết hồ sơ"), gettext_lazy("Có kết quả"), gettext_lazy("Nhận kết quả")],
    State.PROCESSING: [gettext_lazy("Có kết quả"), gettext_lazy("Nhận kết quả")],
    State.SUPPLEMENT_REQUESTED: [gettext_lazy("Có kết quả"), gettext_lazy("Nhận kết quả")],
    State.PAYMENT_REQUESTED: [gettext_lazy("Có kết quả"), gettext_lazy("Nhận kết quả")],
    State.RESULT_READY: [gettext_lazy("Nhận kết quả")],
}
#: What the list says is asked of the person now (short), by state.
_TODO: dict[State, str] = {
    State.SUPPLEMENT_REQUESTED: gettext_lazy("Cần bổ sung giấy tờ"),
    State.PAYMENT_REQUESTED: gettext_lazy("Chờ bạn nộp phí"),
}


def _login(view):
    return never_cache(login_required(view, login_url="login"))


def _tag(state: str) -> dict:
    word, colour = STATUS_TAGS[State(state)]
    return {"word": word, "class": colour}


def _todo(dossier) -> str:
    state = State(dossier.state)
    if state in _TODO:
        return str(_TODO[state])
    if state == State.RESULT_READY and dossier.return_method == ReturnMethod.COUNTER:
        return _("Đến nhận kết quả")
    if state == State.RETURNED and dossier.rated_at is None:
        return _("Hãy đánh giá mức độ hài lòng")
    return ""


def _dossier(request, dossier_id: int):
    try:
        return my_dossier_get(user=request.user, dossier_id=dossier_id)
    except OutOfScope:
        raise Http404 from None


def _errors(exc: DomainError) -> dict[str, str]:
    return {name: " ".join(str(m) for m in items) for name, items in exc.extra.get("fields", {}).items() if items}


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # a form without its version cannot act: it is answered as a stale page


def _detail(request, dossier_id: int):
    """Back to the dossier's page. The supplement form's script (``static/js/mine.js``) sends with XMLHttpRequest:
    it gets the address as JSON and goes there itself, so that the page's message is not used up by the request."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"redirect": reverse("my-dossier", kwargs={"id": dossier_id})})
    return redirect("my-dossier", id=dossier_id)


def _refused(request, exc: DomainError, dossier_id: int, action: Action):
    """A service said no (409): stale page, or already done, or not possible now — say so on the fresh page."""
    if isinstance(exc, StaleVersion):
        done = _already_done(request, dossier_id, action)
        messages.warning(request, ALREADY_DONE if done else STALE)
    else:
        messages.error(request, exc.detail)
    return _detail(request, dossier_id)


def _already_done(request, dossier_id: int, action: Action) -> bool:
    """A double submit: the newest step of the dossier is this very action, by this person."""
    try:
        dossier = my_dossier_get(user=request.user, dossier_id=dossier_id)
    except OutOfScope:
        return False
    events = list(dossier.events.all())
    return bool(events) and events[-1].action == action and events[-1].actor_id == request.user.pk


# --- The list ----------------------------------------------------------------------------------------------


@_login
@require_http_methods(["GET", "HEAD"])
def my_dossiers_page(request):
    group = request.GET.get("nhom", "")
    queryset = my_dossiers(user=request.user)
    if group in FILTERS:
        queryset = queryset.filter(FILTERS[group][1])
    else:
        group = ""
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("trang"))
    rows = [{"dossier": d, "tag": _tag(d.state), "todo": _todo(d)} for d in page.object_list]
    drafts = list(drafts_of(request.user)) if page.number == 1 else []
    return render(
        request,
        "dossiers/mine/list.html",
        {
            "rows": rows,
            "page": page,
            "group": group,
            "filters": [(key, label) for key, (label, _q) in FILTERS.items()],
            "drafts": drafts,
        },
    )


# --- One dossier -------------------------------------------------------------------------------------------


def _timeline(dossier, now: str) -> list[dict]:
    items = []
    for event in dossier.events.all():
        text = EVENT_WORDS.get(event.action)
        if text is None:
            continue
        note = ""
        if event.action in (Action.REFUSE, Action.STOP, Action.REQUEST_SUPPLEMENT, Action.EXTEND):
            note = event.reason
        items.append({"text": text, "at": event.at, "note": note, "status": "done"})
    state = State(dossier.state)
    items.append({"text": _("Bây giờ"), "label": STATUS_TAGS[state][0], "note": now, "status": "current"})
    for text in _AHEAD.get(state, []):
        items.append({"text": text, "status": "ahead"})
    return items


def _open_pause(dossier):
    open_pauses = [pause for pause in dossier.pauses.all() if pause.ended_at is None]
    return open_pauses[-1] if open_pauses else None


def _notices(request, dossier) -> list[dict]:
    rows = list(notices_about(request.user, dossier_id=dossier.pk)[:20])
    templates = templates_of((row.kind, row.channel, row.language) for row in rows)
    notices = []
    for row in rows:
        subject, body = render_notice(row.kind, row.channel, row.language, row.context, templates=templates)
        notices.append({"at": row.created_at, "subject": subject, "body": body, "unread": row.read_at is None})
    return notices


def _actions(dossier) -> dict[str, bool]:
    state, roles = dossier.state, {Role.APPLICANT}
    return {
        "supplement": can(Action.SUPPLEMENT, state, roles),
        "withdraw": can(Action.WITHDRAW, state, roles),
        "rate": can(Action.RATE, state, roles) and dossier.rated_at is None,
    }


@_login
@require_http_methods(["GET", "HEAD"])
def my_dossier_page(request, id: int):
    dossier = _dossier(request, id)
    now = next_step(dossier)
    forms = [(number, FORMS[number].title) for number in available_forms(dossier) if number != "06"]
    return render(
        request,
        "dossiers/mine/detail.html",
        {
            "dossier": dossier,
            "tag": _tag(dossier.state),
            "timeline": _timeline(dossier, now),
            "pause": _open_pause(dossier) if dossier.state == State.SUPPLEMENT_REQUESTED else None,
            "notices": _notices(request, dossier),
            "slips": forms,
            "documents": list(dossier.documents.all()),
            "actions": _actions(dossier),
            "next_step": now,
        },
    )


# --- Supplement --------------------------------------------------------------------------------------------


def _supplement_rows(dossier, pause) -> list[dict]:
    components = {c.name.casefold(): c for c in dossier.procedure_version.components.all()}
    return [
        {"field": f"file-{number}", "name": name, "component": components.get(nfc(name).casefold())}
        for number, name in enumerate(pause.missing_components if pause else [], start=1)
    ]


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def my_dossier_supplement(request, id: int):
    dossier = _dossier(request, id)
    pause = _open_pause(dossier)
    if dossier.state != State.SUPPLEMENT_REQUESTED or pause is None:
        if request.method == "POST":
            return _refused(request, StaleVersion(), dossier.pk, Action.SUPPLEMENT)
        messages.info(request, _("Hồ sơ này hiện không cần bổ sung giấy tờ."))
        return _detail(request, dossier.pk)
    rows = _supplement_rows(dossier, pause)
    errors: dict[str, str] = {}
    note = ""
    if request.method == "POST":
        note = nfc(request.POST.get("note", ""))[:2000]
        version = _version(request)
        if version != dossier.version:
            return _refused(request, StaleVersion(), dossier.pk, Action.SUPPLEMENT)
        files = {row["field"]: request.FILES.get(row["field"]) for row in rows}
        for row in rows:
            upload = files[row["field"]]
            if upload is None:
                errors[row["field"]] = _('Hãy chọn tệp cho "%(name)s".') % {"name": row["name"]}
                continue
            try:
                check_files([upload], field=row["field"], max_bytes=settings.DOCUMENT_MAX_BYTES)
            except InvalidInput as exc:
                errors.update(_errors(exc))
        if not errors:
            try:
                _supplement(request, dossier, rows, files, note, version)
            except StaleVersion as exc:
                return _refused(request, exc, dossier.pk, Action.SUPPLEMENT)
            except InvalidInput as exc:
                errors = _errors(exc) or {"file-1": exc.detail}
            except DomainError as exc:
                return _refused(request, exc, dossier.pk, Action.SUPPLEMENT)
            else:
                messages.success(request, _("Đã gửi giấy tờ bổ sung. Hồ sơ được tiếp tục giải quyết."))
                return _detail(request, dossier.pk)
        for row in rows:
            row["error"] = errors.get(row["field"], "")
    status = 400 if errors else 200
    return render(
        request,
        "dossiers/mine/supplement.html",
        {
            "dossier": dossier,
            "pause": pause,
            "rows": rows,
            "errors": errors,
            "note": note,
            "limit": size_label(settings.DOCUMENT_MAX_BYTES),
        },
        status=status,
    )


def _supplement(request, dossier, rows, files, note: str, version: int) -> None:
    """The documents and the SUPPLEMENT action in one transaction: either all of it happens or none (a file
    written before a failure is deleted)."""
    with removed_on_failure() as written, transaction.atomic():
        for row in rows:
            component = row["component"]
            document = services.document_upload(
                dossier_id=dossier.pk,
                actor=request.user,
                file=files[row["field"]],
                component_id=component.pk if component else None,
                expected_version=version,
            )
            written.append(document.file.name)
        services.dossier_supplement(dossier_id=dossier.pk, actor=request.user, note=note, expected_version=version)


# --- Withdraw ----------------------------------------------------------------------------------------------


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def my_dossier_withdraw(request, id: int):
    dossier = _dossier(request, id)
    if not can(Action.WITHDRAW, dossier.state, {Role.APPLICANT}):
        if request.method == "POST":
            return _refused(request, StaleVersion(), dossier.pk, Action.WITHDRAW)
        messages.info(request, _("Hồ sơ này hiện không thể rút."))
        return _detail(request, dossier.pk)
    errors: dict[str, str] = {}
    reason = ""
    if request.method == "POST":
        reason = nfc(request.POST.get("reason", "")).strip()[:2000]
        if not reason:
            errors["reason"] = _("Hãy cho biết lý do bạn muốn rút hồ sơ.")
        else:
            try:
                services.dossier_withdraw(
                    dossier_id=dossier.pk, actor=request.user, reason=reason, expected_version=_version(request)
                )
            except InvalidInput as exc:
                errors = _errors(exc) or {"reason": exc.detail}
            except DomainError as exc:
                return _refused(request, exc, dossier.pk, Action.WITHDRAW)
            else:
                messages.success(
                    request,
                    _("Đã gửi yêu cầu rút hồ sơ. Cơ quan giải quyết sẽ xác nhận và thông báo cho bạn."),
                )
                return _detail(request, dossier.pk)
    return render(
        request,
        "dossiers/mine/withdraw.html",
        {"dossier": dossier, "errors": errors, "reason": reason},
        status=400 if errors else 200,
    )


# --- Rate --------------------------------------------------------------------------------------------------


@_login
@require_http_methods(["GET", "HEAD", "POST"])
def my_dossier_rate(request, id: int):
    dossier = _dossier(request, id)
    if request.method == "GET" and not _actions(dossier)["rate"]:
        messages.info(
            request,
            _("Hồ sơ đã được đánh giá.") if dossier.rated_at else _("Bạn có thể đánh giá sau khi nhận kết quả."),
        )
        return _detail(request, dossier.pk)
    errors: dict[str, str] = {}
    rating = request.POST.get("rating", "") if request.method == "POST" else ""
    comment = nfc(request.POST.get("comment", ""))[:2000] if request.method == "POST" else ""
    if request.method == "POST":
        if rating not in Rating.values:
            errors["rating"] = _("Hãy chọn mức độ hài lòng của bạn.")
        else:
            try:
                services.dossier_rate(
                    dossier_id=dossier.pk,
                    actor=request.user,
                    rating=rating,
                    comment=comment,
                    expected_version=_version(request),
                )
            except InvalidInput as exc:
                errors = _errors(exc) or {"rating": exc.detail}
            except DomainError as exc:
                return _refused(request, exc, dossier.pk, Action.RATE)
            else:
                messages.success(request, _("Cảm ơn bạn đã đánh giá."))
                return _detail(request, dossier.pk)
    return render(
        request,
        "dossiers/mine/rate.html",
        {
            "dossier": dossier,
            "errors": errors,
            "rating": rating,
            "comment": comment,
            "choices": Rating.choices,
        },
        status=400 if errors else 200,
    )
