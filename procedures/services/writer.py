"""Catalogue imports: validate the records, load the snapshot the planner needs, apply the plan in bulk.

One transaction per import, a handful of queries whatever the number of procedures. The rules of versioning are
the planner's (``procedures.services.planner``); this module reads what exists — including which versions are
pinned by rows of other apps (dossiers, their documents) — and writes what the planner decided.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import ProcessingUnit
from portal.common.errors import ComponentsInUse, InvalidInput, VersionInUse
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
from procedures.models import Component, Procedure, ProcedureVersion, Source, VersionChange
from procedures.services.planner import STATUSES, ImportPlan, apply_record, level_of
from procedures.services.references import announcing_decisions_ensure, procedure_fields_ensure

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
    moved: dict[tuple[str, datetime.date], datetime.date] = field(default_factory=dict)  # pinned: new start day

    def total(self, status: str) -> int:
        return sum(counter[status] for counter in self.counts.values())

    @property
    def ok(self) -> bool:
        return not self.problems


def components_in_use(versions: Iterable[ProcedureVersion]) -> ComponentsInUse:
    """The refusal of an import whose delete of components a dossier filed since the snapshot protects."""
    codes = sorted({version.procedure.code for version in versions})
    message = _(
        "%(codes)s: một hồ sơ vừa được nộp theo thủ tục này dùng thành phần hồ sơ mà lần nhập này bỏ đi; "
        "không nhập gì, hãy nhập lại."
    ) % {"codes": ", ".join(codes)}
    return ComponentsInUse(message, problem=Problem("", 0, "components", message))


def _referenced(model, ids: set[int], *, skip: tuple = ()) -> set[int]:
    """The ids among ``ids`` that rows of other models point to (protected or not): found through the model's
    reverse relations, so that the catalogue needs to know nothing of the apps above it."""
    found: set[int] = set()
    for relation in model._meta.related_objects:
        if relation.related_model in skip or not ids or relation.many_to_many:
            continue
        column = relation.field.name
        found.update(
            relation.related_model._default_manager.filter(**{f"{column}__in": ids})
            .values_list(relation.field.attname, flat=True)
            .distinct()
        )
    return found & ids


def _pinned(by_id: dict[int, ProcedureVersion], components: dict[int, list[Any]]) -> set[tuple[str, datetime.date]]:
    """Versions that dossiers (or any row of another app) are bound to, directly or through a component."""
    versions = _referenced(ProcedureVersion, set(by_id), skip=(Component,))
    component_version = {row.pk: row.version_id for rows in components.values() for row in rows}
    versions |= {component_version[pk] for pk in _referenced(Component, set(component_version))}
    return {(by_id[pk].procedure.code, by_id[pk].effective_from) for pk in versions}


def _load_plan(records: Sequence[CatalogueRecord], counts: Counter) -> ImportPlan:
    codes = {record.code for record in records}
    procedures = {item.code: item for item in Procedure.objects.filter(code__in=codes)}
    versions: dict[str, list[ProcedureVersion]] = defaultdict(list)
    by_id: dict[int, ProcedureVersion] = {}
    # Locked FOR UPDATE before the pins are read: a dossier being filed under one of these versions holds a key-share
    # lock on it until it commits, so the pins below see it; one filed after waits for this import. (An in-place
    # UPDATE alone takes a weaker lock that a filing's foreign-key check does not wait for.)
    for version in (
        ProcedureVersion.objects.filter(procedure__code__in=codes)
        .select_related("procedure")
        .select_for_update(of=("self",))
        .order_by("procedure__code", "effective_from")
    ):
        version.procedure = procedures[version.procedure.code]
        versions[version.procedure.code].append(version)
        by_id[version.pk] = version
    components: dict[int, list[Any]] = {id(version): [] for version in by_id.values()}
    for component in Component.objects.filter(version_id__in=by_id).order_by("version_id", "order", "id"):
        components[id(by_id[component.version_id])].append(component)
    decision_records = [record.decision for record in records if record.decision and "decision" in record.provided]
    return ImportPlan(
        procedures=procedures,
        versions=versions,
        components=components,
        fields=procedure_fields_ensure(
            names={record.field for record in records if "field" in record.provided}, counts=counts
        ),
        units=dict(ProcessingUnit.objects.values_list("key", "pk")),
        decisions=announcing_decisions_ensure(decisions=decision_records, counts=counts),
        pinned=_pinned(by_id, components),
        import_date=timezone.localdate(),
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


def _write_plan(plan: ImportPlan) -> None:
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
        try:
            Component.objects.filter(pk__in=stale).delete()
        except ProtectedError as protected:  # the snapshot's pins missed a dossier filed since: refuse, roll back
            used = {getattr(row, "component_id", None) for row in protected.protected_objects}
            raise components_in_use(
                version
                for version in plan.replaced_components.values()
                if used & {row.pk for row in plan.original_components[id(version)]}
            ) from protected
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
    imported and the rejected ones listed. A record that would rewrite a version dossiers are bound to, where no
    later version can take its change (``VersionInUse``), imports nothing; so does one whose version a dossier filed
    while the import ran has just become bound to, when it would delete a component that dossier uses
    (``ComponentsInUse``, from the ``ProtectedError`` of the delete). Returns the summary; ``summary.written`` says
    whether anything was.
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
    try:
        with transaction.atomic():
            plan = _load_plan(ordered, summary.references)
            plan.expect(ordered)
            for record in progress(ordered) if progress else ordered:
                status = apply_record(record, plan)
                level = record.level or level_of(plan, record.code)
                summary.counts[level][status] += 1
            _write_plan(plan)
    except VersionInUse as refused:
        summary.problems.append(refused.problem)
        summary.counts = defaultdict(Counter)
        summary.counts[refused.level or "unknown"]["rejected"] += 1
        summary.references = Counter()
        return summary
    except ComponentsInUse as refused:
        summary.problems.append(refused.problem)
        summary.counts = defaultdict(Counter)
        summary.references = Counter()
        return summary
    summary.moved = dict(plan.moved)
    summary.written = True
    return summary


def catalogue_import(
    *,
    paths: Sequence[Path],
    skip_invalid: bool = False,
    effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM,
    file_progress: Progress | None = None,
    progress: Progress | None = None,
    retire_illustrative: DecisionRecord | None = None,
) -> ImportSummary:
    """Read files or directories in any supported format (detected) and import them (``import_catalogue``).

    With ``retire_illustrative`` (the province's decision that announces the real catalogue), every illustrative
    procedure the files do not carry is abolished from today under that decision, in the same transaction: the
    real export replaces the generated records, and dossiers already filed under one keep their version."""
    read = read_paths(paths, effective_from=effective_from, progress=file_progress)
    records = list(read.records)
    if retire_illustrative is not None:
        records += illustrative_retirements(
            imported={record.code for record in records}, decision=retire_illustrative, on=timezone.localdate()
        )
    summary = catalogue_records_import(
        records=records,
        skip_invalid=skip_invalid,
        file_problems=read.problems,
        skipped=read.skipped,
        progress=progress,
    )
    summary.formats = read.formats
    return summary


def illustrative_retirements(
    *, imported: set[str], decision: DecisionRecord, on: datetime.date
) -> list[CatalogueRecord]:
    """An ``abolished`` record, from ``on``, for each illustrative procedure not in ``imported`` (the planner leaves
    one that is abolished already as it is)."""
    codes = (
        Procedure.objects.filter(source=Source.ILLUSTRATIVE)
        .exclude(code__in=imported)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return [
        CatalogueRecord(
            file="--retire-illustrative",
            row=number,
            code=code,
            change=VersionChange.ABOLISHED,
            effective_from=on,
            decision=decision,
            provided=frozenset({"decision"}),
        )
        for number, code in enumerate(codes, start=1)
    ]


def procedure_version_upsert(*, record: CatalogueRecord) -> tuple[str, ProcedureVersion]:
    """Create or update the version one record describes (same rules as an import); raises on problems.

    Returns the status (created / updated / unchanged) and the version in force from the record's date — or from
    the import date, when the change had to start then because dossiers are bound to the version of that date.
    """
    summary = catalogue_records_import(records=[record])
    if summary.problems:
        raise InvalidInput("; ".join(str(problem) for problem in summary.problems), code="invalid_procedure")
    status = next(status for counter in summary.counts.values() for status in STATUSES if counter[status])
    day = summary.moved.get((record.code, record.effective_from), record.effective_from)
    version = (
        ProcedureVersion.objects.filter(procedure__code=record.code, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )
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
