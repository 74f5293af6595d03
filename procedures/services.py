"""Writes to the catalogue. Every write of the ``procedures`` app's catalogue goes through here.

Versioning (DOMAIN.md §2). A record describes a procedure as in force from ``effective_from``:

* a version already starting that day is updated in place (or left unchanged when it says the same);
* otherwise a record that amends or abolishes, or that differs from the version in force that day, opens a new
  version from that day: the previous version's ``effective_until`` closes on it, and the new one ends where the
  next later version (if any) begins. Fields the file's format does not carry are copied from the previous
  version; a ``new`` record for a procedure that already exists becomes an amendment;
* a ``new`` record identical to the version in force that day changes nothing.

Re-importing the same file therefore changes nothing. Imports are bulk: a handful of queries per run, whatever
the number of procedures.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from communes.models import ProcessingUnit
from portal.common.errors import InvalidInput
from portal.common.text import fold
from procedures.importing.reader import read_paths
from procedures.importing.records import (
    DEFAULT_EFFECTIVE_FROM,
    CatalogueRecord,
    DecisionRecord,
    Problem,
    SkippedRecord,
    merge_records,
)
from procedures.importing.runtogether import ComponentRecord
from procedures.importing.validation import validate_records
from procedures.models import (
    AnnouncingDecision,
    Component,
    Decree,
    Procedure,
    ProcedureField,
    ProcedureVersion,
    VersionChange,
)

STATUSES = ("created", "updated", "unchanged", "rejected")
# Content fields of a version, copied into a new version when its record does not provide them.
CONTENT_FIELDS = (
    "name",
    "name_folded",
    "field_id",
    "level",
    "processing_unit_id",
    "agency_name",
    "time_value",
    "time_unit",
    "working_hours",
    "fee_vnd",
    "fee_note",
    "channel_direct",
    "channel_online",
    "channel_post",
    "online_level",
    "result_document",
    "legal_basis",
    "is_applied",
    "decision_id",
)
TWO_PLACES = Decimal("0.01")

Progress = Callable[[Iterable[Any]], Iterable[Any]]


@dataclass
class ImportSummary:
    """What an import did, per level: created / updated / unchanged / rejected; plus what it skipped."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    skipped: Counter = field(default_factory=Counter)  # reason → rows outside the province's catalogue
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    formats: dict[str, str] = field(default_factory=dict)
    references: Counter = field(default_factory=Counter)  # fields / decisions / decrees created or updated

    def total(self, status: str) -> int:
        return sum(counter[status] for counter in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.problems


def _component_key(components: Iterable[Any]) -> list[tuple]:
    return [(item.name, item.copy_kind, item.copies, item.template_name, item.is_required) for item in components]


@dataclass
class _Plan:
    """The in-memory state of the procedures an import touches, written in bulk at the end."""

    procedures: dict[str, Procedure]
    versions: dict[str, list[ProcedureVersion]]
    components: dict[int, list[Any]]  # id(version) → Component rows or ComponentRecords
    fields: dict[str, ProcedureField]
    units: dict[str, int]
    decisions: dict[str, AnnouncingDecision]
    new_procedures: list[Procedure] = field(default_factory=list)
    changed_procedures: dict[int, Procedure] = field(default_factory=dict)
    new_versions: list[ProcedureVersion] = field(default_factory=list)
    dirty_versions: dict[int, tuple[ProcedureVersion, set[str]]] = field(default_factory=dict)
    replaced_components: dict[int, ProcedureVersion] = field(default_factory=dict)
    original_components: dict[int, list[Component]] = field(default_factory=dict)

    def mark_dirty(self, version: ProcedureVersion, names: Iterable[str]) -> None:
        if version.pk is None:
            return  # new versions are inserted with all their values
        _, known = self.dirty_versions.setdefault(id(version), (version, set()))
        known.update(names)


# --- Reference rows: fields, decrees, decisions ------------------------------------------------------------


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


# --- The import ---------------------------------------------------------------------------------------------


def _desired(record: CatalogueRecord, plan: _Plan) -> dict[str, Any]:
    """The version values a record provides (only those its format carries)."""
    provided = record.provided
    values: dict[str, Any] = {}
    if "name" in provided:
        values["name"], values["name_folded"] = record.name, fold(record.name)
    if "field" in provided:
        values["field_id"] = plan.fields[record.field].pk
    if "level" in provided:
        values["level"] = record.level
    if "processing_unit" in provided or "level" in provided:
        values["processing_unit_id"] = plan.units.get(record.processing_unit) if record.processing_unit else None
    if "agency_name" in provided:
        values["agency_name"] = record.agency_name
    if "time" in provided:
        values["time_value"] = record.time_value.quantize(TWO_PLACES) if record.time_value is not None else None
        values["time_unit"] = record.time_unit
        values["working_hours"] = record.working_hours
    if "fee" in provided:
        values["fee_vnd"], values["fee_note"] = record.fee_vnd, record.fee_note
    if "channels" in provided:
        values["channel_direct"] = record.channel_direct
        values["channel_online"] = record.channel_online
        values["channel_post"] = record.channel_post
    if "online_level" in provided:
        values["online_level"] = record.online_level
    if "result_document" in provided:
        values["result_document"] = record.result_document
    if "legal_basis" in provided:
        values["legal_basis"] = record.legal_basis
    if "is_applied" in provided:
        values["is_applied"] = record.is_applied
    if "decision" in provided:
        values["decision_id"] = plan.decisions[record.decision.number].pk if record.decision else None
    return values


def _differs(version: ProcedureVersion, values: dict[str, Any]) -> set[str]:
    return {name for name, value in values.items() if getattr(version, name) != value}


def _apply_record(record: CatalogueRecord, plan: _Plan) -> str:
    """Plan one record's effect on its procedure; returns created / updated / unchanged."""
    status = ""
    procedure = plan.procedures.get(record.code)
    if procedure is None:
        procedure = Procedure(code=record.code, source=record.source)
        plan.procedures[record.code] = procedure
        plan.new_procedures.append(procedure)
        status = "created"
    elif "source" in record.provided and procedure.source != record.source:
        procedure.source = record.source
        plan.changed_procedures[id(procedure)] = procedure
        status = "updated"

    versions = plan.versions.setdefault(record.code, [])
    day = record.effective_from
    values = _desired(record, plan)
    components = record.components if "components" in record.provided else None

    same = next((version for version in versions if version.effective_from == day), None)
    if same is not None:
        changed = _differs(same, values)
        if same.change != record.change:
            changed.add("change")
            values["change"] = record.change
        components_changed = components is not None and _component_key(plan.components[id(same)]) != _component_key(
            components
        )
        if not changed and not components_changed:
            return status or "unchanged"
        for name in changed:
            setattr(same, name, values[name])
        plan.mark_dirty(same, changed)
        if components_changed:
            if same.pk is not None and id(same) not in plan.original_components:
                plan.original_components[id(same)] = list(plan.components[id(same)])
                plan.replaced_components[id(same)] = same
            plan.components[id(same)] = list(components)
        return status or "updated"

    earlier = [version for version in versions if version.effective_from < day]
    later = [version for version in versions if version.effective_from > day]
    previous = earlier[-1] if earlier else None
    following = later[0] if later else None
    previous_open = previous is not None and (previous.effective_until is None or previous.effective_until > day)
    in_force = previous_open and previous.change != VersionChange.ABOLISHED
    if record.change == VersionChange.NEW and in_force:
        components_same = components is None or _component_key(plan.components[id(previous)]) == _component_key(
            components
        )
        if not _differs(previous, values) and components_same:
            return status or "unchanged"

    if previous is None and not {"name", "field", "level"} <= record.provided:
        raise InvalidInput(
            _("%(code)s: thủ tục mới cần tên, lĩnh vực và cấp thực hiện") % {"code": record.code},
            code="invalid_procedure",
        )
    version = ProcedureVersion(procedure=procedure, effective_from=day)
    if previous is not None:
        for name in CONTENT_FIELDS:
            setattr(version, name, getattr(previous, name))
    for name, value in values.items():
        setattr(version, name, value)
    change = record.change
    if change == VersionChange.NEW and previous is not None and previous.change != VersionChange.ABOLISHED:
        change = VersionChange.AMENDED
    version.change = change
    if following is not None:
        version.effective_until = following.effective_from
    elif previous_open and previous.effective_until is not None:
        version.effective_until = previous.effective_until
    if previous_open:
        previous.effective_until = day
        plan.mark_dirty(previous, {"effective_until"})
    if components is None:
        components = list(plan.components.get(id(previous), [])) if previous is not None else []
    plan.components[id(version)] = list(components)
    versions.insert(len(earlier), version)
    plan.new_versions.append(version)
    return status or "updated"


def _load_plan(records: Sequence[CatalogueRecord], counts: Counter) -> _Plan:
    codes = {record.code for record in records}
    procedures = {item.code: item for item in Procedure.objects.filter(code__in=codes)}
    versions: dict[str, list[ProcedureVersion]] = defaultdict(list)
    by_id: dict[int, ProcedureVersion] = {}
    for version in (
        ProcedureVersion.objects.filter(procedure__code__in=codes)
        .select_related("procedure")
        .order_by("procedure__code", "effective_from")
    ):
        version.procedure = procedures[version.procedure.code]
        versions[version.procedure.code].append(version)
        by_id[version.pk] = version
    components: dict[int, list[Any]] = {id(version): [] for version in by_id.values()}
    for component in Component.objects.filter(version_id__in=by_id).order_by("version_id", "order", "id"):
        components[id(by_id[component.version_id])].append(component)
    decision_records = [record.decision for record in records if record.decision and "decision" in record.provided]
    return _Plan(
        procedures=procedures,
        versions=versions,
        components=components,
        fields=procedure_fields_ensure(
            names={record.field for record in records if "field" in record.provided}, counts=counts
        ),
        units=dict(ProcessingUnit.objects.values_list("key", "pk")),
        decisions=announcing_decisions_ensure(decisions=decision_records, counts=counts),
    )


def _reconcile_components(version: ProcedureVersion, existing: list[Component], wanted: list[ComponentRecord]):
    """Match wanted components to existing rows by name (keeping uploaded template files); the rest go."""
    pool = defaultdict(list)
    for component in existing:
        pool[component.name].append(component)
    to_update, to_create = [], []
    for order, item in enumerate(wanted, start=1):
        row = pool[item.name].pop(0) if pool[item.name] else None
        if row is None:
            to_create.append(_component_row(version, item, order))
            continue
        row.order, row.copy_kind, row.copies = order, item.copy_kind, item.copies
        row.template_name, row.is_required = item.template_name, item.is_required
        to_update.append(row)
    stale = [row.pk for rows in pool.values() for row in rows]
    return to_update, to_create, stale


def _component_row(version: ProcedureVersion, item: Any, order: int) -> Component:
    return Component(
        version=version,
        order=order,
        name=item.name,
        copy_kind=item.copy_kind,
        copies=item.copies,
        template=getattr(item, "template", "") or "",
        template_name=item.template_name,
        is_required=item.is_required,
    )


def _write_plan(plan: _Plan) -> None:
    now = timezone.now()
    if plan.new_procedures:
        Procedure.objects.bulk_create(plan.new_procedures, batch_size=500)
    if plan.changed_procedures:
        for procedure in plan.changed_procedures.values():
            procedure.updated_at = now
        Procedure.objects.bulk_update(list(plan.changed_procedures.values()), ["source", "updated_at"], batch_size=500)
    for version in plan.new_versions:
        version.procedure_id = version.procedure.pk  # the procedure may have just been inserted
    if plan.dirty_versions:
        dirty = [version for version, _ in plan.dirty_versions.values()]
        names = sorted({name for _, changed in plan.dirty_versions.values() for name in changed} | {"updated_at"})
        for version in dirty:
            version.updated_at = now
        ProcedureVersion.objects.bulk_update(dirty, names, batch_size=500)
    if plan.new_versions:
        ProcedureVersion.objects.bulk_create(plan.new_versions, batch_size=500)

    to_create: list[Component] = []
    to_update: list[Component] = []
    stale: list[int] = []
    for version in plan.new_versions:
        to_create.extend(
            _component_row(version, item, order) for order, item in enumerate(plan.components[id(version)], start=1)
        )
    for version in plan.replaced_components.values():
        update, create, gone = _reconcile_components(
            version, plan.original_components[id(version)], plan.components[id(version)]
        )
        to_update.extend(update)
        to_create.extend(create)
        stale.extend(gone)
    if stale:
        Component.objects.filter(pk__in=stale).delete()
    if to_update:
        Component.objects.bulk_update(
            to_update, ["order", "copy_kind", "copies", "template_name", "is_required"], batch_size=500
        )
    if to_create:
        Component.objects.bulk_create(to_create, batch_size=1000)


def catalogue_records_import(
    *,
    records: Sequence[CatalogueRecord],
    skip_invalid: bool = False,
    file_problems: Sequence[Problem] = (),
    skipped: Sequence[SkippedRecord] = (),
    progress: Progress | None = None,
) -> ImportSummary:
    """Validate and import records in one transaction.

    Any file-level problem (unknown layout, unreadable file) imports nothing. A record with problems is
    rejected; by default one rejected record imports nothing at all, with ``skip_invalid`` the valid ones are
    imported and the rejected ones listed. Returns the summary; ``summary.written`` says whether anything was.
    """
    summary = ImportSummary(problems=list(file_problems))
    summary.skipped.update(item.reason for item in skipped)
    validate_records(records, unit_keys=ProcessingUnit.objects.values_list("key", flat=True))
    valid = []
    for record in records:
        if record.problems:
            summary.problems.extend(record.problems)
            summary.counts[record.level or "unknown"]["rejected"] += 1
        else:
            valid.append(record)
    if file_problems or (summary.problems and not skip_invalid):
        return summary

    ordered = sorted(merge_records(valid), key=lambda record: (record.code, record.effective_from))
    with transaction.atomic():
        plan = _load_plan(ordered, summary.references)
        for record in progress(ordered) if progress else ordered:
            status = _apply_record(record, plan)
            level = record.level or _level_of(plan, record.code)
            summary.counts[level][status] += 1
        _write_plan(plan)
    summary.written = True
    return summary


def _level_of(plan: _Plan, code: str) -> str:
    versions = plan.versions.get(code) or []
    return versions[-1].level if versions and versions[-1].level else "unknown"


def catalogue_import(
    *,
    paths: Sequence[Path],
    skip_invalid: bool = False,
    effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM,
    file_progress: Progress | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Read files or directories in any supported format (detected) and import them (``import_catalogue``)."""
    read = read_paths(paths, effective_from=effective_from, progress=file_progress)
    summary = catalogue_records_import(
        records=read.records,
        skip_invalid=skip_invalid,
        file_problems=read.problems,
        skipped=read.skipped,
        progress=progress,
    )
    summary.formats = read.formats
    return summary


def procedure_version_upsert(*, record: CatalogueRecord) -> tuple[str, ProcedureVersion]:
    """Create or update the version one record describes (same rules as an import); raises on problems.

    Returns the status (created / updated / unchanged) and the version in force from the record's date.
    """
    summary = catalogue_records_import(records=[record])
    if summary.problems:
        raise InvalidInput("; ".join(str(problem) for problem in summary.problems), code="invalid_procedure")
    status = next(status for counter in summary.counts.values() for status in STATUSES if counter[status])
    version = ProcedureVersion.objects.get(procedure__code=record.code, effective_from=record.effective_from)
    return status, version


def procedure_version_periods_sync(*, procedure: Procedure) -> int:
    """Close each version where the next one begins (after versions were added or moved by hand).

    The last version keeps its own ``effective_until``. Returns how many versions changed.
    """
    versions = list(procedure.versions.order_by("effective_from"))
    changed = []
    for current, following in itertools.pairwise(versions):
        if current.effective_until != following.effective_from:
            current.effective_until = following.effective_from
            changed.append(current)
    now = timezone.now()
    for version in changed:
        version.updated_at = now
    if changed:
        ProcedureVersion.objects.bulk_update(changed, ["effective_until", "updated_at"])
    return len(changed)


# --- The province's shipped catalogue (load_catalogue) ------------------------------------------------------

CATALOGUE_LOAD_NAME = "catalogue"
# Bump when the loading logic changes, so that `make run` reloads even if the data file did not change.
CATALOGUE_LOADER_VERSION = "1"


def catalogue_file() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR) / "data" / "catalogue" / "phu-tho-catalogue.csv"


@dataclass
class CatalogueLoad:
    source_version: str
    skipped: bool = False
    summary: ImportSummary | None = None


def _file_version(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"sha256:{digest}; loader {CATALOGUE_LOADER_VERSION}"


def catalogue_load(*, path: Path | None = None, force: bool = False, progress: Progress | None = None) -> CatalogueLoad:
    """Load the province's catalogue file (after the communes and processing units it refers to).

    Skipped at once when the same file (by sha256) was loaded and the procedures are still there; otherwise an
    idempotent import (unchanged rows are left alone). Raises ``InvalidInput`` listing the problems if the file
    does not validate (nothing is written then).
    """
    from communes.models import ReferenceDataLoad
    from communes.services import communes_load

    path = path or catalogue_file()
    version = _file_version(path)
    previous = ReferenceDataLoad.objects.filter(name=CATALOGUE_LOAD_NAME).first()
    if (
        not force
        and previous is not None
        and previous.source_version == version
        and Procedure.objects.count() == previous.summary.get("procedures")
    ):
        return CatalogueLoad(source_version=version, skipped=True)

    communes_load()
    with transaction.atomic():
        summary = catalogue_import(paths=[path], progress=progress)
        if not summary.written:
            problems = "\n".join(str(problem) for problem in summary.problems[:50])
            raise InvalidInput(
                _("Tệp danh mục có lỗi, không nạp gì:\n%(problems)s") % {"problems": problems},
                code="invalid_catalogue",
            )
        _record_load(version, summary)
    return CatalogueLoad(source_version=version, summary=summary)


def _record_load(version: str, summary: ImportSummary) -> None:
    from communes.models import ReferenceDataLoad

    ReferenceDataLoad.objects.update_or_create(
        name=CATALOGUE_LOAD_NAME,
        defaults={
            "source_version": version,
            "summary": {
                "procedures": Procedure.objects.count(),
                "counts": {level: dict(counter) for level, counter in summary.counts.items()},
            },
        },
    )
