"""Reading import files: format detection, the national XLSX export, and dispatch to the other readers.

Formats, detected from content (not from the file name alone):

``national-xlsx``
    The national portal's export: a sheet "Danh sách TTHC" (or any sheet) whose header row, after a title block,
    is ``Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | Lĩnh vực``. Also accepted as CSV.
``national-json``
    The portal's per-procedure detail JSON (``ma_thu_tuc``, ``cach_thuc_thuc_hien``…), one object or a list.
``national-json-structured``
    The structured variant (``metadata`` + ``tables``) of ``defence-details/``.
``own``
    The project's own CSV/XLSX format (``docs/catalogue-format.md``): a first row naming at least
    ``code, name, field, level``.

A directory is read recursively (``*.json``, ``*.csv``, ``*.csv.gz``, ``*.xlsx``, sorted). A file in any other
layout gives exactly one problem naming the expected headers.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.utils.translation import gettext as _

from portal.common.text import fold, nfc
from procedures.importing import detail, own_format
from procedures.importing.records import (
    DEFAULT_EFFECTIVE_FROM,
    CatalogueRecord,
    Problem,
    ReadResult,
    SkippedRecord,
)
from procedures.importing.scope import agency_bodies, classify, ministry_from

NATIONAL_HEADER = ("Mã số", "Tên", "Cơ quan ban hành", "Cơ quan thực hiện", "Lĩnh vực")
NATIONAL_SHEET = "Danh sách TTHC"
NATIONAL_PROVIDES = frozenset({"name", "field", "level", "processing_unit", "agency_name", "source"})
SUFFIXES = (".json", ".csv", ".csv.gz", ".xlsx")
HEADER_SCAN_ROWS = 10


def unknown_layout_message() -> str:
    return _(
        "không nhận ra định dạng tệp, không nhập gì. Cần một trong: "
        "(1) tệp XLSX/CSV xuất từ Cổng Dịch vụ công quốc gia, dòng tiêu đề “%(national)s”; "
        "(2) tệp CSV/XLSX theo định dạng của dự án, dòng đầu gồm các cột %(own)s "
        "(bắt buộc: %(required)s); "
        "(3) tệp JSON chi tiết thủ tục với các khóa ma_thu_tuc, ten_thu_tuc, cach_thuc_thuc_hien."
    ) % {
        "national": " | ".join(NATIONAL_HEADER),
        "own": own_format.expected_header(),
        "required": ", ".join(own_format.REQUIRED_COLUMNS),
    }


def _is_national_header(cells: Sequence[object]) -> bool:
    names = [fold(str(cell or "")) for cell in cells[: len(NATIONAL_HEADER)]]
    return names == [fold(name) for name in NATIONAL_HEADER]


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(
                child for child in path.rglob("*") if child.is_file() and child.name.lower().endswith(SUFFIXES)
            )
        else:
            yield path


def _national_rows(rows: Iterable[Sequence[object]], *, file: str, start: int) -> ReadResult:
    """Rows after the national header → records (name, field, level, unit, agency) or skipped rows."""
    result = ReadResult()
    seen: set[str] = set()
    for offset, cells in enumerate(rows, start=1):
        values = [nfc(str(cell or "")) for cell in [*cells, *[""] * len(NATIONAL_HEADER)][: len(NATIONAL_HEADER)]]
        if not any(values):
            continue
        code, name, issuer, agency, field_name = values
        row = start + offset
        if code in seen:  # the export repeats some rows verbatim
            continue
        seen.add(code)
        body_levels = set()
        province_body, commune_body, _vertical = agency_bodies(agency)
        if province_body:
            body_levels.add("tinh")
        if commune_body:
            body_levels.add("xa")
        scope = classify(levels=body_levels, agency=agency, field=field_name, ministry=ministry_from(issuer=issuer))
        if not scope.in_catalogue:
            result.skipped.append(SkippedRecord(file=file, row=row, code=code, reason=scope.reason))
            continue
        record = CatalogueRecord(
            file=file,
            row=row,
            code=code,
            name=name,
            field=field_name,
            level=scope.level,
            processing_unit=scope.processing_unit or "",
            agency_name=agency[:500],
            source="national-db",
            provided=NATIONAL_PROVIDES,
        )
        if not code:
            record.problem("Mã số", _("bắt buộc, không được để trống"))
        if not name:
            record.problem("Tên", _("bắt buộc, không được để trống"))
        result.records.append(record)
    return result


def _read_table(rows: list[Sequence[object]], *, file: str, effective_from: datetime.date) -> ReadResult:
    """A table (CSV rows or one XLSX sheet): the own format, or the national export after its title block."""
    result = ReadResult()
    if rows and own_format.is_own_header(rows[0]):
        records, problems = own_format.read_rows(rows, file=file, header_row=1, effective_from=effective_from)
        result.records, result.problems = records, problems
        result.formats[file] = "own"
        return result
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        if _is_national_header(cells):
            national = _national_rows(rows[index + 1 :], file=file, start=index + 1)
            national.formats[file] = "national-xlsx"
            return national
    result.problems.append(Problem(file, 1, "header", unknown_layout_message()))
    return result


def _read_xlsx(path: Path, *, file: str, effective_from: datetime.date) -> ReadResult:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        ordered = sorted(names, key=lambda name: fold(name) != fold(NATIONAL_SHEET))
        for name in ordered:
            rows = [list(row) for row in workbook[name].iter_rows(values_only=True)]
            result = _read_table(rows, file=file, effective_from=effective_from)
            if result.formats:
                return result
        return _read_table([], file=file, effective_from=effective_from)
    finally:
        workbook.close()


def _read_csv(text: str, *, file: str, effective_from: datetime.date) -> ReadResult:
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)  # Excel in a Vietnamese locale saves with ";"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return _read_table(rows, file=file, effective_from=effective_from)


def _read_json(text: str, *, path: Path, file: str, effective_from: datetime.date) -> ReadResult:
    result = ReadResult()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        result.problems.append(
            Problem(file, exc.lineno, "JSON", _("JSON không hợp lệ: %(error)s") % {"error": exc.msg})
        )
        return result
    items = data if isinstance(data, list) else [data]
    directory = path.parent.name
    for index, item in enumerate(items, start=1):
        if isinstance(item, dict) and detail.DETAIL_KEYS <= item.keys():
            read = detail.record_from_detail(
                item, file=file, row=index, directory=directory, effective_from=effective_from
            )
            result.formats[file] = "national-json"
        elif isinstance(item, dict) and detail.DEFENCE_KEYS <= item.keys():
            read = detail.record_from_defence(item, file=file, row=index, effective_from=effective_from)
            result.formats[file] = "national-json-structured"
        else:
            return ReadResult(problems=[Problem(file, index, "JSON", unknown_layout_message())])
        if isinstance(read, SkippedRecord):
            result.skipped.append(read)
        else:
            result.records.append(read)
    return result


def read_file(path: Path, *, effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM, label: str = "") -> ReadResult:
    """Read one file of any supported format; problems are reported with ``label`` (default: the path)."""
    file = label or str(path)
    name = path.name.lower()
    try:
        if name.endswith(".xlsx"):
            return _read_xlsx(path, file=file, effective_from=effective_from)
        raw = path.read_bytes()
        if name.endswith(".gz"):
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        return ReadResult(problems=[Problem(file, 1, "file", _("không đọc được tệp: %(error)s") % {"error": exc})])
    except Exception as exc:  # openpyxl raises several kinds on a damaged workbook
        return ReadResult(problems=[Problem(file, 1, "file", _("không đọc được tệp: %(error)s") % {"error": exc})])
    if name.endswith(".json") or text.lstrip()[:1] in {"{", "["}:
        return _read_json(text, path=path, file=file, effective_from=effective_from)
    return _read_csv(text, file=file, effective_from=effective_from)


def read_paths(
    paths: Iterable[Path],
    *,
    effective_from: datetime.date = DEFAULT_EFFECTIVE_FROM,
    progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None,
) -> ReadResult:
    """Read every file (directories recursively); ``progress`` may wrap the file list (a tqdm bar)."""
    files = list(iter_files(paths))
    result = ReadResult()
    for path in progress(files) if progress else files:
        result.extend(read_file(path, effective_from=effective_from))
    return result
