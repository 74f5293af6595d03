"""The project's own catalogue format (``docs/catalogue-format.md``): CSV or XLSX, one row per procedure version.

Reading turns every cell into typed values and reports each unreadable cell as a problem of its row; writing is
the inverse (used by ``build_province_catalogue``), so that ``write → read`` gives back the same records.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from portal.common.text import fold, nfc
from procedures.importing.records import DEFAULT_EFFECTIVE_FROM, CatalogueRecord, DecisionRecord, Problem
from procedures.importing.runtogether import ComponentRecord, format_decimal

REQUIRED_COLUMNS = ("code", "name", "field", "level")
COLUMNS = (
    *REQUIRED_COLUMNS,
    "processing_unit",
    "agency_name",
    "time_value",
    "time_unit",
    "fee_vnd",
    "fee_note",
    "channels",
    "online_level",
    "result_document",
    "legal_basis",
    "components",
    "is_applied",
    "source",
    "change",
    "effective_from",
    "decision_number",
    "decision_title",
    "decision_signed_on",
    "decision_effective_on",
    "decree_number",
    "decree_title",
)
# Column → the provided field it carries (absent columns leave that part of an existing version untouched).
_PROVIDES = {
    "name": "name",
    "field": "field",
    "level": "level",
    "processing_unit": "processing_unit",
    "agency_name": "agency_name",
    "time_value": "time",
    "time_unit": "time",
    "fee_vnd": "fee",
    "fee_note": "fee",
    "channels": "channels",
    "online_level": "online_level",
    "result_document": "result_document",
    "legal_basis": "legal_basis",
    "components": "components",
    "is_applied": "is_applied",
    "decision_number": "decision",
    "source": "source",
}
LEVELS = {"provincial", "commune"}
TIME_UNITS = {"working_days", "working_hours", "days", "months"}
ONLINE_LEVELS = {"full", "partial", "none"}
SOURCES = {"national-db", "illustrative"}
CHANGES = {"new", "amended", "abolished"}
COPY_KINDS = {"original", "copy", "either"}
_CHANNEL_ALIASES = {
    "direct": "direct",
    "truc tiep": "direct",
    "online": "online",
    "truc tuyen": "online",
    "post": "post",
    "buu chinh": "post",
    "dich vu buu chinh": "post",
}
_TRUE = {"1", "true", "yes", "x", "co", "dung"}
_FALSE = {"0", "false", "no", "khong", "sai", ""}


def is_own_header(cells: Iterable[object]) -> bool:
    names = {str(cell or "").strip().lower() for cell in cells}
    return set(REQUIRED_COLUMNS) <= names


def expected_header() -> str:
    return ", ".join(COLUMNS)


def _parse_date(text: str) -> datetime.date:
    text = text.strip()
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        day, month, year = (int(part) for part in text.split("/"))
        return datetime.date(year, month, day)
    return datetime.date.fromisoformat(text)


def _parse_int(text: str) -> int:
    compact = re.sub(r"[\s.,]", "", text)
    if not re.fullmatch(r"-?\d+", compact) or (re.search(r"[.,]\d{1,2}$", text.strip())):
        raise ValueError(text)
    return int(compact)


def _components(text: str) -> list[ComponentRecord]:
    if not text.strip():
        return []
    items = json.loads(text)
    if not isinstance(items, list):
        raise ValueError(_("phải là một danh sách JSON"))
    components = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise ValueError(_("thành phần thứ %(index)s thiếu tên") % {"index": index})
        kind = str(item.get("kind") or "either")
        if kind not in COPY_KINDS:
            raise ValueError(
                _("thành phần thứ %(index)s: loại bản '%(kind)s' không hợp lệ (original, copy, either)")
                % {"index": index, "kind": kind}
            )
        copies = item.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 0 < copies < 1000:
            raise ValueError(_("thành phần thứ %(index)s: số lượng phải là số nguyên từ 1 đến 999") % {"index": index})
        required = item.get("required", True)
        if not isinstance(required, bool):
            raise ValueError(_("thành phần thứ %(index)s: 'required' phải là true hoặc false") % {"index": index})
        components.append(
            ComponentRecord(
                name=nfc(str(item["name"])),
                copy_kind=kind,
                copies=copies,
                template_name=nfc(str(item.get("template") or "")),
                is_required=required,
            )
        )
    return components


def _legal_basis(text: str) -> list[dict]:
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        items = json.loads(text)
        if not isinstance(items, list) or not all(isinstance(item, dict) and item.get("number") for item in items):
            raise ValueError(_("phải là danh sách JSON các {number, title}"))
        return [{"title": "", **{key: nfc(str(value)) for key, value in item.items()}} for item in items]
    return [{"number": nfc(part), "title": ""} for part in text.split(";") if part.strip()]


def record_from_row(
    values: dict[str, str], *, file: str, row: int, columns: set[str], effective_from: datetime.date
) -> CatalogueRecord:
    """One row (column → cell text) of the own format; unreadable cells become problems of the record."""
    cell = {name: nfc(values.get(name) or "") for name in columns}
    record = CatalogueRecord(file=file, row=row, code=cell["code"].strip())
    record.provided = frozenset(_PROVIDES[name] for name in columns if name in _PROVIDES)
    for name in REQUIRED_COLUMNS:
        if not cell[name]:
            record.problem(name, _("bắt buộc, không được để trống"))
    record.name, record.field = cell["name"], cell["field"]
    record.agency_name = cell.get("agency_name", "")
    record.processing_unit = cell.get("processing_unit", "").strip()
    record.result_document = cell.get("result_document", "")
    record.fee_note = cell.get("fee_note", "")

    def choice(column: str, allowed: set[str], default: str) -> str:
        value = cell.get(column, "").strip().lower() or default
        if value not in allowed:
            record.problem(
                column,
                _("giá trị '%(value)s' không hợp lệ; cần một trong: %(allowed)s")
                % {"value": value, "allowed": ", ".join(sorted(allowed))},
            )
        return value

    record.level = choice("level", LEVELS, "") if cell["level"] else ""
    record.time_unit = choice("time_unit", TIME_UNITS, "") if cell.get("time_unit") else ""
    record.online_level = choice("online_level", ONLINE_LEVELS, "none")
    record.source = choice("source", SOURCES, "national-db")
    record.change = choice("change", CHANGES, "new")

    if cell.get("time_value"):
        try:
            record.time_value = Decimal(cell["time_value"].replace(",", "."))
        except ArithmeticError:
            record.problem("time_value", _("'%(value)s' không phải là số") % {"value": cell["time_value"]})
    if cell.get("fee_vnd"):
        try:
            record.fee_vnd = _parse_int(cell["fee_vnd"])
        except ValueError:
            record.problem("fee_vnd", _("'%(value)s' không phải là số nguyên (đồng)") % {"value": cell["fee_vnd"]})
    if "channels" in columns:
        channels = set()
        for part in re.split(r"[;,]", cell["channels"]):
            if not part.strip():
                continue
            alias = _CHANNEL_ALIASES.get(fold(part))
            if alias is None:
                record.problem(
                    "channels",
                    _("kênh '%(value)s' không hợp lệ; dùng direct, online, post") % {"value": part.strip()},
                )
            else:
                channels.add(alias)
        record.channel_direct = "direct" in channels
        record.channel_online = "online" in channels
        record.channel_post = "post" in channels
    if "is_applied" in columns:
        flag = fold(cell["is_applied"])
        if flag in _TRUE:
            record.is_applied = True
        elif flag in _FALSE:
            record.is_applied = False
        else:
            record.problem("is_applied", _("cần 1 (có) hoặc 0 (không)"))
    for column, parser, target in (("components", _components, "components"), ("legal_basis", _legal_basis, None)):
        if column not in columns:
            continue
        try:
            parsed = parser(cell[column])
        except (ValueError, TypeError) as exc:
            record.problem(column, _("không đọc được: %(error)s") % {"error": exc})
            continue
        if target == "components":
            record.components = parsed
        else:
            record.legal_basis = parsed

    dates: dict[str, datetime.date | None] = {}
    for column in ("effective_from", "decision_signed_on", "decision_effective_on"):
        dates[column] = None
        if cell.get(column):
            try:
                dates[column] = _parse_date(cell[column])
            except ValueError:
                record.problem(column, _("ngày '%(value)s' không hợp lệ (YYYY-MM-DD)") % {"value": cell[column]})
    if cell.get("decision_number"):
        record.decision = DecisionRecord(
            number=cell["decision_number"].strip(),
            title=cell.get("decision_title", ""),
            signed_on=dates["decision_signed_on"],
            effective_on=dates["decision_effective_on"],
            decree_number=cell.get("decree_number", "").strip(),
            decree_title=cell.get("decree_title", ""),
        )
    record.effective_from = dates["effective_from"] or dates["decision_effective_on"] or effective_from
    return record


def read_rows(
    rows: Iterable[list[object]], *, file: str, header_row: int, effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM
) -> tuple[list[CatalogueRecord], list[Problem]]:
    """Rows after the header (``header_row`` is its 1-based number in the file) → records and file problems."""
    iterator = iter(rows)
    header = [str(cell or "").strip().lower() for cell in next(iterator)]
    problems = []
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        problems.append(
            Problem(
                file,
                header_row,
                ", ".join(unknown),
                _("cột không xác định; các cột hợp lệ: %(columns)s") % {"columns": expected_header()},
            )
        )
    columns = {name for name in header if name in COLUMNS}
    records = []
    for offset, cells in enumerate(iterator, start=1):
        if not any(str(cell or "").strip() for cell in cells):
            continue
        values = {
            name: "" if value is None else _cell_text(value)
            for name, value in zip(header, cells, strict=False)
            if name in COLUMNS
        }
        records.append(
            record_from_row(values, file=file, row=header_row + offset, columns=columns, effective_from=effective_from)
        )
    return records, problems


def _cell_text(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _component_cell(item: ComponentRecord) -> dict:
    """A component as JSON, leaving out the defaults (one copy, no template, required)."""
    cell: dict = {"name": item.name, "kind": item.copy_kind}
    if item.copies != 1:
        cell["copies"] = item.copies
    if item.template_name:
        cell["template"] = item.template_name
    if not item.is_required:
        cell["required"] = False
    return cell


def row_from_record(record: CatalogueRecord, *, decision_details: bool = True) -> dict[str, str]:
    """The inverse of :func:`record_from_row`: a record as the own format's cells.

    ``decision_details=False`` leaves the decision's and decree's titles out (a file states them once per
    decision, on its first row).
    """
    channels = [
        name
        for name, on in (
            ("direct", record.channel_direct),
            ("online", record.channel_online),
            ("post", record.channel_post),
        )
        if on
    ]
    decision = record.decision
    return {
        "code": record.code,
        "name": record.name,
        "field": record.field,
        "level": record.level,
        "processing_unit": record.processing_unit,
        "agency_name": record.agency_name,
        "time_value": format_decimal(record.time_value) if record.time_value is not None else "",
        "time_unit": record.time_unit,
        "fee_vnd": "" if record.fee_vnd is None else str(record.fee_vnd),
        "fee_note": record.fee_note,
        "channels": ";".join(channels),
        "online_level": record.online_level,
        "result_document": record.result_document,
        "legal_basis": _json(record.legal_basis) if record.legal_basis else "",
        "components": _json([_component_cell(item) for item in record.components]) if record.components else "",
        "is_applied": "1" if record.is_applied else "0",
        "source": record.source,
        "change": record.change,
        "effective_from": record.effective_from.isoformat(),
        "decision_number": decision.number if decision else "",
        "decision_title": decision.title if decision and decision_details else "",
        "decision_signed_on": decision.signed_on.isoformat() if decision and decision.signed_on else "",
        "decision_effective_on": decision.effective_on.isoformat() if decision and decision.effective_on else "",
        "decree_number": decision.decree_number if decision else "",
        "decree_title": decision.decree_title if decision and decision_details else "",
    }
