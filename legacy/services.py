"""Bringing the old systems' in-flight dossiers in, and keeping them in step until the old systems close (issue 14).

``legacy_import(system, paths)`` reads each export (``legacy.reader``) in batches and, per record:

* **new** → mapped to one of the 148 communes through the official old → new table (``communes.FormerUnit``) by the
  old ward and district it names; the procedure by its national code (the version in force when the old system
  received it); processing unit, reception and return centres from both. A dossier is created with the old system's
  moments as they were (the appointment was made then; recomputed only when missing, and flagged). When the old
  unit was **split** between several new communes, when it is **not found**, or when the procedure code is **unknown**,
  no dossier is guessed: the record waits in the review queue (``/can-bo/chuyen-tiep/``) with its candidates;
* **known and unchanged** (same fingerprint) → nothing;
* **known and changed** → only what changed is applied; a status may only move forward (a status that moves back is
  reported, not applied); a dossier finished there is closed here with its moments;
* **taken over here** (a clerk acted on it in this system) → the export is ignored, with a note.

Every change is an audit event (action ``import``, the system in its payload, no person). One transaction for the
whole import: with a broken row nothing is written, unless ``skip_invalid``; ``dry_run`` writes nothing either.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import islice
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communes.models import CentreKind, FormerUnit, ProcessingUnit, ServiceCentre
from dossiers import deadlines
from dossiers.lookup import normalise_phone
from dossiers.models import AuditEvent, Dossier
from dossiers.workflow import FINISHED_STATES, IMPORT_ACTION, NATIONAL_STATUS, State
from legacy import copy
from legacy.models import LegacyRecord, Review
from legacy.reader import Raw, Rejected, Row, read, sources
from portal.common.text import fold
from procedures.calendar import working_calendar
from procedures.models import Level, Procedure, ProcedureVersion, VersionChange

logger = logging.getLogger(__name__)

IMPORT_ROLE = "import"
BATCH = 1000
#: How far along a state is: an export may move a dossier to a state of the same rank or later, never earlier.
RANK = {
    State.RECEIVED: 1,
    State.TRANSFERRED: 2,
    State.PROCESSING: 2,
    State.SUPPLEMENT_REQUESTED: 2,
    State.PAYMENT_REQUESTED: 2,
    State.WITHDRAWAL_REQUESTED: 3,
    State.RESULT_READY: 4,
    State.RETURNED: 5,
    State.STOPPED: 5,
    State.WITHDRAWN: 5,
    State.REFUSED: 5,
}
_PREFIXES = ("thi tran ", "phuong ", "xa ", "thi xa ", "thanh pho ", "huyen ", "quan ", "tp. ", "tp ")


@lru_cache(maxsize=65536)
def _folded(name: str) -> str:
    return fold(name)[:200]


@lru_cache(maxsize=4096)
def _bare(name: str) -> str:
    """A unit's name without diacritics, case and its kind (xã, phường, huyện…)."""
    text = fold(name).strip()
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    mapped: int = 0
    ambiguous: int = 0
    unmapped: int = 0
    unknown_procedure: int = 0
    backwards: int = 0
    ignored: int = 0
    due_recomputed: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    rows: int = 0
    written: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "mapped": self.mapped,
            "ambiguous": self.ambiguous,
            "unmapped": self.unmapped,
            "unknown_procedure": self.unknown_procedure,
            "backwards": self.backwards,
            "ignored": self.ignored,
            "due_recomputed": self.due_recomputed,
        }


class _Rollback(Exception):
    pass


# --- What the reference data says -----------------------------------------------------------------------------


class Places:
    """The old → new table and the centres and units of the new communes, read once per import."""

    def __init__(self):
        self.by_name: dict[tuple[str, str, str], set[int]] = defaultdict(set)  # (province, district, ward)
        self.by_ward: dict[tuple[str, str], set[int]] = defaultdict(set)  # (province, ward)
        for unit in FormerUnit.objects.prefetch_related("mappings"):
            communes = {mapping.commune_id for mapping in unit.mappings.all()}
            self.by_name[(unit.former_province, _bare(unit.district_name), _bare(unit.name))] |= communes
            self.by_ward[(unit.former_province, _bare(unit.name))] |= communes
        self.centre_of = dict(ServiceCentre.objects.filter(kind=CentreKind.COMMUNE).values_list("commune_id", "pk"))
        self.branch_of = dict(ServiceCentre.objects.filter(kind=CentreKind.BRANCH).values_list("former_province", "pk"))
        self.committee_of = dict(ProcessingUnit.objects.filter(commune__isnull=False).values_list("commune_id", "pk"))

    def communes(self, province: str, district: str, ward: str) -> set[int]:
        """The new communes of an old ward (several when it was split); empty when the name is not found."""
        if not ward:
            return set()
        found = self.by_name.get((province, _bare(district), _bare(ward)))
        if found:
            return found
        return self.by_ward.get((province, _bare(ward)), set()) if not district else set()

    def from_address(self, province: str, address: str) -> set[int]:
        """The commune named in an address "…, xã X, huyện Y, tỉnh Z" (the applicant's), when the row names none."""
        parts = [part.strip() for part in address.split(",") if part.strip()]
        for i in range(len(parts) - 1):
            found = self.by_name.get((province, _bare(parts[i + 1]), _bare(parts[i])))
            if found:
                return found
        return set()


class Catalogue:
    """Each national code's versions, read once per code."""

    def __init__(self):
        self._cache: dict[str, list[ProcedureVersion] | None] = {}
        self._in_force: dict[tuple, tuple[ProcedureVersion | None, str]] = {}

    def version(self, code: str, on: datetime) -> tuple[ProcedureVersion | None, str]:
        """The version in force when the old system received the dossier; its flag ("abolished" when the procedure
        has been abolished since; "unknown" when the code is not in the catalogue)."""
        if code not in self._cache:
            procedure = Procedure.objects.filter(code=code).first()
            self._cache[code] = (
                list(procedure.versions.select_related("field").order_by("effective_from")) if procedure else None
            )
        key = (code, timezone.localtime(on).date())
        if key not in self._in_force:
            self._in_force[key] = self._pick(code, key[1])
        return self._in_force[key]

    def _pick(self, code: str, day) -> tuple[ProcedureVersion | None, str]:
        versions = self._cache[code]
        if not versions:
            return None, "unknown"
        usable = [v for v in versions if v.change != VersionChange.ABOLISHED]
        in_force = [v for v in usable if v.effective_from <= day] or usable or versions
        flag = "abolished" if versions[-1].change == VersionChange.ABOLISHED else ""
        return in_force[-1], flag


# --- One record --------------------------------------------------------------------------------------------------


def _reference(system: str, code: str) -> str:
    return "CT" + hashlib.sha256(f"{system}:{code}".encode()).hexdigest()[:14].upper()


def _due(row: Row, version: ProcedureVersion, calendar) -> tuple[datetime | None, bool]:
    if row.due_at is not None:
        return row.due_at, False
    if version.time_value is None or not version.time_unit:
        return None, False
    return deadlines.appointment(
        calendar, row.received_at, time_value=version.time_value, time_unit=version.time_unit
    ), True


def _closing(state: State, row: Row) -> datetime | None:
    if state not in FINISHED_STATES:
        return None
    return row.finished_at or row.returned_at or row.received_at


def _apply(dossier: Dossier, row: Row, state: State, now: datetime, calendar, *, track: bool = True) -> dict:
    """Set what the row says on the dossier; return what changed (field → [old, new]; nothing with ``track=False``,
    for a dossier being created)."""
    changes: dict = {}

    def put(name, value):
        if not track:
            setattr(dossier, name, value)
            return
        old = getattr(dossier, name)
        if old != value:
            changes[name] = [
                old.isoformat() if isinstance(old, datetime) else old,
                value.isoformat() if isinstance(value, datetime) else value,
            ]
            setattr(dossier, name, value)

    put("state", state.value)
    put("status_code", NATIONAL_STATUS[state])
    put("applicant_name", row.applicant_name)
    put("applicant_phone", normalise_phone(row.phone))
    put("applicant_email", row.email)
    put("applicant_address", row.address)
    if row.due_at is not None:
        put("due_at", row.due_at)
    finished = _closing(state, row)
    put("finished_at", finished)
    put("returned_at", row.returned_at if state == State.RETURNED else None)
    if finished is not None and dossier.due_at is not None:
        put("timeliness", deadlines.classify(calendar, finished, dossier.due_at, dossier.supplement_count))
    if state == State.SUPPLEMENT_REQUESTED and dossier.paused_at is None:
        put("paused_at", now)
        remaining = deadlines.remaining_at_pause(calendar, now, dossier.due_at) if dossier.due_at else None
        put("remaining_seconds", int(remaining.total_seconds()) if remaining is not None else None)
    if state != State.SUPPLEMENT_REQUESTED and dossier.paused_at is not None:
        put("paused_at", None)
    return changes


class Importer:
    def __init__(self, system: str, *, now: datetime | None = None):
        self.system = system
        self.province = sources()["systems"][system]["former_province"]
        self.now = now or timezone.now()
        self.places = Places()
        self.catalogue = Catalogue()
        self.calendar = working_calendar()
        self._reason: str | None = None
        self.summary = Summary()

    # the event every change leaves
    def _event(self, dossier: Dossier, from_state: str, payload: dict) -> AuditEvent:
        if self._reason is None:
            self._reason = _("Nhập từ hệ thống %(system)s") % {"system": self.system}
        return AuditEvent(
            dossier=dossier,
            at=self.now,
            actor=None,
            actor_role=IMPORT_ROLE,
            action=IMPORT_ACTION,
            from_state=from_state,
            to_state=dossier.state,
            reason=self._reason,
            payload={"system": self.system, **payload},
        )

    def _resolve(self, row: Row):
        """(version, processing unit, reception centre, review, candidates, flag, commune)."""
        version, flag = self.catalogue.version(row.procedure_code, row.received_at)
        communes = self.places.communes(self.province, row.district, row.ward)
        if not communes and not row.ward:
            communes = self.places.from_address(self.province, row.address)
        if version is None:
            return None, None, None, Review.PROCEDURE, sorted(communes), flag, None
        if len(communes) != 1:
            review = Review.COMMUNE if communes else Review.UNMAPPED
            return version, None, None, review, sorted(communes), flag, None
        commune = next(iter(communes))
        if version.level == Level.COMMUNE:
            unit = self.places.committee_of.get(commune)
            centre = self.places.centre_of.get(commune)
        else:
            unit = version.processing_unit_id
            centre = self.places.branch_of.get(self.province) or self.places.centre_of.get(commune)
        if unit is None or centre is None:
            return version, None, None, Review.UNMAPPED, [commune], flag, None
        return version, unit, centre, "", [commune], flag, commune

    def _new_dossier(self, row: Row, version, unit: int, centre: int) -> tuple[Dossier, bool]:
        state = State(row.state)
        due, recomputed = _due(row, version, self.calendar)
        dossier = Dossier(
            reference=_reference(self.system, row.code),
            code=None,
            procedure_version=version,
            procedure_id=version.procedure_id,
            field_id=version.field_id,
            level=version.level,
            state=state.value,
            status_code=NATIONAL_STATUS[state],
            channel="direct",
            applicant_name=row.applicant_name,
            applicant_id_number=row.id_number,
            applicant_phone=normalise_phone(row.phone),
            applicant_email=row.email,
            applicant_address=row.address,
            reception_centre_id=centre,
            return_centre_id=centre,
            processing_unit_id=unit,
            filed_at=row.received_at,
            received_at=row.received_at,
            due_at=due,
            legacy_code=row.code,
            legacy_unit=", ".join(part for part in (row.ward, row.district) if part)[:200],
        )
        dossier.applicant_name_folded = _folded(row.applicant_name)
        _apply(dossier, row, state, self.now, self.calendar, track=False)
        return dossier, recomputed

    def batch(self, raws: list[Raw]) -> None:
        # first the fingerprints of the records as exported: an unchanged one is neither parsed nor read again
        codes = [raw.code for raw in raws]
        known = dict(
            LegacyRecord.objects.filter(system=self.system, legacy_code__in=codes).values_list(
                "legacy_code", "fingerprint"
            )
        )
        prints = {code: raw.fingerprint() for code, raw in zip(codes, raws, strict=True)}
        rows = []
        for code, raw in zip(codes, raws, strict=True):
            if code and known.get(code) == prints[code]:
                self.summary.unchanged += 1
                continue
            item = raw.normalise()
            if isinstance(item, Rejected):
                self.summary.rejected.append(item)
            else:
                rows.append(item)
        changed = [row.code for row in rows if row.code in known]
        existing = {
            record.legacy_code: record
            for record in LegacyRecord.objects.select_related("dossier").filter(
                system=self.system, legacy_code__in=changed
            )
        }
        acted = self._taken_over([record for record in existing.values() if record.dossier_id])
        new_dossiers, new_records, events, updated_records, updated_dossiers = [], [], [], [], []
        seen: set[str] = set()
        for row in rows:
            if row.code in seen:  # the same dossier twice in one export: the later line wins at the next import
                self.summary.rejected.append(Rejected(row.line, row.code, _("Mã hồ sơ lặp lại trong cùng tệp.")))
                continue
            seen.add(row.code)
            fingerprint = prints[row.code]
            record = existing.get(row.code)
            if record is None:
                self._create(row, fingerprint, new_dossiers, new_records)
                continue
            if record.dossier_id is None:  # still in review: keep the newer row
                record.row, record.fingerprint, record.old_status = row.as_json(), fingerprint, row.status
                record.imported_at = self.now
                updated_records.append(record)
                self.summary.updated += 1
                continue
            if record.taken_over_at is not None or record.dossier_id in acted:
                record.taken_over_at = record.taken_over_at or self.now
                record.ignored_exports += 1
                updated_records.append(record)
                self.summary.ignored += 1
                continue
            dossier = record.dossier
            old_state, new_state = State(dossier.state), State(row.state)
            if RANK[new_state] < RANK.get(old_state, 0):
                self.summary.backwards += 1
                self.summary.notes.append(
                    _("%(code)s (dòng %(line)d): trạng thái lùi từ %(old)s về %(new)s — không áp dụng.")
                    % {"code": row.code, "line": row.line, "old": old_state.value, "new": new_state.value}
                )
                continue
            changes = _apply(dossier, row, new_state, self.now, self.calendar)
            record.fingerprint, record.old_status = fingerprint, row.status
            record.imported_at = self.now
            updated_records.append(record)
            if changes:
                dossier.version += 1
                updated_dossiers.append(dossier)
                events.append(self._event(dossier, old_state.value, {"status": row.status, "changes": changes}))
            self.summary.updated += 1
        self._write(new_dossiers, new_records, events, updated_records, updated_dossiers)

    def _create(self, row: Row, fingerprint: str, new_dossiers: list, new_records: list) -> None:
        version, unit, centre, review, candidates, flag, _commune = self._resolve(row)
        record = LegacyRecord(
            system=self.system,
            legacy_code=row.code,
            row=row.as_json() if review else {},  # kept until the review creates the dossier, which then holds it
            fingerprint=fingerprint,
            old_status=row.status,
            review=review,
            candidates=candidates,
            procedure_flag=flag,
            imported_at=self.now,
        )
        if review:
            counter = {Review.COMMUNE: "ambiguous", Review.UNMAPPED: "unmapped", Review.PROCEDURE: "unknown_procedure"}
            setattr(self.summary, counter[review], getattr(self.summary, counter[review]) + 1)
            new_records.append((record, None))
            return
        dossier, recomputed = self._new_dossier(row, version, unit, centre)
        record.due_recomputed = recomputed
        self.summary.due_recomputed += recomputed
        self.summary.mapped += 1
        self.summary.created += 1
        new_dossiers.append(dossier)
        new_records.append((record, dossier))

    def _taken_over(self, records: list[LegacyRecord]) -> set[int]:
        """The dossiers someone acted on here since they were imported (any event that is not an import)."""
        ids = [record.dossier_id for record in records if record.taken_over_at is None]
        if not ids:
            return set()
        return set(
            AuditEvent.objects.filter(dossier_id__in=ids)
            .exclude(action=IMPORT_ACTION)
            .values_list("dossier_id", flat=True)
            .distinct()
        )

    def _write(self, new_dossiers, new_records, events, updated_records, updated_dossiers) -> None:
        copy.insert(Dossier, new_dossiers)
        for record, dossier in new_records:
            if dossier is not None:
                record.dossier_id = dossier.pk
                events.append(self._event(dossier, "", {"status": record.old_status, "created": True}))
        copy.insert(LegacyRecord, [record for record, _dossier in new_records])
        if updated_dossiers:
            fields = [
                "state", "status_code", "applicant_name", "applicant_name_folded", "applicant_phone", "applicant_email",
                "applicant_address", "due_at", "finished_at", "returned_at", "timeliness", "paused_at",
                "remaining_seconds", "version", "updated_at",
            ]  # fmt: skip
            for dossier in updated_dossiers:
                dossier.applicant_name_folded = fold(dossier.applicant_name)[:200]
                dossier.updated_at = self.now
            Dossier.objects.bulk_update(updated_dossiers, fields, batch_size=BATCH)
        if updated_records:
            LegacyRecord.objects.bulk_update(
                updated_records,
                ["row", "fingerprint", "old_status", "imported_at", "taken_over_at", "ignored_exports", "updated_at"],
                batch_size=BATCH,
            )
        copy.insert(AuditEvent, events)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def legacy_import(
    system: str,
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> Summary:
    """Import the exports ``paths`` of ``system`` (see the module's docstring); returns the summary."""
    started = time.monotonic()
    importer = Importer(system, now=now)
    summary = importer.summary
    try:
        with transaction.atomic():
            for path in paths:
                records = read(system, Path(path))
                for chunk in _batches(records, BATCH):
                    raws = [item for item in chunk if isinstance(item, Raw)]
                    summary.rejected += [item for item in chunk if isinstance(item, Rejected)]
                    summary.rows += len(chunk)
                    if raws:
                        importer.batch(raws)
                    if progress is not None:
                        progress(len(chunk))
            if dry_run or (summary.rejected and not skip_invalid):
                raise _Rollback()
            summary.written = True
    except _Rollback:
        summary.written = False
    summary.seconds = time.monotonic() - started
    logger.info("legacy import %s: %s in %.1f s", system, summary.counts(), summary.seconds)
    return summary


# --- The review queue ----------------------------------------------------------------------------------------------


@transaction.atomic
def legacy_assign(*, record_id: int, actor, commune_id: int | None = None, procedure_code: str = "") -> Dossier:
    """The province office (or a commune) chooses what the import could not: the commune among the candidates (or
    any commune when none was found), and/or the procedure. Creates the dossier."""
    from portal.common.errors import InvalidInput

    record = LegacyRecord.objects.select_for_update().get(pk=record_id)
    if record.dossier_id is not None:
        raise InvalidInput(_("Hồ sơ này đã được phân xã, phường."))
    row = _row_of(record)
    importer = Importer(record.system)
    code = procedure_code or row.procedure_code
    version, flag = importer.catalogue.version(code, row.received_at)
    if version is None:
        raise InvalidInput(_("Không có thủ tục mã %(code)s trong danh mục.") % {"code": code})
    if record.candidates and commune_id not in record.candidates:
        raise InvalidInput(_("Hãy chọn một trong các xã, phường được đề xuất."))
    if commune_id is None:
        raise InvalidInput(_("Hãy chọn xã, phường."))
    places = importer.places
    if version.level == Level.COMMUNE:
        unit, centre = places.committee_of.get(commune_id), places.centre_of.get(commune_id)
    else:
        unit = version.processing_unit_id
        centre = places.branch_of.get(importer.province) or places.centre_of.get(commune_id)
    if unit is None or centre is None:
        raise InvalidInput(_("Chưa xác định được đơn vị xử lý cho lựa chọn này."))
    dossier, recomputed = importer._new_dossier(row, version, unit, centre)
    dossier.save()
    record.dossier = dossier
    record.review = ""
    record.procedure_flag = flag
    record.due_recomputed = recomputed
    record.save()
    event = importer._event(dossier, "", {"status": record.old_status, "created": True, "assigned_by": actor.pk})
    event.reason = _("Nhập từ hệ thống %(system)s; xã, phường do %(name)s chọn") % {
        "system": record.system,
        "name": actor.full_name or actor.username,
    }
    event.save(force_insert=True)
    return dossier


def _row_of(record: LegacyRecord) -> Row:
    data = dict(record.row)
    for name in ("received_at", "due_at", "finished_at", "returned_at"):
        data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
    return Row(line=0, **data)
