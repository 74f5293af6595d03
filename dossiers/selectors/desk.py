"""Reads of the desk's dossier page that are not about one dossier's scope: who can be assigned, names of people."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts.models import Membership, StaffRole, User


def unit_handlers(unit_id: int) -> QuerySet[User]:
    """The processing unit's active handlers (whom a leader may assign), by name."""
    ids = Membership.objects.filter(role=StaffRole.HANDLER, processing_unit_id=unit_id, is_active=True).values(
        "user_id"
    )
    return User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username")


def names_of(user_ids) -> dict[int, str]:
    """``{id: full name or user name}`` of the given people, in one query."""
    ids = {user_id for user_id in user_ids if user_id}
    if not ids:
        return {}
    return {
        pk: full or username
        for pk, full, username in User.objects.filter(pk__in=ids).values_list("pk", "full_name", "username")
    }
