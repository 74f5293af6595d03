"""Validation of records before anything is written: every problem as ``file:row: column: message``.

The same rules guard the admin forms (``procedures/admin.py``); here they run over whole files so that one
import reports every problem at once. Checks needing the database (processing-unit keys) take their reference
sets as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from procedures.importing.records import CatalogueRecord
from procedures.worktime import whole_working_hours

CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,29}$")
LEVELS = {"provincial", "commune"}
TIME_UNITS = {"working_days", "working_hours", "days", "months"}
ONLINE_LEVELS = {"full", "partial", "none"}
SOURCES = {"national-db", "illustrative"}
CHANGES = {"new", "amended", "abolished"}
MAX_LENGTHS = {"name": 1000, "field": 200, "agency_name": 500}


def time_problem(value, unit: str) -> str | None:
    """The shared rule for a time limit (value and unit together; working units in whole working hours)."""
    if (value is None) != (not unit):
        return _("thời hạn và đơn vị thời hạn phải cùng có hoặc cùng để trống")
    if value is None:
        return None
    if unit not in TIME_UNITS:
        return _("đơn vị thời hạn không hợp lệ")
    if value <= 0:
        return _("thời hạn phải lớn hơn 0")
    if value != value.quantize(Decimal("0.01")) or value >= 1_000_000:
        return _("thời hạn tối đa 2 chữ số thập phân và nhỏ hơn 1.000.000")
    if unit in {"working_days", "working_hours"} and whole_working_hours(time_value=value, time_unit=unit) is None:
        return _("thời hạn theo ngày/giờ làm việc phải quy đổi được thành số giờ làm việc nguyên (1 ngày = 8 giờ)")
    return None


def validate_record(record: CatalogueRecord, *, unit_keys: set[str]) -> None:
    """Append this record's problems to ``record.problems`` (format problems are already there)."""
    if not CODE.match(record.code or ""):
        record.problem("code", _("mã thủ tục '%(code)s' không hợp lệ") % {"code": record.code})
    provided = record.provided
    for column, limit in MAX_LENGTHS.items():
        if len(getattr(record, column)) > limit:
            record.problem(column, _("dài quá %(limit)s ký tự") % {"limit": limit})
    if "name" in provided and not record.name.strip():
        record.problem("name", _("bắt buộc, không được để trống"))
    if "field" in provided and not record.field.strip():
        record.problem("field", _("bắt buộc, không được để trống"))
    if "level" in provided and record.level not in LEVELS:
        if record.level:  # an empty one is already reported as missing
            record.problem("level", _("cấp thực hiện phải là provincial hoặc commune"))
        elif not any(problem.column == "level" for problem in record.problems):
            record.problem("level", _("bắt buộc, không được để trống"))
    if "processing_unit" in provided or "level" in provided:
        if record.level == "provincial":
            if not record.processing_unit:
                record.problem("processing_unit", _("thủ tục cấp tỉnh phải có cơ quan giải quyết (mã đơn vị)"))
            elif record.processing_unit not in unit_keys:
                record.problem(
                    "processing_unit",
                    _("không có đơn vị giải quyết mã '%(key)s' (chạy manage.py load_communes trước?)")
                    % {"key": record.processing_unit},
                )
        elif record.level == "commune" and record.processing_unit:
            record.problem(
                "processing_unit",
                _("thủ tục cấp xã để trống: UBND xã, phường nơi giải quyết hồ sơ là cơ quan giải quyết"),
            )
    if "time" in provided:
        message = time_problem(record.time_value, record.time_unit)
        if message:
            record.problem("time_value", message)
    if "fee" in provided and record.fee_vnd is not None and record.fee_vnd < 0:
        record.problem("fee_vnd", _("phí, lệ phí không được âm"))
    if "channels" in provided and not (record.channel_direct or record.channel_online or record.channel_post):
        record.problem("channels", _("cần ít nhất một kênh nộp hồ sơ (direct, online, post)"))
    if "online_level" in provided or "channels" in provided:
        if record.online_level not in ONLINE_LEVELS:
            if "online_level" not in {problem.column for problem in record.problems}:
                record.problem("online_level", _("mức độ trực tuyến phải là full, partial hoặc none"))
        elif (record.online_level != "none") != record.channel_online:
            record.problem(
                "online_level",
                _("mức độ trực tuyến full/partial khi và chỉ khi có kênh nộp trực tuyến (online)"),
            )
    reported = {problem.column for problem in record.problems}
    if record.source not in SOURCES and "source" not in reported:
        record.problem("source", _("nguồn phải là national-db hoặc illustrative"))
    if record.change not in CHANGES and "change" not in reported:
        record.problem("change", _("loại thay đổi phải là new, amended hoặc abolished"))
    decision = record.decision
    if decision is not None:
        if decision.signed_on and decision.effective_on and decision.effective_on < decision.signed_on:
            record.problem("decision_effective_on", _("ngày hiệu lực không được trước ngày ký"))
        if decision.decree_title and not decision.decree_number:
            record.problem("decree_number", _("có trích yếu nghị định nhưng thiếu số hiệu"))
    elif record.change in {"amended", "abolished"}:
        record.problem("decision_number", _("sửa đổi hoặc bãi bỏ phải có quyết định công bố"))
    for index, component in enumerate(record.components, start=1):
        if not component.name.strip():
            record.problem("components", _("thành phần thứ %(index)s thiếu tên") % {"index": index})


def validate_records(records: Sequence[CatalogueRecord], *, unit_keys: Iterable[str]) -> None:
    """Validate each record, then the set: one version per procedure and date in a file, consistent decisions."""
    keys = set(unit_keys)
    for record in records:
        validate_record(record, unit_keys=keys)
    first_seen: dict[tuple[str, str, object], CatalogueRecord] = {}
    decisions: dict[str, tuple[CatalogueRecord, tuple]] = {}
    for record in records:
        key = (record.file, record.code, record.effective_from)  # across files, later files add to earlier
        if key in first_seen:
            other = first_seen[key]
            record.problem(
                "code",
                _("trùng mã thủ tục và ngày hiệu lực với %(file)s:%(row)s") % {"file": other.file, "row": other.row},
            )
        else:
            first_seen[key] = record
        if record.decision is not None:
            decision = record.decision
            facts = (decision.signed_on, decision.effective_on, decision.decree_number)
            if decision.number in decisions:
                other, other_facts = decisions[decision.number]
                if facts != other_facts:
                    record.problem(
                        "decision_number",
                        _("quyết định %(number)s có ngày ký, ngày hiệu lực hoặc nghị định khác với %(file)s:%(row)s")
                        % {"number": decision.number, "file": other.file, "row": other.row},
                    )
            else:
                decisions[decision.number] = (record, facts)
