"""The person's notifications page (``/thong-bao/``): their in-app notices, unread first, each marked read when it is
opened; the header shows how many are unread (``portal.context.inbox``). Staff get the deadline reminders and the
digests, citizens the notices of their dossiers' steps; nobody ever sees anyone else's (any other id is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from notifications.models import STAFF_KINDS, Notification
from notifications.selectors import inbox_of, templates_of
from notifications.services import notification_mark_read, notifications_mark_all_read
from notifications.templates import render as render_notice

PER_PAGE = 20


def _login(view):
    return never_cache(login_required(view, login_url="login"))


def _target(row) -> str:
    """Where a notice leads: a staff reminder to the desk's page of the dossier, a citizen's notice to their own."""
    if row.dossier_id is None:
        return ""
    if row.kind in STAFF_KINDS:
        return reverse("desk-dossier", kwargs={"id": row.dossier_id})
    return reverse("my-dossier", kwargs={"id": row.dossier_id})


@_login
@require_http_methods(["GET", "HEAD"])
def notifications_page(request):
    unread_only = request.GET.get("loc") == "chua-doc"
    queryset = inbox_of(request.user).select_related(None)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("trang"))
    rows = list(page.object_list)
    templates = templates_of((row.kind, row.channel, row.language) for row in rows)
    items = []
    for row in rows:
        subject, body = render_notice(row.kind, row.channel, row.language, row.context, templates=templates)
        items.append({"row": row, "subject": subject, "body": body, "unread": row.read_at is None, "to": _target(row)})
    return render(request, "notifications/list.html", {"items": items, "page": page, "unread_only": unread_only})


def _own(request, notification_id: int) -> Notification:
    row = inbox_of(request.user).filter(pk=notification_id).first()
    if row is None:
        raise Http404
    return row


@_login
@require_POST
def notification_open(request, id: int):
    """Mark the notice read and go where it leads (the list when it leads nowhere)."""
    row = _own(request, id)
    notification_mark_read(notification=row)
    return redirect(_target(row) or "notifications")


@_login
@require_POST
def notification_read(request, id: int):
    notification_mark_read(notification=_own(request, id))
    return redirect(
        request.POST.get("next") if request.POST.get("next", "").startswith("/thong-bao/") else "notifications"
    )


@_login
@require_POST
def notifications_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    messages.success(request, _("Đã đánh dấu %(count)d thông báo là đã đọc.") % {"count": count})
    return redirect("notifications")
