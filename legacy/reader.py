"""Reading the old systems' exports, as ``legacy/sources.json`` declares them: JSON in the shape of OpenCPS's dossier
API (streamed with ijson), or a CSV / XLSX sheet with Vietnamese headers (streamed row by row). Each record becomes a
:class:`Row` with the fields the importer needs, or a :class:`Rejected` with its line (record) number and reason.

Dates are read as the old systems write them: the formats the source lists (``dd/MM/yyyy HH:mm:ss``…), ISO 8601,
and epoch milliseconds; a moment without a zone is Vietnam time. Names are NFC; codes are stripped and upper-cased.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from portal.common.text import fold, nfc

SOURCES = Path(__file__).with_name("sources.json")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MOMENTS = ("received_at", "due_at", "finished_at", "returned_at")


@lru_cache(maxsize=1)
def sources() -> dict:
    with SOURCES.open(encoding="utf-8") as handle:
        return json.load(handle)


def formats_of(system: str) -> list[str]:
    return sources()["systems"][system]["formats"]


def format_for(system: str, path: Path) -> tuple[str, dict]:
    """The export format of ``system`` that reads files like ``path`` (JSON, or a CSV/XLSX sheet)."""
    kind = "json" if path.suffix.lower() == ".json" else "table"
    for name in formats_of(system):
        declared = sources()["formats"][name]
        if declared["kind"] == kind:
            return name, declared
    raise ValueError(
        _("Hệ thống %(system)s không khai báo định dạng đọc được tệp %(file)s.") % {"system": system, "file": path.name}
    )


@dataclass(frozen=True)
class Row:
    line: int
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    applicant_name: str
    id_number: str
    phone: str
    email: str
    address: str
    province: str
    district: str
    ward: str
    received_at: datetime.datetime
    due_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    returned_at: datetime.datetime | None
    status: str  # the old system's status, as exported
    state: str  # this system's state it maps to

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in _FIELDS}
        for name in MOMENTS:
            data[name] = data[name].isoformat() if data[name] else None
        return data


_FIELDS = [name for name in Row.__dataclass_fields__ if name != "line"]


@dataclass(frozen=True)
class Raw:
    """One record as the export has it: fingerprinted as is (an unchanged record is never parsed again), normalised
    into a :class:`Row` only when it changed."""

    line: int
    values: dict
    statuses: dict
    formats: list

    @property
    def code(self) -> str:
        return "".join(_text(self.values.get("code")).split()).upper()

    def fingerprint(self) -> str:
        text = json.dumps(self.values, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def normalise(self) -> Row | Rejected:
        return _row(self.line, self.values, self.statuses, self.formats)


@dataclass(frozen=True)
class Rejected:
    line: int
    code: str
    reason: str


def parse_moment(value, formats: list[str]) -> datetime.datetime | None:
    """A moment as the old systems write it; ``None`` when empty; ``ValueError`` when unreadable."""
    if isinstance(value, str):
        return _parse_text(value, tuple(formats))
    return _parse(value, formats)


@lru_cache(maxsize=65536)
def _parse_text(value: str, formats: tuple[str, ...]) -> datetime.datetime | None:
    """Exports repeat the same moments (a day's receptions, the same appointment): each text is parsed once."""
    return _parse(value, formats)


def _parse(value, formats) -> datetime.datetime | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if number < 10**11:  # seconds, not milliseconds: no export writes that; refuse rather than guess
            raise ValueError(value)
        return datetime.datetime.fromtimestamp(number / 1000, tz=datetime.UTC)
    if isinstance(value, datetime.datetime):  # an XLSX cell
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        moment = None
        for pattern in formats:
            try:
                moment = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if moment is None:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _text(value) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return " ".join(text.split()) if text.isascii() else nfc(text)  # as nfc() does, faster for plain ASCII


def _records(path: Path, declared: dict) -> Iterator[tuple[int, dict]]:
    if declared["kind"] == "json":
        import ijson

        with path.open("rb") as handle:
            for number, item in enumerate(ijson.items(handle, declared.get("items", "item")), start=1):
                yield number, item
        return
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = book.active.iter_rows(values_only=True)
            header = [_text(cell) for cell in next(rows, ())]
            for number, values in enumerate(rows, start=2):
                if any(value not in (None, "") for value in values):
                    yield number, dict(zip(header, values, strict=False))
        finally:
            book.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [_text(name) for name in reader.fieldnames or []]
        for record in reader:
            yield reader.line_num, record


def read(system: str, path: Path) -> Iterator[Raw | Rejected]:
    """Every record of ``path`` (an export of ``system``) as it is (:class:`Raw`: normalised on demand), or rejected
    with the reason (a sheet without the columns the format needs)."""
    _name, declared = format_for(system, path)
    columns = declared["fields"]
    statuses = {fold(key): value for key, value in sources()["statuses"].items()}
    formats = declared.get("dates", [])
    if declared["kind"] == "table":
        header_needed = {columns["code"], columns["procedure_code"], columns["received_at"], columns["status"]}
    for number, record in _records(path, declared):
        if declared["kind"] == "table" and not header_needed <= {nfc(str(key)).strip() for key in record}:
            missing = ", ".join(sorted(header_needed - set(record)))
            yield Rejected(number, "", _("Thiếu cột: %(columns)s.") % {"columns": missing})
            return
        values = {field: record.get(column) for field, column in columns.items()}
        yield Raw(number, values, statuses, formats)


def _row(number: int, values: dict, statuses: dict, formats: list[str]) -> Row | Rejected:
    code = "".join(_text(values.get("code")).split()).upper()
    if not code:
        return Rejected(number, "", _("Thiếu mã hồ sơ."))
    procedure_code = _text(values.get("procedure_code"))
    if not procedure_code:
        return Rejected(number, code, _("Thiếu mã thủ tục."))
    moments = {}
    for name in MOMENTS:
        try:
            moments[name] = parse_moment(values.get(name), formats)
        except (ValueError, OverflowError, OSError):
            return Rejected(
                number,
                code,
                _("Không đọc được ngày “%(value)s” (%(field)s).") % {"value": values.get(name), "field": name},
            )
    if moments["received_at"] is None:
        return Rejected(number, code, _("Thiếu ngày tiếp nhận."))
    status = _text(values.get("status")) or _text(values.get("status_text"))
    state = statuses.get(fold(status)) or statuses.get(fold(_text(values.get("status_text"))))
    if state is None:
        return Rejected(
            number, code, _("Trạng thái “%(status)s” chưa có trong bảng chuyển đổi trạng thái.") % {"status": status}
        )
    name = _text(values.get("applicant_name"))
    if not name:
        return Rejected(number, code, _("Thiếu tên người nộp."))
    return Row(
        line=number,
        code=code,
        procedure_code=procedure_code,
        procedure_name=_text(values.get("procedure_name")),
        agency_code=_text(values.get("agency_code")),
        agency_name=_text(values.get("agency_name")),
        applicant_name=name[:200],
        id_number="".join(_text(values.get("id_number")).split()).upper()[:14],
        phone="".join(ch for ch in _text(values.get("phone")) if ch.isdigit() or ch == "+")[:16],
        email=_text(values.get("email"))[:254],
        address=_text(values.get("address"))[:300],
        province=_text(values.get("province")),
        district=_text(values.get("district")),
        ward=_text(values.get("ward")),
        status=status[:120],
        state=state,
        **moments,
    )
