"""The import planner: what a batch of catalogue records does to the versions of their procedures. Pure.

It takes the records and a snapshot of what exists (``ImportPlan``: procedures, their versions keyed by code and
ordered by effective date, their components, and which versions are *pinned* — referenced by dossiers or their
documents) and decides, record by record, what to create, update or close. It reads and writes no database:
``procedures.services.writer`` loads the snapshot and writes the plan, in bulk. Model instances are used only as
value holders (unsaved ones for new rows).

Versioning (DOMAIN.md §2). A record describes a procedure as in force from ``effective_from``:

* a version already starting that day is updated in place (or left unchanged when it says the same) — unless it
  is pinned: a dossier is bound to the version in force when it was received, so a pinned version's content and
  components are never rewritten. The change opens a new version from the import date instead (the pinned one
  closes that day); when it cannot (the pinned version starts on or after the import date), the record is
  refused (``VersionInUse``) and the import writes nothing;
* otherwise a record that amends or abolishes, or that differs from the version in force that day, opens a new
  version from that day: the previous version's ``effective_until`` closes on it, and the new one ends where the
  next later version (if any) begins. A dated change reaching back into the period of a pinned version starts
  from the import date, so that no dossier received under it changes version. Fields the file's format does not
  carry are copied from the previous version; a ``new`` record for a procedure that already exists becomes an
  amendment;
* a ``new`` record identical to the version in force that day changes nothing, and so does an ``abolished`` one
  when the procedure is abolished already;
* a record moved to the import date keeps naming its own date, so a later import moves it again: when the version
  in force on that later day already says the same, nothing changes. A record's change reaches as far as the
  import's next record for the procedure: when that one starts on or before the import date, the change lies
  wholly in the pinned past and is refused too (moving it would put the older text in force over the newer).

Re-importing the same file therefore changes nothing, on the same day or any later one.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from portal.common.errors import InvalidInput, VersionInUse
from portal.common.text import fold
from procedures.importing.records import CatalogueRecord, Problem
from procedures.models import (
    AnnouncingDecision,
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


def version_in_use(
    record: CatalogueRecord,
    version: ProcedureVersion,
    import_date: datetime.date,
    *,
    superseded_on: datetime.date | None = None,
) -> VersionInUse:
    """The refusal of a record that would rewrite a version dossiers are bound to, located in its file."""
    values = {
        "code": record.code,
        "start": f"{version.effective_from:%d/%m/%Y}",
        "today": f"{import_date:%d/%m/%Y}",
        "day": f"{record.effective_from:%d/%m/%Y}",
        "next": f"{superseded_on:%d/%m/%Y}" if superseded_on else "",
    }
    if superseded_on is None:
        template = _(
            "%(code)s: phiên bản hiệu lực từ %(start)s đang được hồ sơ sử dụng, không sửa được; "
            "thay đổi phải có hiệu lực từ sau ngày %(start)s (ngày nhập: %(today)s)."
        )
    else:
        template = _(
            "%(code)s: phiên bản hiệu lực từ %(start)s đang được hồ sơ sử dụng, không sửa được; "
            "bản ghi từ %(day)s đã được bản ghi từ %(next)s thay thế trước ngày nhập (%(today)s), "
            "nên thay đổi của nó cũng không áp dụng từ ngày nhập được."
        )
    message = template % values
    return VersionInUse(
        message,
        problem=Problem(record.file, record.row, "effective_from", message),
        level=record.level or version.level,
    )


def component_key(components: Iterable[Any]) -> list[tuple]:
    return [(item.name, item.copy_kind, item.copies, item.template_name, item.is_required) for item in components]


@dataclass
class ImportPlan:
    """The snapshot of the procedures an import touches, and what the records do to it (written in bulk after)."""

    procedures: dict[str, Procedure]
    versions: dict[str, list[ProcedureVersion]]  # code → versions ordered by effective_from
    components: dict[int, list[Any]]  # id(version) → Component rows or ComponentRecords
    fields: dict[str, ProcedureField]
    units: dict[str, int]
    decisions: dict[str, AnnouncingDecision]
    pinned: set[tuple[str, datetime.date]] = field(default_factory=set)  # (code, effective_from) in use
    record_days: dict[str, list[datetime.date]] = field(default_factory=dict)  # code → dates the import names
    import_date: datetime.date = datetime.date.max  # the day of the import (the writer sets today)
    new_procedures: list[Procedure] = field(default_factory=list)
    changed_procedures: dict[int, Procedure] = field(default_factory=dict)
    new_versions: list[ProcedureVersion] = field(default_factory=list)
    dirty_versions: dict[int, tuple[ProcedureVersion, set[str]]] = field(default_factory=dict)
    replaced_components: dict[int, ProcedureVersion] = field(default_factory=dict)
    original_components: dict[int, list[Any]] = field(default_factory=dict)
    moved: dict[tuple[str, datetime.date], datetime.date] = field(default_factory=dict)  # record date → used

    def expect(self, records: Iterable[CatalogueRecord]) -> None:
        """Note the dates the import names for each procedure (where a moved change stops)."""
        for record in records:
            self.record_days.setdefault(record.code, []).append(record.effective_from)
        for days in self.record_days.values():
            days.sort()

    def mark_dirty(self, version: ProcedureVersion, names: Iterable[str]) -> None:
        if version.pk is None:
            return  # new versions are inserted with all their values
        _, known = self.dirty_versions.setdefault(id(version), (version, set()))
        known.update(names)

    def is_pinned(self, version: ProcedureVersion | None) -> bool:
        return (
            version is not None
            and version.pk is not None
            and (version.procedure.code, version.effective_from) in self.pinned
        )


def desired(record: CatalogueRecord, plan: ImportPlan) -> dict[str, Any]:
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


def differs(version: ProcedureVersion, values: dict[str, Any]) -> set[str]:
    return {name for name, value in values.items() if getattr(version, name) != value}


def in_force_on(versions: list[ProcedureVersion], day: datetime.date) -> ProcedureVersion | None:
    """The version whose period covers ``day`` (abolished or not), from versions ordered by effective date."""
    earlier = [version for version in versions if version.effective_from <= day]
    if not earlier or (earlier[-1].effective_until is not None and earlier[-1].effective_until <= day):
        return None
    return earlier[-1]


def says_the_same(version: ProcedureVersion, record: CatalogueRecord, plan: ImportPlan) -> bool:
    """Whether ``version`` already is what ``record`` describes: abolished both, or the same values and components."""
    abolished = VersionChange.ABOLISHED
    if (record.change == abolished) != (version.change == abolished):
        return False
    if record.change == abolished:
        return True
    if differs(version, desired(record, plan)):
        return False
    return "components" not in record.provided or component_key(plan.components[id(version)]) == component_key(
        record.components
    )


def _moved_to_import_date(record: CatalogueRecord, pinned: ProcedureVersion, plan: ImportPlan) -> str:
    """Plan the record's change from the import date instead of a date inside a pinned version's period.

    The record keeps naming its own date, so every later import moves it again: when the version in force on the
    import date already says the same (a previous import moved it there), nothing changes.
    """
    if plan.import_date <= pinned.effective_from:
        raise version_in_use(record, pinned, plan.import_date)
    superseded_on = next((day for day in plan.record_days.get(record.code, ()) if day > record.effective_from), None)
    if superseded_on is not None and superseded_on <= plan.import_date:
        # the record's period ends at the import's next record for the procedure, before the import date
        raise version_in_use(record, pinned, plan.import_date, superseded_on=superseded_on)
    plan.moved[(record.code, record.effective_from)] = plan.import_date
    # from the import date the pinned version comes before it: a "new" record there amends it
    change = VersionChange.AMENDED if record.change == VersionChange.NEW else record.change
    moved = dataclasses.replace(record, effective_from=plan.import_date, change=change)
    current = in_force_on(plan.versions[record.code], plan.import_date)
    if current is not None and says_the_same(current, moved, plan):
        return "unchanged"
    return apply_record(moved, plan)


def apply_record(record: CatalogueRecord, plan: ImportPlan) -> str:
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
    values = desired(record, plan)
    components = record.components if "components" in record.provided else None

    same = next((version for version in versions if version.effective_from == day), None)
    if same is not None:
        changed = differs(same, values)
        if same.change != record.change:
            changed.add("change")
            values["change"] = record.change
        components_changed = components is not None and component_key(plan.components[id(same)]) != component_key(
            components
        )
        if not changed and not components_changed:
            return status or "unchanged"
        if plan.is_pinned(same):
            moved = _moved_to_import_date(record, same, plan)
            return status or moved
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
        components_same = components is None or component_key(plan.components[id(previous)]) == component_key(
            components
        )
        if not differs(previous, values) and components_same:
            return status or "unchanged"
    if record.change == VersionChange.ABOLISHED and previous_open and previous.change == VersionChange.ABOLISHED:
        return status or "unchanged"  # abolished already
    if previous_open and plan.is_pinned(previous) and day < plan.import_date:
        moved = _moved_to_import_date(record, previous, plan)
        return status or moved

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


def level_of(plan: ImportPlan, code: str) -> str:
    versions = plan.versions.get(code) or []
    return versions[-1].level if versions and versions[-1].level else "unknown"
