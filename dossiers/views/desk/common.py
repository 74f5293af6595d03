"""What every desk page shares: who may open it, the version a form carries, and how a refusal is told."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from dossiers.selectors import access_for


def desk_view(view):
    """Log-in required (else the log-in page), staff only (else the 403 page); never cached."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access_for(request.user).is_staff_member:
            return render(request, "403.html", status=403)
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapped, login_url="login"))


def posted_version(request) -> int:
    """The dossier version a form was rendered with (``-1`` when missing: answered as a stale page)."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1
