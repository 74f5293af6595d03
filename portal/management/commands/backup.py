"""``manage.py backup DIRECTORY``: the database (``pg_dump --format=custom``) and every object of the private storage,
with a manifest (``portal.backup``; README, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu và kho tệp riêng vào một thư mục mới, kèm bản kê. "
        "Back up the database and the private storage into a new directory, with a manifest."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="thư mục mới (hoặc trống) / a new (or empty) directory")

    def handle(self, *args, directory: Path, **options):
        try:
            summary = backup_create(directory, progress=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"sao lưu xong / backed up to {summary.directory}: database {summary.database_bytes} bytes "
            f"(dump {summary.dump_bytes}), {summary.tables} tables, {summary.rows} rows; "
            f"{summary.objects} objects, {summary.object_bytes} bytes"
        )
