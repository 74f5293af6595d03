"""``manage.py documents_sweep``: delete the private files no document points to (see ``dossiers.files``)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from dossiers.files import documents_sweep


class Command(BaseCommand):
    help = (
        "Xóa các tệp trong kho riêng không thuộc tài liệu nào (cũ hơn --older-than-hours). "
        "Delete private files that no document points to (older than --older-than-hours)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-hours", type=float, default=24.0, help="margin (default 24)")
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    def handle(self, *args, older_than_hours: float, dry_run: bool, **options):
        if older_than_hours < 1:
            raise CommandError(
                "--older-than-hours phải từ 1 trở lên: tệp mới hơn có thể thuộc một hồ sơ đang được nộp. "
                "--older-than-hours must be at least 1: younger files may belong to a filing in flight."
            )
        report = documents_sweep(margin=timedelta(hours=older_than_hours), dry_run=dry_run)
        for name in report.orphans:
            self.stdout.write(("sẽ xóa / would delete " if dry_run else "đã xóa / deleted ") + name)
        verb = "sẽ xóa / would be deleted" if dry_run else "đã xóa / deleted"
        self.stdout.write(
            f"{report.files} tệp / files, {len(report.orphans)} tệp mồ côi / orphans {verb}, "
            f"{report.too_young} còn mới / younger than the margin"
        )
