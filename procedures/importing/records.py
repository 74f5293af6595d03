"""The format-independent shape every reader produces: one :class:`CatalogueRecord` per procedure version."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from procedures.importing.runtogether import ComponentRecord
from procedures.worktime import whole_working_hours

# The merger date: versions read from sources that carry no decision date take effect from it
# (overridable with ``import_catalogue --effective-from``).
DEFAULT_EFFECTIVE_FROM = datetime.date(2025, 7, 1)

# Fields a record can provide (``source`` is the procedure's). A reader lists the ones its format carries in
# ``CatalogueRecord.provided`` and an update only touches those (the national XLSX export has no times or fees).
VERSION_FIELDS = (
    "name",
    "field",
    "level",
    "processing_unit",
    "agency_name",
    "time",
    "fee",
    "channels",
    "online_level",
    "result_document",
    "legal_basis",
    "is_applied",
    "decision",
    "components",
    "source",
)


@dataclass(frozen=True)
class Problem:
    """One validation problem, printed as ``file:row: column: message``."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.message}"


@dataclass
class DecisionRecord:
    number: str
    title: str = ""
    signed_on: datetime.date | None = None
    effective_on: datetime.date | None = None
    decree_number: str = ""
    decree_title: str = ""


@dataclass
class CatalogueRecord:
    """One procedure version as read from any of the formats; ``file``/``row`` locate it for problems."""

    file: str
    row: int
    code: str
    name: str = ""
    field: str = ""
    level: str = ""
    processing_unit: str = ""  # ProcessingUnit.key; empty for commune level
    agency_name: str = ""
    time_value: Decimal | None = None
    time_unit: str = ""
    fee_vnd: int | None = None
    fee_note: str = ""
    channel_direct: bool = True
    channel_online: bool = False
    channel_post: bool = False
    online_level: str = "none"
    result_document: str = ""
    legal_basis: list[dict] = dataclass_field(default_factory=list)
    is_applied: bool = True
    source: str = "national-db"
    decision: DecisionRecord | None = None
    change: str = "new"
    effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM
    components: list[ComponentRecord] = dataclass_field(default_factory=list)
    provided: frozenset[str] = frozenset(VERSION_FIELDS)
    problems: list[Problem] = dataclass_field(default_factory=list)

    @property
    def working_hours(self) -> int | None:
        return whole_working_hours(time_value=self.time_value, time_unit=self.time_unit)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.row, column, message))


@dataclass
class SkippedRecord:
    """A record of a national file that is outside the province's catalogue (central or vertical agency)."""

    file: str
    row: int
    code: str
    reason: str


@dataclass
class ReadResult:
    """What reading one or more files produced: records, out-of-scope rows, and file-level problems."""

    records: list[CatalogueRecord] = dataclass_field(default_factory=list)
    skipped: list[SkippedRecord] = dataclass_field(default_factory=list)
    problems: list[Problem] = dataclass_field(default_factory=list)  # file-level (unknown layout, unreadable file)
    formats: dict[str, str] = dataclass_field(default_factory=dict)  # file → detected format

    def extend(self, other: ReadResult) -> None:
        self.records.extend(other.records)
        self.skipped.extend(other.skipped)
        self.problems.extend(other.problems)
        self.formats.update(other.formats)


# Provided field → the record attributes that carry it.
_ATTRIBUTES = {
    "time": ("time_value", "time_unit"),
    "fee": ("fee_vnd", "fee_note"),
    "channels": ("channel_direct", "channel_online", "channel_post"),
}


def merge_records(records: list[CatalogueRecord]) -> list[CatalogueRecord]:
    """One record per procedure and date: a later record (from a later file) adds the fields it provides.

    Importing ``details/`` and the national XLSX export in one run thus gives each procedure one version with the
    richest facts, and the same result (``unchanged``) when the run is repeated.
    """
    merged: dict[tuple[str, datetime.date], CatalogueRecord] = {}
    for record in records:
        key = (record.code, record.effective_from)
        first = merged.get(key)
        if first is None:
            merged[key] = record
            continue
        for name in record.provided:
            for attribute in _ATTRIBUTES.get(name, (name,)):
                setattr(first, attribute, getattr(record, attribute))
        first.provided = first.provided | record.provided
        if record.change != "new":
            first.change = record.change
    return list(merged.values())
