"""Transitional dossiers (issue 14): exports of the old systems built from the real old units (the packages' old → new
table, split units included), Vietnamese names in NFC and NFD, the date formats the old systems write, broken rows;
mapping, the review queue, idempotent and forward-only re-import, take-over, lookup by the old code."""

from __future__ import annotations

import csv
import datetime
import io
import json
import unicodedata
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client
from openpyxl import Workbook

from communes.models import FormerUnit, ProcessingUnit, ServiceCentre
from dossiers import services
from dossiers.models import AuditEvent, Dossier
from dossiers.tests import conftest as dossier_fixtures
from dossiers.workflow import Action, State
from legacy.models import LegacyRecord, Review
from legacy.reader import TZ, parse_moment
from legacy.services import legacy_assign, legacy_import

pytestmark = pytest.mark.django_db
world = dossier_fixtures.world

RECEIVED = datetime.datetime(2025, 6, 20, 9, 15, tzinfo=TZ)  # before the merger, in an old system


def unit(province: str, *, split: bool = False) -> FormerUnit:
    units = FormerUnit.objects.filter(former_province=province).annotate(n=Count("mappings"))
    return (units.filter(n__gt=1) if split else units.filter(n=1)).order_by("code").first()


def opencps(code: str, old: FormerUnit, *, status="processing", nfd=False, **extra) -> dict:
    def text(value: str) -> str:
        return unicodedata.normalize("NFD", value) if nfd else value

    record = {
        "dossierNo": code,
        "serviceCode": "1.001193",
        "serviceName": text("Thủ tục đăng ký khai sinh"),
        "govAgencyCode": "000.20.31.H48",
        "govAgencyName": text(f"UBND {old.name}"),
        "applicantName": text("Nguyễn Thị Hoà"),
        "applicantIdNo": "025190001234",
        "contactTelNo": "+84 912 345 678",
        "contactEmail": "hoa@example.vn",
        "address": text(f"Thôn 3, {old.name}, {old.district_name}"),
        "cityName": "",
        "districtName": text(old.district_name),
        "wardName": text(old.name),
        "receiveDate": RECEIVED.strftime("%d/%m/%Y %H:%M:%S"),
        "dueDate": (RECEIVED + datetime.timedelta(days=5)).strftime("%d/%m/%Y %H:%M:%S"),
        "finishDate": "",
        "releaseDate": "",
        "dossierStatus": status,
        "dossierStatusText": "",
        "dossierSubStatus": "",
    }
    record.update(extra)
    return record


def write_json(tmp_path: Path, records: list[dict], name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"total": len(records), "data": records}, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_opencps_export_is_mapped_to_the_new_communes(world, tmp_path):
    old_units = [unit("phu_tho"), unit("vinh_phuc"), unit("hoa_binh")]
    records = [opencps(f"000.20.31.H48-250620-{i:04d}", old, nfd=i == 2) for i, old in enumerate(old_units)]
    summary = legacy_import("phu-tho", [write_json(tmp_path, records)])
    assert summary.written and summary.created == 1 and summary.mapped == 1
    # the Vĩnh Phúc and Hòa Bình units are not in the Phú Thọ system's province: not found there, never guessed
    assert summary.unmapped == 2
    dossier = Dossier.objects.get(legacy_code="000.20.31.H48-250620-0000")
    commune = old_units[0].mappings.get().commune
    assert dossier.processing_unit == ProcessingUnit.objects.get(commune=commune)
    assert dossier.reception_centre == ServiceCentre.objects.get(commune=commune, kind="commune")
    assert dossier.received_at == RECEIVED and dossier.due_at == RECEIVED + datetime.timedelta(days=5)
    assert dossier.state == State.PROCESSING and dossier.status_code == 4
    assert dossier.applicant_phone == "0912345678" and dossier.code is None
    assert dossier.legacy_unit == f"{old_units[0].name}, {old_units[0].district_name}"
    event = AuditEvent.objects.get(dossier=dossier)
    assert event.action == "import" and event.actor is None and event.payload["system"] == "phu-tho"


def test_nfd_names_map_like_nfc(world, tmp_path):
    old = unit("vinh_phuc")
    legacy_import("vinh-phuc", [write_json(tmp_path, [opencps("VP-1", old), opencps("VP-2", old, nfd=True)])])
    first, second = Dossier.objects.get(legacy_code="VP-1"), Dossier.objects.get(legacy_code="VP-2")
    assert first.processing_unit_id == second.processing_unit_id
    assert second.applicant_name == "Nguyễn Thị Hoà"  # stored NFC


def test_a_split_unit_waits_for_the_province_office_with_its_candidates(world, tmp_path):
    old = unit("hoa_binh", split=True)
    summary = legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-1", old)])])
    assert summary.ambiguous == 1 and summary.created == 0
    record = LegacyRecord.objects.get(legacy_code="HB-1")
    assert record.review == Review.COMMUNE and record.dossier is None
    candidates = sorted(old.mappings.values_list("commune_id", flat=True))
    assert record.candidates == candidates and len(candidates) == 2
    other = unit("hoa_binh").mappings.get().commune_id
    with pytest.raises(Exception, match="đề xuất"):
        legacy_assign(record_id=record.pk, actor=world.province, commune_id=other)
    dossier = legacy_assign(record_id=record.pk, actor=world.province, commune_id=candidates[1])
    assert dossier.processing_unit.commune_id == candidates[1] and dossier.legacy_code == "HB-1"
    record.refresh_from_db()
    assert record.review == "" and record.dossier == dossier
    # a later export of it is applied like any other
    legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-1", old, status="releasing")])])
    dossier.refresh_from_db()
    assert dossier.state == State.RESULT_READY


def test_the_same_file_twice_changes_nothing(world, tmp_path):
    old = unit("phu_tho")
    path = write_json(tmp_path, [opencps(f"PT-{i}", old) for i in range(5)])
    legacy_import("phu-tho", [path])
    events, versions = AuditEvent.objects.count(), list(Dossier.objects.values_list("version", flat=True))
    again = legacy_import("phu-tho", [path])
    assert again.unchanged == 5 and again.created == again.updated == 0
    assert AuditEvent.objects.count() == events
    assert list(Dossier.objects.values_list("version", flat=True)) == versions


def test_a_newer_export_moves_forward_and_closes_but_never_back(world, tmp_path):
    old = unit("phu_tho")
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-1", old), opencps("PT-2", old, status="releasing")])])
    finished = RECEIVED + datetime.timedelta(days=3)
    newer = [
        opencps("PT-1", old, status="done", finishDate=finished.isoformat(), releaseDate=finished.isoformat()),
        opencps("PT-2", old, status="processing"),  # backwards: reported, not applied
    ]
    summary = legacy_import("phu-tho", [write_json(tmp_path, newer, "newer.json")])
    assert summary.updated == 1 and summary.backwards == 1 and "PT-2" in summary.notes[0]
    closed = Dossier.objects.get(legacy_code="PT-1")
    assert closed.state == State.RETURNED and closed.finished_at == finished and closed.returned_at == finished
    assert closed.timeliness in ("early", "on_time")
    assert Dossier.objects.get(legacy_code="PT-2").state == State.RESULT_READY
    change = AuditEvent.objects.filter(dossier=closed).order_by("pk").last()
    assert change.from_state == State.PROCESSING and change.to_state == State.RETURNED
    assert change.payload["changes"]["state"] == ["processing", "returned"]


def test_a_broken_row_stops_the_import_unless_skipped(world, tmp_path):
    old = unit("phu_tho")
    records = [
        opencps("PT-1", old),
        opencps("PT-2", old, receiveDate="31/02/2025 08:00:00"),
        opencps("PT-3", old, dossierStatus="something-else"),
        opencps("", old),
        opencps("PT-5", old),
    ]
    path = write_json(tmp_path, records)
    summary = legacy_import("phu-tho", [path])
    assert not summary.written and Dossier.objects.count() == 0 and LegacyRecord.objects.count() == 0
    assert [(r.line, r.code) for r in summary.rejected] == [(2, "PT-2"), (3, "PT-3"), (4, "")]
    assert "Không đọc được ngày" in summary.rejected[0].reason and "trạng thái" in summary.rejected[1].reason.lower()
    summary = legacy_import("phu-tho", [path], skip_invalid=True)
    assert summary.written and summary.created == 2
    assert set(Dossier.objects.values_list("legacy_code", flat=True)) == {"PT-1", "PT-5"}


def test_a_dry_run_writes_nothing(world, tmp_path):
    summary = legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-1", unit("phu_tho"))])], dry_run=True)
    assert summary.created == 1 and not summary.written and Dossier.objects.count() == 0


def test_dates_as_the_old_systems_write_them():
    formats = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"]
    expected = datetime.datetime(2025, 6, 20, 9, 15, tzinfo=TZ)
    assert parse_moment("20/06/2025 09:15:00", formats) == expected
    assert parse_moment("20/06/2025 09:15", formats) == expected
    assert parse_moment("2025-06-20T09:15:00+07:00", formats) == expected
    assert parse_moment("2025-06-20T02:15:00Z", formats) == expected
    assert parse_moment(int(expected.timestamp() * 1000), formats) == expected
    assert parse_moment(str(int(expected.timestamp() * 1000)), formats) == expected
    assert parse_moment("", formats) is None
    with pytest.raises(ValueError):
        parse_moment("20.06.2025", formats)
    with pytest.raises(ValueError):
        parse_moment(1750385700, formats)  # seconds, not milliseconds: refused rather than guessed


def test_a_missing_due_date_is_recomputed_and_said(world, tmp_path):
    summary = legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-1", unit("phu_tho"), dueDate="")])])
    assert summary.due_recomputed == 1
    dossier = Dossier.objects.get(legacy_code="PT-1")
    assert dossier.due_at > dossier.received_at and dossier.legacy_record.due_recomputed


def test_an_unknown_procedure_is_kept_for_review_never_dropped(world, tmp_path):
    summary = legacy_import(
        "phu-tho", [write_json(tmp_path, [opencps("PT-1", unit("phu_tho"), serviceCode="9.999999")])]
    )
    assert summary.unknown_procedure == 1 and summary.written
    record = LegacyRecord.objects.get(legacy_code="PT-1")
    assert record.review == Review.PROCEDURE and record.row["procedure_code"] == "9.999999"


def test_a_spreadsheet_with_vietnamese_headers(world, tmp_path):
    old = unit("vinh_phuc")
    headers = [
        "Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Mã cơ quan tiếp nhận", "Cơ quan tiếp nhận", "Người nộp", "Số CCCD",
        "Điện thoại", "Thư điện tử", "Địa chỉ", "Tỉnh", "Huyện", "Xã", "Ngày tiếp nhận", "Ngày hẹn trả",
        "Ngày kết thúc", "Ngày trả kết quả", "Trạng thái",
    ]  # fmt: skip
    row = [
        "VP-9", "1.001193", "Đăng ký khai sinh", "", "", "Trần Văn Nam", "026190004321", "0987654321", "", "",
        "Vĩnh Phúc", old.district_name, old.name, "20/06/2025 08:00", "27/06/2025 17:00", "", "", "Đang xử lý",
    ]  # fmt: skip
    sheet_csv = tmp_path / "vp.csv"
    with sheet_csv.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([headers, row])
    book = Workbook()
    book.active.append(headers)
    book.active.append(["VP-10", *row[1:]])
    book.save(tmp_path / "vp.xlsx")
    summary = legacy_import("vinh-phuc", [sheet_csv, tmp_path / "vp.xlsx"])
    assert summary.created == 2, summary.rejected
    assert Dossier.objects.get(legacy_code="VP-9").state == State.PROCESSING
    broken = tmp_path / "broken.csv"
    broken.write_text("Mã hồ sơ,Tên\nX,Y\n", encoding="utf-8")
    summary = legacy_import("vinh-phuc", [broken])
    assert not summary.written and "Thiếu cột" in summary.rejected[0].reason


def test_lookup_finds_a_transitional_dossier_by_its_old_code(world, tmp_path):
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("000.20.31.H48-250620-0001", unit("phu_tho"))])])
    client = Client()
    found = client.get("/api/lookup/", {"code": "000.20.31.h48-250620-0001", "id_number": "025190001234"})
    assert found.status_code == 200, found.content
    assert found.json()["status"]["state"] == "processing"
    wrong = client.get("/api/lookup/", {"code": "000.20.31.H48-250620-0001", "id_number": "025190009999"})
    missing = client.get("/api/lookup/", {"code": "000.20.31.H48-250620-9999", "id_number": "025190001234"})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_once_taken_over_here_the_old_exports_are_ignored(world, tmp_path):
    old = unit("phu_tho")
    committee = ProcessingUnit.objects.get(commune=old.mappings.get().commune)
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-1", old, status="receiving")])])
    dossier = Dossier.objects.get(legacy_code="PT-1")
    from dossiers.tests.factories import staff
    from portal.accounts.models import StaffRole

    reception = staff(StaffRole.RECEPTION, centre=dossier.reception_centre, username="old-area-reception")
    staff(StaffRole.LEADER, unit=committee, username="old-area-leader")
    services.SERVICES[Action.TRANSFER](dossier_id=dossier.pk, actor=reception, expected_version=dossier.version)
    summary = legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-1", old, status="done")], "later.json")])
    assert summary.ignored == 1
    dossier.refresh_from_db()
    assert dossier.state == State.TRANSFERRED
    record = LegacyRecord.objects.get(legacy_code="PT-1")
    assert record.taken_over_at is not None and record.ignored_exports == 1


def test_the_command_prints_a_summary(world, tmp_path):
    path = write_json(tmp_path, [opencps("PT-1", unit("phu_tho")), opencps("PT-2", unit("hoa_binh", split=True))])
    out = io.StringIO()
    call_command("import_legacy_dossiers", "--system", "phu-tho", str(path), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "tạo mới / created" in text and "Đã nhập / imported." in text
    with pytest.raises(CommandError, match="nothing imported"):
        broken = write_json(tmp_path, [opencps("PT-3", unit("phu_tho"), dossierStatus="???")], "broken.json")
        command = ["import_legacy_dossiers", "--system", "phu-tho", str(broken), "--no-progress"]
        call_command(*command, stdout=io.StringIO())


def test_the_review_queue_page(world, tmp_path):
    old = unit("hoa_binh", split=True)
    legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-7", old)])])
    record = LegacyRecord.objects.get(legacy_code="HB-7")
    client = Client()
    client.force_login(world.province)
    page = client.get("/can-bo/chuyen-tiep/").content.decode()
    assert "HB-7" in page and all(f'value="{pk}"' in page for pk in record.candidates)
    client.force_login(world.reception)
    assert client.get("/can-bo/chuyen-tiep/").status_code == 403
    client.force_login(world.leader)  # phường Việt Trì's leader: not a candidate commune
    assert "<h2>HB-7" not in client.get("/can-bo/chuyen-tiep/").content.decode()
    client.force_login(world.province)
    answer = client.post("/can-bo/chuyen-tiep/", {"record": record.pk, "commune": record.candidates[0]})
    assert answer.status_code == 302
    dossier = Dossier.objects.get(legacy_code="HB-7")
    assert dossier.processing_unit.commune_id == record.candidates[0]
    after = client.get("/can-bo/chuyen-tiep/").content.decode()
    assert "<h2>HB-7" not in after and "Đã phân hồ sơ HB-7." in after
    # and the desk shows it with its old code, and lists the transitional dossiers on their own
    listed = client.get("/can-bo/hang-doi/tat-ca/", {"chuyen_tiep": "1"}).content.decode()
    assert "Mã cũ:" in listed and "HB-7" in listed
    found = client.get("/can-bo/hang-doi/tat-ca/", {"q": "hb-7"}).content.decode()
    assert "HB-7" in found
    timeline = client.get(f"/can-bo/ho-so/{dossier.pk}/").content.decode()
    assert "hệ thống một cửa cũ" in timeline


def test_the_deadline_sweep_treats_them_like_any_open_dossier(world, tmp_path):
    from dossiers.services.reminders import sweep_deadlines
    from notifications.models import Notification

    old = unit("phu_tho")
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("PT-OVERDUE", old)])])  # due in June 2025: long overdue
    dossier = Dossier.objects.get(legacy_code="PT-OVERDUE")
    staff_leader = ProcessingUnit.objects.get(pk=dossier.processing_unit_id)
    from dossiers.tests.factories import staff
    from portal.accounts.models import StaffRole

    leader = staff(StaffRole.LEADER, unit=staff_leader, username="old-area-leader-2")
    sweep_deadlines()
    assert Notification.objects.filter(dossier=dossier, recipient=leader).exists()


def test_the_lookup_answers_with_the_code_the_citizen_knows(world, tmp_path):
    legacy_import("phu-tho", [write_json(tmp_path, [opencps("000.20.31.H48-250620-0002", unit("phu_tho"))])])
    found = Client().get("/api/lookup/", {"code": "000.20.31.H48-250620-0002", "phone": "0912345678"})
    assert found.status_code == 200 and found.json()["code"] == "000.20.31.H48-250620-0002"


def test_a_commune_leader_settles_the_records_that_may_be_theirs(world, tmp_path):
    from dossiers.tests.factories import staff
    from portal.accounts.models import StaffRole

    old = unit("hoa_binh", split=True)
    legacy_import("hoa-binh", [write_json(tmp_path, [opencps("HB-9", old)])])
    record = LegacyRecord.objects.get(legacy_code="HB-9")
    committee = ProcessingUnit.objects.get(commune_id=record.candidates[1])
    leader = staff(StaffRole.LEADER, unit=committee, username="split-commune-leader")
    client = Client()
    client.force_login(leader)
    assert "<h2>HB-9" in client.get("/can-bo/chuyen-tiep/").content.decode()
    client.post("/can-bo/chuyen-tiep/", {"record": record.pk, "commune": record.candidates[1]})
    assert Dossier.objects.get(legacy_code="HB-9").processing_unit == committee
