"""Reads of the catalogue. Every non-trivial query of the ``procedures`` app lives here."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.common.errors import NotFound
from procedures.models import ProcedureVersion, VersionChange


def in_force_filter(on: datetime.date) -> Q:
    """Versions in force on a date: started, not yet superseded, not an abolition."""
    return (
        Q(effective_from__lte=on)
        & (Q(effective_until__isnull=True) | Q(effective_until__gt=on))
        & ~Q(change=VersionChange.ABOLISHED)
    )


def versions_in_force(*, on: datetime.date | None = None) -> QuerySet[ProcedureVersion]:
    on = on or timezone.localdate()
    return ProcedureVersion.objects.filter(in_force_filter(on))


def procedure_version_in_force(*, code: str, on: datetime.date | None = None) -> ProcedureVersion:
    """The version of procedure ``code`` in force on ``on`` (today by default); 404 when there is none."""
    version = (
        versions_in_force(on=on)
        .select_related("procedure", "field", "processing_unit", "decision", "decision__decree")
        .filter(procedure__code=code.strip())
        .first()
    )
    if version is None:
        raise NotFound()
    return version
