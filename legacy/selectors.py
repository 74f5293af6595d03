"""What the review queue shows: the transitional records waiting for a commune or a procedure, as a person may settle
them, and the names of their candidate communes."""

from __future__ import annotations

from communes.models import Commune, ProcessingUnit
from legacy.models import LegacyRecord

LIMIT = 500


def _communes_of(access) -> set[int] | None:
    """The communes whose records ``access`` may settle (``None``: all)."""
    if access.sees_everything:
        return None
    return set(
        ProcessingUnit.objects.filter(pk__in=access.leader_units, commune__isnull=False).values_list(
            "commune_id", flat=True
        )
    )


def review_records(access) -> list[LegacyRecord]:
    """The records waiting for review that ``access`` may settle, oldest first (at most 500). The queue is short —
    three old units were split — so a commune's records are picked in Python (JSON containment is not portable)."""
    records = LegacyRecord.objects.filter(dossier__isnull=True).order_by("imported_at", "pk")
    communes = _communes_of(access)
    if communes is None:
        return list(records[:LIMIT])
    return [record for record in records.iterator() if communes & set(record.candidates)][:LIMIT]


def commune_names(records: list[LegacyRecord]) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """The candidates' names (one query), and every commune when a record has no candidate (one more)."""
    names = dict(Commune.objects.filter(pk__in={c for r in records for c in r.candidates}).values_list("pk", "name"))
    every = []
    if any(not record.candidates for record in records):
        every = list(Commune.objects.order_by("name").values_list("pk", "name"))
    return names, every
