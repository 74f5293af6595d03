"""Reads of counter reception: who the person at the counter is (from their CCCD), and what this centre receives most.

Only reception officers get anything; the CCCD is never logged.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from dossiers.models import Channel, Dossier
from dossiers.selectors import access_for
from portal.accounts.models import User

_DIGITS = re.compile(r"\D")
PREFILLED = ("name", "phone", "email", "address")


def applicant_prefill(*, user, id_number: str) -> dict | None:
    """What the portal already knows of the person with this CCCD (or tax code): name, phone, e-mail and address —
    from their account first (kept by the person), then from the newest dossier they were the applicant of.
    ``None`` when nothing is known, the number is not one, or ``user`` is not a reception officer."""
    if not access_for(user).reception_centres:
        return None
    number = _DIGITS.sub("", id_number or "")
    if len(number) not in (9, 10, 12, 13):
        return None
    found: dict[str, str] = {}
    sources = []
    account = (
        User.objects.filter(id_number=number, is_active=True)
        .values("full_name", "phone", "email", "address")
        .order_by("-date_joined")
        .first()
    )
    if account:
        sources.append("account")
        for key, column in (("name", "full_name"), ("phone", "phone"), ("email", "email"), ("address", "address")):
            if account[column]:
                found[key] = account[column]
    dossier = (
        Dossier.objects.filter(applicant_id_number=number)
        .order_by("-filed_at", "-id")
        .values(
            "applicant_name",
            "applicant_phone",
            "applicant_email",
            "applicant_address",
            "applicant_kind",
            "organisation_name",
        )
        .first()
    )
    if dossier:
        sources.append("dossier")
        for key in PREFILLED:
            value = dossier[f"applicant_{key}"]
            if value and not found.get(key):
                found[key] = value
        if dossier["applicant_kind"] == "organisation":
            found["kind"] = "organisation"
            found["organisation_name"] = dossier["organisation_name"]
    if not found:
        return None
    return {"id_number": number, "sources": sources, **found}


def most_received_at(centre_id: int, *, limit: int = 8, days: int = 180) -> list[dict]:
    """The procedures this centre received most at its counter lately: ``{"code", "name", "count"}``, one query."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        Dossier.objects.filter(reception_centre_id=centre_id, channel=Channel.DIRECT, filed_at__gte=since)
        .values("procedure__code")
        .annotate(count=Count("id"), name=Max("procedure_version__name"))
        .order_by("-count", "procedure__code")[:limit]
    )
    return [{"code": row["procedure__code"], "name": row["name"], "count": row["count"]} for row in rows]
