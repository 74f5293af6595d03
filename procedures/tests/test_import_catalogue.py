"""``import_catalogue``: detection, validation, one transaction, idempotency, versions (PostgreSQL or SQLite)."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from communes.models import ProcessingUnit
from communes.services import PROVINCIAL_UNITS
from portal.common.errors import NotFound
from procedures.importing import own_format
from procedures.importing.reader import NATIONAL_HEADER
from procedures.models import AnnouncingDecision, Component, Decree, Procedure, ProcedureVersion
from procedures.selectors import procedure_version_in_force
from procedures.services import catalogue_import

BIRTH_COMPONENTS = [
    {"name": "Tờ khai đăng ký khai sinh theo mẫu", "kind": "original", "template": "TK-khai-sinh.docx"},
    {"name": "Giấy chứng sinh", "kind": "original"},
    {"name": "Văn bản ủy quyền (trường hợp ủy quyền)", "kind": "original", "required": False},
]


@pytest.fixture
def units(db):
    """The provincial processing units ``load_communes`` creates (without the 148 communes: faster)."""
    for order, (key, name, kind) in enumerate(PROVINCIAL_UNITS, start=1):
        ProcessingUnit.objects.get_or_create(
            key=key, defaults={"name": name, "short_name": name, "kind": kind, "order": order}
        )
    return ProcessingUnit.objects.all()


@pytest.fixture
def data_dir(tthc_data_dir) -> Path:
    return tthc_data_dir


def birth(**overrides) -> dict[str, str]:
    row = {
        "code": "1.001193",
        "name": "Thủ tục đăng ký khai sinh",
        "field": "Hộ tịch",
        "level": "commune",
        "processing_unit": "",
        "agency_name": "Ủy ban nhân dân cấp xã",
        "time_value": "1",
        "time_unit": "working_days",
        "fee_vnd": "0",
        "fee_note": "Miễn lệ phí khi đăng ký đúng hạn",
        "channels": "direct;online;post",
        "online_level": "partial",
        "result_document": "Giấy khai sinh",
        "legal_basis": "60/2014/QH13; 123/2015/NĐ-CP",
        "components": json.dumps(BIRTH_COMPONENTS, ensure_ascii=False),
        "is_applied": "1",
        "source": "national-db",
        "decision_number": "101/QĐ-UBND",
        "decision_title": "Công bố danh mục thủ tục hành chính lĩnh vực hộ tịch",
        "decision_signed_on": "2025-06-25",
        "decision_effective_on": "2025-07-01",
        "decree_number": "120/2025/NĐ-CP",
        "decree_title": "Phân định thẩm quyền lĩnh vực tư pháp",
    }
    row.update(overrides)
    return row


def lawyers(**overrides) -> dict[str, str]:
    values = {
        "code": "1.002010",
        "name": "Đăng ký hoạt động của công ty luật",
        "field": "Luật sư",
        "level": "provincial",
        "processing_unit": "so-tu-phap",
        "agency_name": "Sở Tư pháp",
        "time_value": "5",
        "fee_vnd": "500000",
        "fee_note": "",
        "components": "",
    }
    return birth(**{**values, **overrides})


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    import csv

    columns = [name for name in own_format.COLUMNS if any(name in row for row in rows)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(*paths: Path, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_catalogue", *map(str, paths), "--no-progress", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- Formats ----------------------------------------------------------------------------------------------


def test_each_format_is_detected(tmp_path, units, data_dir):
    from openpyxl import Workbook

    own_csv = write_csv(tmp_path / "own.csv", [birth()])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(own_format.COLUMNS))
    sheet.append([lawyers().get(name, "") for name in own_format.COLUMNS])
    own_xlsx = tmp_path / "own.xlsx"
    workbook.save(own_xlsx)
    national_xlsx = data_dir / "national-exports" / "danh-sach-tthc-BoXayDung.xlsx"
    detail = data_dir / "details" / "bo-tu-phap" / "1.000894.json"
    structured = data_dir / "defence-details" / "1.013124.json"

    summary = catalogue_import(paths=[own_csv, own_xlsx, national_xlsx, detail, structured])

    assert summary.written, summary.problems
    assert summary.formats == {
        str(own_csv): "own",
        str(own_xlsx): "own",
        str(national_xlsx): "national-xlsx",
        str(detail): "national-json",
        str(structured): "national-json-structured",
    }
    assert Procedure.objects.filter(code__in=["1.001193", "1.002010", "1.000894"]).count() == 3
    assert summary.skipped["central"] > 0  # ministry-level rows of the export and the defence record


def test_files_describing_the_same_procedure_are_merged(tmp_path, units, data_dir):
    """details/ and the national export in one run: one version per procedure, the richest facts, idempotent."""
    paths = [data_dir / "details" / "bo-tu-phap", data_dir / "national-exports" / "danh-sach-tthc-BoTuPhap.xlsx"]
    first = catalogue_import(paths=paths)
    assert first.written, first.problems[:3]
    version = ProcedureVersion.objects.get(procedure__code="1.001193")
    assert version.working_hours == 8 and version.components.exists()  # from the detail JSON
    assert version.agency_name == "Ủy ban nhân dân cấp xã"  # from the export, the later file
    second = catalogue_import(paths=paths)
    assert second.total("unchanged") == first.total("created") and second.total("updated") == 0


def test_semicolon_separated_csv_from_excel(tmp_path, units):
    path = tmp_path / "excel.csv"
    path.write_text("code;name;field;level\n1.001193;Thủ tục đăng ký khai sinh;Hộ tịch;commune\n", encoding="utf-8-sig")
    summary = catalogue_import(paths=[path])
    assert summary.written and summary.total("created") == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.csv", "ma,ten,linh vuc\n1.001193,Đăng ký khai sinh,Hộ tịch\n"),
        ("record.json", '{"id": 1, "title": "Đăng ký khai sinh"}'),
        ("empty.csv", ""),
    ],
)
def test_unknown_layout_gives_one_message_naming_the_headers_and_imports_nothing(tmp_path, units, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    good = write_csv(tmp_path / "good.csv", [birth()])

    summary = catalogue_import(paths=[good, path], skip_invalid=True)

    assert len(summary.problems) == 1
    message = str(summary.problems[0])
    assert message.startswith(f"{path}:1: ")
    assert " | ".join(NATIONAL_HEADER) in message
    assert "code, name, field, level" in message
    assert "ma_thu_tuc" in message
    assert not summary.written
    assert Procedure.objects.count() == 0


def test_unknown_layout_from_the_command(tmp_path, units):
    path = tmp_path / "danh-sach.csv"
    path.write_text("STT,Tên thủ tục\n1,Đăng ký khai sinh\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 lỗi, không nhập gì"):
        run(path)
    assert Procedure.objects.count() == 0


# --- Validation and the transaction -----------------------------------------------------------------------


def test_one_bad_row_imports_nothing(tmp_path, units):
    path = write_csv(tmp_path / "catalogue.csv", [birth(), lawyers(fee_vnd="-500"), birth(code="1.000894")])

    with pytest.raises(CommandError, match="1 lỗi, không nhập gì"):
        run(path)

    assert Procedure.objects.count() == 0
    assert AnnouncingDecision.objects.count() == 0 and Decree.objects.count() == 0


def test_problems_are_listed_as_file_row_column_message(tmp_path, units):
    path = write_csv(
        tmp_path / "catalogue.csv",
        [
            birth(),
            lawyers(fee_vnd="-500"),
            birth(code="1.000894", time_unit=""),
            birth(code="1.000656", level="commune", processing_unit="so-tu-phap"),
            birth(code="2.000815", online_level="full", channels="direct"),
            birth(code="2.000884", components='[{"kind": "original"}]'),
            birth(code="1.004873", effective_from="31/02/2026"),
        ],
    )
    summary = catalogue_import(paths=[path])
    assert [str(problem) for problem in summary.problems] == [
        f"{path}:3: fee_vnd: phí, lệ phí không được âm",
        f"{path}:4: time_value: thời hạn và đơn vị thời hạn phải cùng có hoặc cùng để trống",
        f"{path}:5: processing_unit: thủ tục cấp xã để trống: UBND xã, phường nơi giải quyết hồ sơ là cơ quan "
        "giải quyết",
        f"{path}:6: online_level: mức độ trực tuyến full/partial khi và chỉ khi có kênh nộp trực tuyến (online)",
        f"{path}:7: components: không đọc được: thành phần thứ 1 thiếu tên",
        f"{path}:8: effective_from: ngày '31/02/2026' không hợp lệ (YYYY-MM-DD)",
    ]
    assert summary.counts["commune"]["rejected"] == 5
    assert not summary.written


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(tmp_path, units):
    path = write_csv(
        tmp_path / "catalogue.csv", [birth(), lawyers(processing_unit="so-khong-co"), birth(code="1.000894")]
    )

    out, err = run(path, skip_invalid=True)

    assert set(Procedure.objects.values_list("code", flat=True)) == {"1.001193", "1.000894"}
    assert f"{path}:3: processing_unit: không có đơn vị giải quyết mã 'so-khong-co'" in err
    assert "cấp xã / commune                      2          0          0          0" in out
    assert "cấp tỉnh / provincial                 0          0          0          1" in out


def test_a_decision_must_say_the_same_on_every_row(tmp_path, units):
    path = write_csv(tmp_path / "catalogue.csv", [birth(), birth(code="1.000894", decision_signed_on="2025-06-26")])
    summary = catalogue_import(paths=[path])
    assert [problem.column for problem in summary.problems] == ["decision_number"]
    assert "101/QĐ-UBND" in summary.problems[0].message


def test_one_version_per_procedure_and_date(tmp_path, units):
    path = write_csv(tmp_path / "catalogue.csv", [birth(), birth(name="Đăng ký khai sinh (bản sửa)")])
    summary = catalogue_import(paths=[path])
    assert [str(problem) for problem in summary.problems] == [
        f"{path}:3: code: trùng mã thủ tục và ngày hiệu lực với {path}:2"
    ]


# --- What is written --------------------------------------------------------------------------------------


def test_a_row_becomes_a_procedure_version_with_components(tmp_path, units):
    summary = catalogue_import(paths=[write_csv(tmp_path / "catalogue.csv", [birth(), lawyers()])])

    assert summary.counts["commune"]["created"] == 1 and summary.counts["provincial"]["created"] == 1
    version = procedure_version_in_force(code="1.001193", on=datetime.date(2025, 8, 1))
    assert version.name == "Thủ tục đăng ký khai sinh"
    assert version.name_folded == "thu tuc dang ky khai sinh"
    assert version.field.name == "Hộ tịch" and version.field.slug == "ho-tich"
    assert (version.level, version.processing_unit) == ("commune", None)
    assert (version.working_hours, version.fee_vnd) == (8, 0)
    assert (version.channel_direct, version.channel_online, version.channel_post) == (True, True, True)
    assert version.legal_basis == [{"number": "60/2014/QH13", "title": ""}, {"number": "123/2015/NĐ-CP", "title": ""}]
    assert version.decision.number == "101/QĐ-UBND"
    assert version.decision.signed_on == datetime.date(2025, 6, 25)
    assert version.decision.decree.number == "120/2025/NĐ-CP"
    assert version.procedure.source == "national-db"
    assert [(c.order, c.name, c.copy_kind, c.template_name, c.is_required) for c in version.components.all()] == [
        (1, "Tờ khai đăng ký khai sinh theo mẫu", "original", "TK-khai-sinh.docx", True),
        (2, "Giấy chứng sinh", "original", "", True),
        (3, "Văn bản ủy quyền (trường hợp ủy quyền)", "original", "", False),
    ]
    provincial = procedure_version_in_force(code="1.002010")
    assert provincial.processing_unit.key == "so-tu-phap"
    assert provincial.working_hours == 40


def test_importing_the_same_file_again_changes_nothing(tmp_path, units):
    path = write_csv(tmp_path / "catalogue.csv", [birth(), lawyers(), birth(code="1.000894", fee_vnd="")])
    catalogue_import(paths=[path])
    stamps = dict(ProcedureVersion.objects.values_list("id", "updated_at"))
    components = list(Component.objects.order_by("id").values_list("id", flat=True))

    summary = catalogue_import(paths=[path])

    assert summary.total("unchanged") == 3
    assert summary.total("created") == summary.total("updated") == 0
    assert dict(ProcedureVersion.objects.values_list("id", "updated_at")) == stamps
    assert list(Component.objects.order_by("id").values_list("id", flat=True)) == components


def test_real_detail_files_imported_twice(units, data_dir):
    paths = [data_dir / "details" / "bo-tu-phap"]
    first = catalogue_import(paths=paths)
    assert first.written and first.total("created") > 100
    second = catalogue_import(paths=paths)
    assert second.total("unchanged") == first.total("created")
    assert second.total("created") == second.total("updated") == 0


def test_a_changed_row_updates_in_place_and_keeps_uploaded_templates(tmp_path, units):
    catalogue_import(paths=[write_csv(tmp_path / "v1.csv", [birth()])])
    component = Component.objects.get(name="Giấy chứng sinh")
    component.template = "templates/giay-chung-sinh.pdf"
    component.save()
    changed = [dict(item) for item in BIRTH_COMPONENTS]
    changed[1]["copies"] = 2
    changed.append({"name": "Giấy tờ chứng minh nơi cư trú", "kind": "copy"})

    summary = catalogue_import(
        paths=[write_csv(tmp_path / "v2.csv", [birth(fee_vnd="8000", components=json.dumps(changed))])]
    )

    assert summary.counts["commune"]["updated"] == 1
    assert ProcedureVersion.objects.count() == 1
    kept = Component.objects.get(pk=component.pk)
    assert (kept.copies, kept.template.name) == (2, "templates/giay-chung-sinh.pdf")
    assert ProcedureVersion.objects.get().fee_vnd == 8000
    assert ProcedureVersion.objects.get().components.count() == 4


def test_a_format_without_times_or_fees_does_not_clear_them(tmp_path, units, data_dir):
    catalogue_import(paths=[write_csv(tmp_path / "own.csv", [birth(code="1.000894", name="Thủ tục đăng ký kết hôn")])])

    catalogue_import(paths=[data_dir / "national-exports" / "danh-sach-tthc-BoTuPhap.xlsx"])

    version = ProcedureVersion.objects.get(procedure__code="1.000894")
    assert version.agency_name == "Ủy ban nhân dân cấp xã"
    assert (version.working_hours, version.fee_vnd, version.components.count()) == (8, 0, 3)


# --- Versions: amendments and abolitions ------------------------------------------------------------------

AMENDING = {
    "decision_number": "205/QĐ-UBND",
    "decision_title": "Sửa đổi danh mục thủ tục hành chính lĩnh vực hộ tịch",
    "decision_signed_on": "2025-12-20",
    "decision_effective_on": "2026-01-01",
}
ABOLISHING = {
    "decision_number": "310/QĐ-UBND",
    "decision_title": "Bãi bỏ thủ tục hành chính",
    "decision_signed_on": "2026-05-20",
    "decision_effective_on": "2026-06-01",
}


def test_amendment_and_abolition_from_their_effective_dates(tmp_path, units):
    rows = [
        birth(),
        birth(change="amended", time_value="4", time_unit="working_hours", fee_vnd="5000", **AMENDING),
        birth(change="abolished", **ABOLISHING),
    ]
    summary = catalogue_import(paths=[write_csv(tmp_path / "versions.csv", rows)])
    assert summary.written, summary.problems

    versions = list(ProcedureVersion.objects.order_by("effective_from"))
    assert [(v.change, v.effective_from, v.effective_until) for v in versions] == [
        ("new", datetime.date(2025, 7, 1), datetime.date(2026, 1, 1)),
        ("amended", datetime.date(2026, 1, 1), datetime.date(2026, 6, 1)),
        ("abolished", datetime.date(2026, 6, 1), None),
    ]
    before = procedure_version_in_force(code="1.001193", on=datetime.date(2025, 12, 31))
    after = procedure_version_in_force(code="1.001193", on=datetime.date(2026, 1, 1))
    assert (before.working_hours, before.fee_vnd, before.decision.number) == (8, 0, "101/QĐ-UBND")
    assert (after.working_hours, after.fee_vnd, after.decision.number) == (4, 5000, "205/QĐ-UBND")
    with pytest.raises(NotFound):
        procedure_version_in_force(code="1.001193", on=datetime.date(2026, 6, 1))
    with pytest.raises(NotFound):
        procedure_version_in_force(code="1.001193", on=datetime.date(2025, 6, 30))
    # the previous versions stay readable
    assert ProcedureVersion.objects.get(effective_from=datetime.date(2025, 7, 1)).fee_vnd == 0

    again = catalogue_import(paths=[write_csv(tmp_path / "versions.csv", rows)])
    assert again.total("unchanged") == 3 and ProcedureVersion.objects.count() == 3


def test_an_amendment_imported_before_the_original_still_chains(tmp_path, units):
    catalogue_import(
        paths=[write_csv(tmp_path / "amendment.csv", [birth(change="amended", fee_vnd="5000", **AMENDING)])]
    )
    catalogue_import(paths=[write_csv(tmp_path / "original.csv", [birth()])])

    versions = list(ProcedureVersion.objects.order_by("effective_from"))
    assert [(v.effective_from, v.effective_until, v.fee_vnd) for v in versions] == [
        (datetime.date(2025, 7, 1), datetime.date(2026, 1, 1), 0),
        (datetime.date(2026, 1, 1), None, 5000),
    ]


def test_a_later_new_record_that_differs_becomes_an_amendment(tmp_path, units):
    path = write_csv(tmp_path / "catalogue.csv", [birth()])
    catalogue_import(paths=[path])
    same = catalogue_import(paths=[path], effective_from=datetime.date(2026, 3, 1))
    assert same.total("unchanged") == 1 and ProcedureVersion.objects.count() == 1

    changed = write_csv(
        tmp_path / "changed.csv", [{k: v for k, v in birth(fee_vnd="8000").items() if k not in AMENDING}]
    )
    summary = catalogue_import(paths=[changed], effective_from=datetime.date(2026, 3, 1))

    assert summary.counts["commune"]["updated"] == 1
    new = procedure_version_in_force(code="1.001193", on=datetime.date(2026, 3, 1))
    assert (new.change, new.fee_vnd, new.effective_from) == ("amended", 8000, datetime.date(2026, 3, 1))
    old = procedure_version_in_force(code="1.001193", on=datetime.date(2026, 2, 28))
    assert (old.fee_vnd, old.effective_until) == (0, datetime.date(2026, 3, 1))
    assert [c.name for c in new.components.all()] == [c["name"] for c in BIRTH_COMPONENTS]


def test_an_amendment_needs_its_decision(tmp_path, units):
    row = {k: v for k, v in birth(change="amended").items() if not k.startswith(("decision_", "decree_"))}
    summary = catalogue_import(paths=[write_csv(tmp_path / "catalogue.csv", [row])])
    assert [problem.column for problem in summary.problems] == ["decision_number"]


def test_one_record_through_the_service(units):
    from portal.common.errors import InvalidInput
    from procedures.importing.records import CatalogueRecord
    from procedures.services import procedure_version_upsert

    record = CatalogueRecord(
        file="admin",
        row=1,
        code="1.000656",
        name="Thủ tục đăng ký khai tử",
        field="Hộ tịch",
        level="commune",
        time_value=Decimal(1),
        time_unit="working_days",
        fee_vnd=0,
    )
    status, version = procedure_version_upsert(record=record)
    assert (status, version.working_hours, version.name_folded) == ("created", 8, "thu tuc dang ky khai tu")
    assert procedure_version_upsert(record=record)[0] == "unchanged"

    record.fee_vnd = -1
    with pytest.raises(InvalidInput, match="admin:1: fee_vnd: phí, lệ phí không được âm"):
        procedure_version_upsert(record=record)


def test_the_summary_lists_the_rows_applied_from_the_import_date(units, tmp_path, monkeypatch):
    """A row whose version dossiers are bound to is applied from the import date; the command says so, row by row
    with -v 2. (Dossiers live in the app above this one: here the pin is given to the writer directly; the real
    dossiers are in dossiers/tests/test_catalogue_reimport.py.)"""
    from django.utils import timezone

    from procedures.services import writer

    run(write_csv(tmp_path / "first.csv", [birth()]))
    monkeypatch.setattr(writer, "_pinned", lambda by_id, components: {("1.001193", datetime.date(2025, 7, 1))})
    out, _err = run(write_csv(tmp_path / "changed.csv", [birth(name="Đăng ký khai sinh")]), verbosity=2)
    assert "applied from the import date, dossiers being bound to the version of the file's date: 1" in out
    assert f"  1.001193: 01/07/2025 → {timezone.localdate():%d/%m/%Y}" in out
    out, _err = run(write_csv(tmp_path / "other.csv", [lawyers()]))
    assert "applied from the import date" not in out


# --- Replacing the illustrative records with the real export ------------------------------------------------


def test_the_real_export_replaces_the_illustrative_records(units, tmp_path):
    from django.utils import timezone

    illustrative = lawyers(code="MH.T.0001", name="Thủ tục minh họa", source="illustrative")
    run(write_csv(tmp_path / "shipped.csv", [birth(), illustrative]))
    export = write_csv(tmp_path / "export.csv", [birth(name="Đăng ký khai sinh")])  # the real record, amended
    run(export, retire_illustrative="55/QĐ-UBND")
    today = timezone.localdate()
    assert procedure_version_in_force(code="1.001193", on=today).name == "Đăng ký khai sinh"
    retired = ProcedureVersion.objects.get(procedure__code="MH.T.0001", effective_from=today)
    assert retired.change == "abolished" and retired.decision.number == "55/QĐ-UBND"
    with pytest.raises(NotFound):
        procedure_version_in_force(code="MH.T.0001", on=today)
    # the illustrative version stays as it was for the days it was in force
    assert procedure_version_in_force(code="MH.T.0001", on=today - datetime.timedelta(days=1)).name == (
        "Thủ tục minh họa"
    )
    # again: nothing more to retire, nothing changes
    versions = ProcedureVersion.objects.count()
    out, _err = run(export, retire_illustrative="55/QĐ-UBND")
    assert ProcedureVersion.objects.count() == versions and "Xong / done." in out
    # and on a later day: the retired procedure is abolished already, no second abolition opens
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1), tick=False):
        out, _err = run(export, retire_illustrative="55/QĐ-UBND")
    assert ProcedureVersion.objects.count() == versions and "Xong / done." in out
