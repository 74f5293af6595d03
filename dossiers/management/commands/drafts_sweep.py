"""``manage.py drafts_sweep``: delete online-filing drafts untouched for ``DRAFT_MAX_AGE_DAYS``, with their files."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dossiers.services.drafts import drafts_sweep


class Command(BaseCommand):
    help = (
        "Xóa hồ sơ nộp dở không được sửa trong DRAFT_MAX_AGE_DAYS ngày (cùng các tệp). "
        "Delete online-filing drafts untouched for DRAFT_MAX_AGE_DAYS days, with their files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="age in days (default: DRAFT_MAX_AGE_DAYS)")

    def handle(self, *args, days: int | None, **options):
        if days is not None and days < 1:
            raise CommandError("--days phải từ 1 trở lên. --days must be at least 1.")
        deleted = drafts_sweep(max_age_days=days)
        self.stdout.write(f"đã xóa / deleted {deleted}")
