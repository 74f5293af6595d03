"""The national detail JSON against the real files of ``../shared/data/tthc/`` (no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from procedures.importing.detail import detail_facts, record_from_defence, record_from_detail
from procedures.importing.records import DEFAULT_EFFECTIVE_FROM, CatalogueRecord, SkippedRecord
from procedures.importing.scope import classify, online_level_for, parse_levels

MINIMUM_SHARE = 0.95
LAND = "so-nong-nghiep-va-moi-truong"


@pytest.fixture(scope="module")
def data_dir(tthc_data_dir) -> Path:
    return tthc_data_dir


def _detail(data_dir: Path, code: str) -> tuple[dict, Path]:
    (path,) = data_dir.glob(f"details/*/{code}.json")
    return json.loads(path.read_text(encoding="utf-8")), path


def _read(data_dir: Path, code: str) -> CatalogueRecord | SkippedRecord:
    data, path = _detail(data_dir, code)
    return record_from_detail(data, file=str(path), directory=path.parent.name, effective_from=DEFAULT_EFFECTIVE_FROM)


def test_at_least_95_percent_of_records_yield_a_time_and_a_fee(data_dir):
    paths = sorted(data_dir.glob("details/*/*.json"))
    assert len(paths) == 2381
    complete = sum(detail_facts(json.loads(path.read_text(encoding="utf-8"))).complete for path in paths)
    share = complete / len(paths)
    print(f"\n{complete} of {len(paths)} detail records yield a processing time and a fee: {share:.1%}")
    assert share >= MINIMUM_SHARE


def test_birth_registration_is_a_complete_commune_procedure(data_dir):
    record = _read(data_dir, "1.001193")
    assert isinstance(record, CatalogueRecord)
    assert (record.code, record.name, record.field) == ("1.001193", "Thủ tục đăng ký khai sinh", "Hộ tịch")
    assert record.level == "commune" and record.processing_unit == ""
    assert (record.time_value, record.time_unit, record.working_hours) == (Decimal(1), "working_days", 8)
    assert record.fee_vnd == 0
    assert (record.channel_direct, record.channel_online, record.channel_post) == (True, True, True)
    assert record.online_level == "partial"
    assert record.result_document == "Giấy khai sinh"
    assert record.legal_basis[0] == {
        "number": "163/QĐ-BTP",
        "title": "Quyết định công bố thủ tục hành chính của bộ, ngành",
        "kind": "national",
    }
    assert "123/2015/NĐ-CP" in {item["number"] for item in record.legal_basis}
    names = [component.name for component in record.components]
    assert any(name.startswith("Giấy chứng sinh") for name in names)
    assert any(name.startswith("Tờ khai đăng ký khai sinh") for name in names)
    assert record.source == "national-db"
    assert "is_applied" not in record.provided and "decision" not in record.provided


def test_a_provincial_procedure_goes_to_its_department(data_dir):
    record = _read(data_dir, "1.002010")  # lawyers' organisations register with the Department of Justice
    assert (record.level, record.processing_unit) == ("provincial", "so-tu-phap")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("1.000005", "vertical-field"),  # customs, labelled "Cấp xã" for the regional customs office
        ("1.000178", "central"),  # police complaint at ministry level
        ("1.003133", "vertical-field"),  # exit permits: police
    ],
)
def test_central_and_vertical_records_are_outside_the_catalogue(data_dir, code, reason):
    record = _read(data_dir, code)
    assert isinstance(record, SkippedRecord)
    assert record.reason == reason


def test_a_record_labelled_both_levels_in_a_commune_field_is_commune_level(data_dir):
    record = _read(data_dir, "2.000635")  # copies of civil-status extracts: "Cấp tỉnh, Cấp xã"
    assert record.level == "commune"
    assert record.fee_vnd == 8000


@pytest.mark.parametrize(
    ("levels", "agency", "field", "ministry", "expected"),
    [
        ("Cấp xã", "Chi cục Hải quan khu vực", "Hải quan", "tai-chinh", None),
        ("Cấp xã", "Công an cấp Xã", "Chính sách", "cong-an", None),
        ("Cấp xã", "", "Đăng ký, quản lý cư trú", "cong-an", None),
        ("Cấp tỉnh, Cấp xã", "Thuế tỉnh, thành phố, Thuế cơ sở", "Quản lý thuế", "tai-chinh", None),
        ("Cấp xã", "Ủy ban Nhân dân xã, phường, thị trấn.", "Hộ tịch", "tu-phap", ("commune", None)),
        ("Cấp tỉnh, Cấp xã", "Sở Xây dựng, Uỷ ban Nhân dân cấp xã", "Nhà ở", "xay-dung", ("provincial", "so-xay-dung")),
        ("Cấp Bộ, Cấp Tỉnh, Cấp Xã", "Ủy ban nhân dân cấp xã", "Chính sách", "quoc-phong", ("commune", None)),
        ("Cấp Tỉnh", "Bộ chỉ huy quân sự cấp tỉnh", "Chính sách", "quoc-phong", None),
        (
            "Cấp tỉnh",
            "Chủ tịch ủy ban nhân dân cấp tỉnh",
            "Đất đai",
            "nong-nghiep",
            ("provincial", "so-nong-nghiep-va-moi-truong"),
        ),
        ("Cấp tỉnh", "", "Quốc tịch", "tu-phap", ("provincial", "so-tu-phap")),
        ("Cấp bộ", "Bộ Tư pháp", "Quốc tịch", "tu-phap", None),
    ],
)
def test_level_rule(levels, agency, field, ministry, expected):
    scope = classify(levels=parse_levels(levels), agency=agency, field=field, ministry=ministry)
    assert ((scope.level, scope.processing_unit) if scope.in_catalogue else None) == expected


@pytest.mark.parametrize(
    ("channels", "level"),
    [({"online"}, "full"), ({"online", "direct"}, "partial"), ({"direct", "post"}, "none")],
)
def test_online_level_rule(channels, level):
    assert online_level_for(channels) == level


def test_not_stated_fee_is_free_unless_a_fee_regulation_is_cited():
    free = {"cach_thuc_thuc_hien": "Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp3 Ngày làm việcKhông có thông tin"}
    facts = detail_facts(free)
    assert facts.fee_vnd == 0
    assert facts.fee_note.startswith("CSDL quốc gia không ghi phí")
    regulated = {
        **free,
        "can_cu_phap_ly": "Tên văn bản pháp lýMã văn bảnThông tư quy định mức thu, chế độ thu, nộp lệ phí cấp "
        "giấy phép77/2023/TT-BTC",
    }
    facts = detail_facts(regulated)
    assert facts.fee_vnd is None
    assert "chưa rõ mức thu" in facts.fee_note


def test_the_structured_defence_variant(data_dir):
    path = data_dir / "defence-details" / "1.013124.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(
        record_from_defence(data, file=str(path), effective_from=DEFAULT_EFFECTIVE_FROM), SkippedRecord
    )  # a ministry-level procedure
    commune = next(
        record
        for path in sorted((data_dir / "defence-details").glob("*.json"))
        if isinstance(
            record := record_from_defence(
                json.loads(path.read_text(encoding="utf-8")), file=str(path), effective_from=DEFAULT_EFFECTIVE_FROM
            ),
            CatalogueRecord,
        )
        and record.field == "Nghĩa vụ quân sự"
    )
    assert commune.level == "commune"
    assert commune.components and commune.time_unit
    assert commune.legal_basis[0]["kind"] == "national"
