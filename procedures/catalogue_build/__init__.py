"""``manage.py build_province_catalogue``: the province's catalogue file ``data/catalogue/phu-tho-catalogue.csv``
(docs/catalogue-build.md), from the national records given to it and a deterministic illustrative fill.

Deterministic: the same inputs give the same file, byte for byte (no clock, no unseeded randomness; choices are
taken from SHA-256 hashes of codes and names).

1. **Real records.** Every record of ``<data>/details/`` and ``defence-details/`` (the national TTHC records, given
   with ``--data``) that belongs to the province's catalogue (``procedures.importing.scope``: provincial or commune
   level, not a central or vertical agency) keeps its real code, name, field, agency, time, fee, channels,
   components, result and legal basis. Should there be more than the published count at a level, the lowest codes
   are kept.
2. **Illustrative fill** (``illustrative``). The remaining 1,812 − real provincial and 405 − real commune
   procedures are generated in the sectors the data lacks, with codes ``MH.T.nnnn`` / ``MH.X.nnnn`` and
   ``source = illustrative``.
3. **Decisions and decrees** (``rules``, from ``data/catalogue/build-rules.json``). 36 announcing decisions of the
   province (placeholder numbers ``MH-nn/QĐ-UBND``, the real ones are not in the data) under 28 decrees.
4. **Applied in practice.** The province reports 1,490 procedures with dossiers but not which: the well-known
   commune procedures first, then the others ranked by a hash of their code.
"""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

from procedures.catalogue_build.illustrative import (
    BuildError,
    _hash,
    illustrative_records,
    load_vocabulary,
)
from procedures.catalogue_build.rules import (
    APPLIED_TARGET,
    DECISION_COUNT,
    DECREE_COUNT,
    DECREES,
    EFFECTIVE,
    MAX_COMPONENT,
    MAX_NOTE,
    MAX_RESULT,
    SECTOR_OF_UNIT,
    TARGETS,
    TIME_SUPPLEMENTS,
    WELL_KNOWN,
    decisions,
    decree_group,
)
from procedures.importing import own_format
from procedures.importing.reader import read_paths
from procedures.importing.records import CatalogueRecord, DecisionRecord
from procedures.importing.runtogether import ComponentRecord
from procedures.importing.scope import MINISTRY_UNITS, ministry_from
from procedures.importing.validation import validate_records

__all__ = ["TARGETS", "BuildError", "build", "write_csv"]

VOCABULARY_FILE = Path(__file__).resolve().parents[2] / "data" / "catalogue" / "illustrative-vocabulary.json"


def real_records(data_dir: Path, sector_of: dict[str, str]) -> list[CatalogueRecord]:
    """In-scope records of details/ and defence-details/ (details first when a code is in both)."""
    read = read_paths([data_dir / "details", data_dir / "defence-details"], effective_from=EFFECTIVE)
    if read.problems:
        raise BuildError("\n".join(str(problem) for problem in read.problems))
    records: dict[str, CatalogueRecord] = {}
    for record in read.records:
        if record.code in records:
            continue
        national = next((item["number"] for item in record.legal_basis if item.get("kind") == "national"), "")
        directory = Path(record.file).parent.name
        ministry = ministry_from(decision=national, directory=directory) or ""
        if record.level == "provincial":
            ministry = SECTOR_OF_UNIT[record.processing_unit]
        sector_of[record.code] = ministry
        if record.time_value is None and record.code in TIME_SUPPLEMENTS:
            record.time_value, record.time_unit = Decimal(TIME_SUPPLEMENTS[record.code][0]), "working_days"
        _trim(record)
        records[record.code] = record
    return sorted(records.values(), key=lambda record: record.code)


def vocabulary_file() -> Path:
    return VOCABULARY_FILE


def build(data_dir: Path, *, vocabulary_path: Path | None = None) -> list[CatalogueRecord]:
    """All 2,217 records of the province's catalogue (real first, then the illustrative fill), checked."""
    provincial_vocabulary, commune_vocabulary = load_vocabulary(vocabulary_path or vocabulary_file())
    sector_of: dict[str, str] = {}
    decision_of = decisions()
    real = real_records(data_dir, sector_of)
    selected: list[CatalogueRecord] = []
    for level, target in TARGETS.items():
        at_level = [record for record in real if record.level == level][:target]
        for record in at_level:
            group = decree_group(level=level, sector=sector_of[record.code], field=record.field)
            record.decision = decision_of[(group, level)]
            record.provided = frozenset(record.provided | {"decision", "is_applied"})
        selected.extend(at_level)
        selected.extend(
            illustrative_records(
                level=level,
                count=target - len(at_level),
                vocabulary=provincial_vocabulary if level == "provincial" else commune_vocabulary,
                sector_of=sector_of,
                decision_of=decision_of,
            )
        )
    ranked = sorted(selected, key=lambda record: (record.code not in WELL_KNOWN, _hash("applied", record.code)))
    applied = {record.code for record in ranked[:APPLIED_TARGET]}
    for record in selected:
        record.is_applied = record.code in applied
    _check(selected, decision_of)
    level_order = {"provincial": 0, "commune": 1}
    return sorted(selected, key=lambda record: (level_order[record.level], record.code))


def _check(records: list[CatalogueRecord], decision_of: dict[tuple[str, str], DecisionRecord]) -> None:
    levels = Counter(record.level for record in records)
    used = {record.decision.number for record in records}
    decrees = {record.decision.decree_number for record in records}
    problems = []
    if dict(levels) != TARGETS:
        problems.append(f"levels {dict(levels)} != {TARGETS}")
    if len(used) != DECISION_COUNT or len(decision_of) != DECISION_COUNT:
        problems.append(f"{len(used)} decisions used, {len(decision_of)} defined, expected {DECISION_COUNT}")
    if len(decrees) != DECREE_COUNT:
        problems.append(f"{len(decrees)} decrees, expected {DECREE_COUNT}")
    if sum(record.is_applied for record in records) != APPLIED_TARGET:
        problems.append("applied count")
    if len({record.code for record in records}) != len(records):
        problems.append("duplicate codes")
    for code in WELL_KNOWN:
        record = next((item for item in records if item.code == code), None)
        if record is None or record.level != "commune" or record.source != "national-db":
            problems.append(f"{code} is not a real commune-level procedure")
        elif record.time_value is None or record.fee_vnd is None or not record.components:
            problems.append(f"{code} lacks a time, a fee or components")
    # The file must load: validate it as an import would (the units are those load_communes creates).
    validate_records(records, unit_keys={*MINISTRY_UNITS.values(), "van-phong-ubnd-tinh"})
    problems.extend(str(problem) for record in records for problem in record.problems[:3])
    if problems:
        raise BuildError("; ".join(problems[:20]))


def write_csv(records: list[CatalogueRecord], path: Path) -> None:
    """The own format, decision and decree titles on each decision's first row only (keeps the file small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=own_format.COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record in records:
            first = record.decision is not None and record.decision.number not in seen
            if record.decision is not None:
                seen.add(record.decision.number)
            writer.writerow(own_format.row_from_record(record, decision_details=first))


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _trim(record: CatalogueRecord) -> None:
    """Keep the shipped file small and free of long prose: short component names and notes, legal numbers."""
    record.components = [
        ComponentRecord(
            name=_cap(item.name, MAX_COMPONENT),
            copy_kind=item.copy_kind,
            copies=item.copies,
            template_name=item.template_name,
            is_required=item.is_required,
        )
        for item in record.components
    ]
    # Numbers are reliable; titles parsed from the run-together table are not, and are long: the file keeps
    # the titles of the decrees it defines and of the ministry's decision, numbers only for the rest.
    titles = {spec.number: spec.title for spec in DECREES}
    record.legal_basis = [
        {**item, "title": titles.get(item["number"], item["title"] if item.get("kind") == "national" else "")}
        for item in record.legal_basis
    ]
    record.fee_note = _cap(record.fee_note, MAX_NOTE)
    record.result_document = _cap(record.result_document, MAX_RESULT)
