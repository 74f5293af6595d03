"""``manage.py import_legacy_dossiers --system phu-tho|vinh-phuc|hoa-binh FILE…``: bring in the old systems' in-flight
dossiers (``legacy.services.legacy_import``), with a progress bar and a summary table at the end."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from legacy.models import System
from legacy.services import legacy_import

LABELS = {
    "created": "tạo mới / created",
    "updated": "cập nhật / updated",
    "unchanged": "không đổi / unchanged",
    "rejected": "bị loại / rejected",
    "mapped": "đã phân xã, phường / mapped",
    "ambiguous": "chờ chọn xã (đơn vị cũ bị chia) / ambiguous",
    "unmapped": "chờ chọn xã (không tìm được) / unmapped",
    "unknown_procedure": "chờ chọn thủ tục / unknown procedure",
    "backwards": "trạng thái lùi, không áp dụng / moved backwards",
    "ignored": "đã xử lý tiếp trên hệ thống mới, bỏ qua / taken over, ignored",
    "due_recomputed": "hạn trả tính lại / due date recomputed",
}


class Command(BaseCommand):
    help = (
        "Nhập hồ sơ đang giải quyết từ hệ thống một cửa cũ (JSON kiểu OpenCPS, CSV hoặc XLSX). "
        "Import the in-flight dossiers of an old one-stop system (OpenCPS-style JSON, CSV or XLSX)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--system", required=True, choices=System.values)
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Chỉ tóm tắt, không ghi / summary only")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Bỏ qua dòng lỗi, nhập phần còn lại / skip broken rows"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, system, files, dry_run, skip_invalid, no_progress, **options):
        for path in files:
            if not path.is_file():
                raise CommandError(f"Không có tệp / no such file: {path}")
        bar = tqdm(desc="Hồ sơ / dossiers", unit="dòng", file=sys.stderr, disable=no_progress)
        try:
            summary = legacy_import(system, files, dry_run=dry_run, skip_invalid=skip_invalid, progress=bar.update)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        width = max(len(label) for label in LABELS.values())
        self.stdout.write(f"\n{'':<{width}}  số hồ sơ / dossiers")
        for name, count in summary.counts().items():
            self.stdout.write(f"{LABELS[name]:<{width}}  {count:>10,}")
        for rejected in summary.rejected[:200]:
            self.stdout.write(f"  dòng / line {rejected.line}: {rejected.code or '—'}: {rejected.reason}")
        if len(summary.rejected) > 200:
            self.stdout.write(f"  … {len(summary.rejected) - 200} more")
        for note in summary.notes[:200]:
            self.stdout.write(f"  {note}")
        rate = summary.rows / summary.seconds if summary.seconds else 0
        self.stdout.write(f"{summary.rows:,} dòng / rows in {summary.seconds:.1f} s ({rate:,.0f} rows/s)")
        if dry_run:
            self.stdout.write("--dry-run: không ghi gì / nothing written")
        elif not summary.written:
            raise CommandError(
                "Có dòng lỗi: không nhập gì (dùng --skip-invalid để nhập phần còn lại) / "
                "broken rows: nothing imported (--skip-invalid imports the rest)"
            )
        else:
            self.stdout.write(self.style.SUCCESS("Đã nhập / imported."))
