"""Template context every page gets: the help line printed in the footer."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from communes.selectors import help_centre


def help_line(request) -> dict:
    """The centre a person can call: their commune's (profile) or the provincial one, with its phone when the
    province has given it (``ServiceCentre.phone``), else the hotline of ``SUPPORT_PHONE``."""
    user = getattr(request, "user", None)
    commune_id = getattr(user, "commune_id", None) if user is not None and user.is_authenticated else None
    centre = help_centre(commune_id)
    phone = (centre.phone if centre is not None else "") or settings.SUPPORT_PHONE
    return {
        "help_line": {
            "name": centre.name if centre is not None else _("Trung tâm Phục vụ hành chính công"),
            "phone": phone,
            "dial": re.sub(r"[^\d+]", "", phone),
            "hours": centre.opening_hours if centre is not None else "",
        }
    }


def staff_desk(request) -> dict:
    """``desk``: whether the person works at the staff desk (``staff``), receives at a counter (``reception``) and
    has the province dashboard (``dashboard``: the province office, administrators, units' leaders).
    Read once per request (``dossiers.selectors.access_for`` caches it on the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"desk": {"staff": False, "reception": False, "dashboard": False}}
    from dossiers.selectors import access_for

    access = access_for(user)
    return {
        "desk": {
            "staff": access.is_staff_member,
            "reception": bool(access.reception_centres),
            "dashboard": access.sees_everything or bool(access.leader_units),
        }
    }


class _Inbox:
    """The header's notification count, read only when a template shows it (one COUNT query), at most once."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def unread(self) -> int:
        from notifications.selectors import unread_count

        return unread_count(self._user)


def inbox(request) -> dict:
    """``inbox.unread``: the person's unread in-app notices (nothing for a visitor who is not logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox": None}
    return {"inbox": _Inbox(user)}
