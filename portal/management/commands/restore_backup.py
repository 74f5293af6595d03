"""``manage.py restore_backup DIRECTORY [--create] [--jobs N]``: a backup of ``manage.py backup`` into the fresh, empty
database of ``DATABASE_URL`` and the private storage of this environment (``portal.backup``; README, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu vào cơ sở dữ liệu mới, trống (DATABASE_URL) và kho tệp riêng của môi trường này. "
        "Restore a backup into the fresh, empty database of DATABASE_URL and this environment's private storage."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, help="thư mục do manage.py backup ghi / a directory written by manage.py backup"
        )
        parser.add_argument(
            "--create",
            action="store_true",
            help="tạo cơ sở dữ liệu nếu chưa có / create the database when it does not exist",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            help="pg_restore song song, không trong một giao dịch / parallel pg_restore (not in one transaction)",
        )

    def handle(self, *args, directory: Path, create: bool, jobs: int, **options):
        try:
            summary = backup_restore(directory, create=create, jobs=jobs, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"khôi phục xong / restored from {summary.directory}: {summary.tables} tables, {summary.rows} rows; "
            f"{summary.objects} objects written, {summary.skipped} already there. "
            "Next: manage.py check_integrity --documents"
        )
