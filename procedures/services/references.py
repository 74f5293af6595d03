"""The catalogue's reference rows that records cite: fields (lĩnh vực), announcing decisions and their decrees.

Created or updated in bulk, keyed by name or number; an empty value in a record never overwrites a stored one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.utils.text import slugify

from portal.common.text import fold
from procedures.importing.records import DecisionRecord
from procedures.models import AnnouncingDecision, Decree, ProcedureField


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(fold(name))[:110] or "linh-vuc"
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    taken.add(slug)
    return slug


def procedure_fields_ensure(*, names: Iterable[str], counts: Counter | None = None) -> dict[str, ProcedureField]:
    """The ProcedureField of every name, creating the missing ones (unique slugs from the folded name)."""
    wanted = set(names)
    existing = {item.name: item for item in ProcedureField.objects.filter(name__in=wanted)}
    missing = sorted(wanted - existing.keys())
    if missing:
        taken = set(ProcedureField.objects.values_list("slug", flat=True))
        created = ProcedureField.objects.bulk_create(
            [ProcedureField(name=name, slug=_unique_slug(name, taken), name_folded=fold(name)) for name in missing]
        )
        existing.update({item.name: item for item in created})
        if counts is not None:
            counts["fields.created"] += len(created)
    return existing


def announcing_decisions_ensure(
    *, decisions: Iterable[DecisionRecord], counts: Counter | None = None
) -> dict[str, AnnouncingDecision]:
    """Create or update the decisions (and their decrees) the records cite; keyed by decision number."""
    counts = counts if counts is not None else Counter()
    by_number: dict[str, DecisionRecord] = {}
    for item in decisions:  # titles may be stated on one row only: keep the first non-empty value of each
        known = by_number.setdefault(item.number, DecisionRecord(number=item.number))
        for name in ("title", "signed_on", "effective_on", "decree_number", "decree_title"):
            if not getattr(known, name) and getattr(item, name):
                setattr(known, name, getattr(item, name))
    decree_titles: dict[str, str] = {}
    for item in by_number.values():
        if item.decree_number and not decree_titles.get(item.decree_number):
            decree_titles[item.decree_number] = item.decree_title[:500]
    decrees = _upsert_by_number(
        Decree, {number: {"title": title} for number, title in decree_titles.items()}, counts, "decrees"
    )
    wanted = {
        number: {
            "title": item.title[:500],
            "signed_on": item.signed_on,
            "effective_on": item.effective_on,
            "decree": decrees.get(item.decree_number),
        }
        for number, item in by_number.items()
    }
    return _upsert_by_number(AnnouncingDecision, wanted, counts, "decisions")


def _upsert_by_number(model, wanted: dict[str, dict[str, Any]], counts: Counter, label: str) -> dict[str, Any]:
    """Bulk create or update rows keyed by ``number``; empty wanted values never overwrite stored ones."""
    existing = {row.number: row for row in model.objects.filter(number__in=wanted)}
    missing = [model(number=number, **values) for number, values in wanted.items() if number not in existing]
    changed, names = [], set()
    for number, row in existing.items():
        differing = {name for name, value in wanted[number].items() if value and getattr(row, name) != value}
        if differing:
            for name in differing:
                setattr(row, name, wanted[number][name])
            changed.append(row)
            names |= differing
    if missing:
        existing.update({row.number: row for row in model.objects.bulk_create(missing)})
        counts[f"{label}.created"] += len(missing)
    if changed:
        model.objects.bulk_update(changed, sorted(names))
        counts[f"{label}.updated"] += len(changed)
    return existing
