"""Reads of accounts: the roles a person holds."""

from __future__ import annotations

from portal.accounts.models import Membership
from portal.common.refcache import ReferenceCache

#: Active memberships per user, kept per process while the table is unchanged: a role granted or withdrawn (admin,
#: script, raw SQL) is seen by every process within ``REFERENCE_CACHE_CHECK_SECONDS``.
memberships = ReferenceCache("memberships", lambda: [Membership])


def active_memberships(user_id: int) -> tuple[tuple[str, int | None, int | None], ...]:
    """``(role, centre id, processing unit id)`` of each active membership of the user."""
    return memberships.get(
        ("user", user_id),
        lambda: tuple(
            Membership.objects.filter(user_id=user_id, is_active=True).values_list(
                "role", "centre_id", "processing_unit_id"
            )
        ),
    )
