"""The desk's queues: the person's queues with their counts, one queue's dossiers (searchable, most urgent first),
and the bulk actions of a queue — transfer, return, print the receipts — where each dossier succeeds or fails on
its own.

Counts and lists come from ``dossiers.selectors.queues`` (over ``dossiers_visible_to``, the API's scope). A queue's
page is one round trip with a bounded number of queries, whatever the number of dossiers: the counts (one
aggregate), the page of rows (one query, its foreign keys joined) and the paginator's count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods

from dossiers import selectors, services
from dossiers.selectors.cohort import cohort_query
from dossiers.selectors.queues import ALL, QUEUES, Moments, queue_counts, queue_dossiers
from dossiers.slips import SlipNotAvailable, available_forms
from dossiers.slips.render import SLIP_POLICY, render_html_many
from dossiers.views.desk.common import desk_view
from dossiers.workflow import CLOCK_RUNNING_STATES, STATE_LABELS, State
from portal.common.errors import DomainError, OutOfScope, StaleVersion
from portal.common.text import nfc

PER_PAGE = 50
#: At most this many dossiers in one bulk action (a page of a queue).
MAX_BULK = PER_PAGE

BULK_ACTIONS = {
    "transfer": gettext_lazy("Chuyển đơn vị xử lý"),
    "return": gettext_lazy("Trả kết quả"),
    "receipts": gettext_lazy("In giấy tiếp nhận (mẫu 01)"),
}
_BULK_DONE = {
    "transfer": gettext_lazy("Đã chuyển cho %(unit)s."),
    "return": gettext_lazy("Đã trả kết quả."),
}

#: A state's colour on the desk (the words are the transition table's).
STATE_COLOURS = {
    State.FILED: "tag-grey",
    State.SUPPLEMENT_REQUESTED: "tag-yellow",
    State.PAYMENT_REQUESTED: "tag-yellow",
    State.WITHDRAWAL_REQUESTED: "tag-yellow",
    State.RESULT_READY: "tag-green",
    State.RETURNED: "tag-green",
    State.REFUSED: "tag-red",
    State.STOPPED: "tag-red",
    State.WITHDRAWN: "tag-grey",
}


@dataclass
class Row:
    dossier: object
    state_label: str
    state_class: str
    urgency: str  # "overdue", "soon", "paused" or ""
    urgency_label: str


def _urgency(dossier, moments: Moments) -> tuple[str, str]:
    if dossier.state == State.SUPPLEMENT_REQUESTED:
        return "paused", _("Tạm dừng tính thời gian")
    due = dossier.extended_due_at or dossier.due_at
    if due is None or State(dossier.state) not in CLOCK_RUNNING_STATES:
        return "", ""
    if due < moments.now:
        return "overdue", pgettext("queue", "Quá hạn")
    if due <= moments.soon_by_level.get(dossier.level, moments.soon_default):
        return "soon", _("Sắp đến hạn")
    return "", ""


def _row(dossier, moments: Moments) -> Row:
    state = State(dossier.state)
    urgency, urgency_label = _urgency(dossier, moments)
    return Row(dossier, str(STATE_LABELS[state]), STATE_COLOURS.get(state, ""), urgency, urgency_label)


def _search(request) -> str:
    return nfc(request.GET.get("q", ""))[:100]


@desk_view
@require_http_methods(["GET", "HEAD"])
def desk_home(request):
    """The person's queues with their counts, and the search box."""
    search = _search(request)
    if search:
        return redirect(f"{reverse('desk-queue', kwargs={'queue': ALL})}?{urlencode({'q': search})}")
    moments = Moments.at()
    return render(request, "desk/queues.html", {"counts": queue_counts(request.user, moments=moments), "queue": None})


@desk_view
@require_http_methods(["GET", "HEAD"])
def queue_page(request, queue: str):
    if queue != ALL and queue not in QUEUES:
        raise Http404
    search = _search(request)
    moments = Moments.at()
    counts = queue_counts(request.user, moments=moments)
    if queue != ALL and queue not in {item.queue.slug for item in counts}:
        raise Http404  # not one of this person's queues
    dossiers = queue_dossiers(request.user, queue, search=search, moments=moments)
    behind = None  # a dashboard number's dossiers (the province dashboard links here)
    if queue == ALL:
        try:
            behind = cohort_query(request.GET)
        except ValueError:
            messages.error(request, _("Bộ lọc số liệu không hợp lệ: đang hiện mọi hồ sơ."))
        if behind is not None:
            dossiers = behind.cohort.of(dossiers, behind.measure)
        if request.GET.get("chuyen_tiep") == "1":  # transitional dossiers only (brought from the old systems)
            dossiers = dossiers.exclude(legacy_code="")
    page = Paginator(dossiers, PER_PAGE).get_page(request.GET.get("trang"))
    kept = request.GET.copy()
    kept.pop("trang", None)
    current = QUEUES.get(queue)
    bulk = [(name, BULK_ACTIONS[name]) for name in (current.bulk if current else ())]
    return render(
        request,
        "desk/queues.html",
        {
            "counts": counts,
            "queue": current,
            "slug": queue,
            "title": current.label if current else _("Hồ sơ theo số liệu") if behind else _("Tìm hồ sơ"),
            "behind": behind,
            "behind_params": [(k, v) for k, v in kept.items() if k != "q"] if behind or "chuyen_tiep" in kept else [],
            "transitional": queue == ALL and request.GET.get("chuyen_tiep") == "1",
            "kept": kept.urlencode(),
            "search": search,
            "listing": True,
            "page": page,
            "rows": [_row(dossier, moments) for dossier in page.object_list],
            "bulk": bulk,
        },
    )


# --- Bulk actions --------------------------------------------------------------------------------------------


def _picked(request) -> list[tuple[int, int]]:
    """``(dossier id, version shown)`` of each ticked row (``"<id>:<version>"``); malformed values are ignored."""
    picked, seen = [], set()
    for value in request.POST.getlist("ho_so")[:MAX_BULK]:
        number, _sep, version = value.partition(":")
        if number.isdigit() and version.isdigit() and int(number) not in seen:
            seen.add(int(number))
            picked.append((int(number), int(version)))
    return picked


SESSION_RESULTS = "desk-bulk-results"


@desk_view
@require_http_methods(["GET", "HEAD", "POST"])
def queue_bulk(request, queue: str):
    """One action on the ticked dossiers of a queue: each in its own transaction, with its own result. The results
    are kept in the session and shown by a GET of the same address (reloading the page never acts again)."""
    if queue not in QUEUES:
        raise Http404
    back = reverse("desk-queue", kwargs={"queue": queue})
    if request.method != "POST":
        return _bulk_results(request, queue, back)
    action = request.POST.get("thao_tac", "")
    if action not in QUEUES[queue].bulk:
        messages.error(request, _("Hãy chọn một thao tác hàng loạt."))
        return redirect(back)
    picked = _picked(request)
    if not picked:
        messages.error(request, _("Hãy chọn ít nhất một hồ sơ."))
        return redirect(back)
    if action == "receipts":
        return redirect(f"{reverse('desk-receipts')}?{urlencode([('ho_so', number) for number, _v in picked])}")
    known = {
        dossier.pk: dossier
        for dossier in selectors.dossier_list(user=request.user).filter(pk__in=[number for number, _v in picked])
    }
    service = services.dossier_transfer if action == "transfer" else services.dossier_return
    results = []
    for number, version in picked:
        dossier = known.get(number)
        if dossier is None:
            results.append({"id": None, "label": f"#{number}", "ok": False, "message": str(OutOfScope.default_detail)})
            continue
        try:
            service(dossier_id=number, actor=request.user, expected_version=version)
        except StaleVersion:
            message = _("Hồ sơ vừa được người khác cập nhật; không thực hiện. Hãy mở hồ sơ để xem lại.")
            ok = False
        except DomainError as exc:
            message, ok = str(exc.detail), False
        else:
            message, ok = _BULK_DONE[action] % {"unit": dossier.processing_unit.name}, True
        results.append({"id": number, "label": str(dossier), "ok": ok, "message": message})
    request.session[SESSION_RESULTS] = {"queue": queue, "action": action, "results": results}
    return redirect(reverse("desk-queue-bulk", kwargs={"queue": queue}))


def _bulk_results(request, queue: str, back: str):
    stored = request.session.get(SESSION_RESULTS)
    if not stored or stored.get("queue") != queue:
        return redirect(back)
    results = stored["results"]
    succeeded = sum(1 for result in results if result["ok"])
    return render(
        request,
        "desk/bulk_result.html",
        {
            "action": BULK_ACTIONS[stored["action"]],
            "queue": QUEUES[queue],
            "results": results,
            "succeeded": succeeded,
            "failed": len(results) - succeeded,
        },
    )


@desk_view
@require_http_methods(["GET", "HEAD"])
def receipts_print(request):
    """The receipts (form 01) of several dossiers, one printable page per receipt; dossiers without one (or out of
    scope) are named at the top, never printed."""
    numbers = [int(value) for value in request.GET.getlist("ho_so")[:MAX_BULK] if value.isdigit()]
    found = selectors.dossiers_get_many(user=request.user, dossier_ids=numbers)  # the same queries for 1 or 50
    printable, missing = [], []
    for number in dict.fromkeys(numbers):
        dossier = found.get(number)
        if dossier is None:  # not there, or not this person's
            missing.append(f"#{number}")
            continue
        (printable if "01" in available_forms(dossier) else missing).append(dossier)
    if not printable:
        messages.error(request, _("Không có giấy tiếp nhận nào để in trong các hồ sơ đã chọn."))
        return redirect("desk")
    try:
        html = render_html_many(printable, "01", screen=True, skipped=[str(item) for item in missing])
    except SlipNotAvailable:
        raise Http404 from None
    response = HttpResponse(html)
    response["Content-Security-Policy"] = SLIP_POLICY
    return response
