"""``manage.py check_integrity``: the integrity checks of ``dossiers.selectors.integrity`` (codes, outbox, audit
trails; with options the dossiers a client was told were created, and the documents' files) as a report, exit
status 1 on any violation. Used after a restore (README, "Backups") and by the fault drill (``bench/drill.py``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers.selectors.integrity import integrity_report, read_created


class Command(BaseCommand):
    help = (
        "Kiểm tra tính toàn vẹn của dữ liệu hồ sơ, thông báo và nhật ký; mã thoát 1 khi có vi phạm. "
        "Check the integrity of the dossiers, the outbox and the audit trails; exit status 1 on a violation."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--created",
            type=Path,
            help="tệp các hồ sơ đã báo tạo cho người dùng, mỗi dòng một id, mã hoặc số tham chiếu / "
            "a file of the dossiers a client was told were created: one id (digits), code or reference a line",
        )
        parser.add_argument(
            "--outbox-grace",
            type=float,
            default=3600.0,
            help="số giây một thông báo được chờ gửi quá hạn (mặc định 3600) / seconds a notification may stay pending "
            "past its due moment (default 3600)",
        )
        parser.add_argument(
            "--outbox-since",
            help="chỉ các thông báo tạo từ thời điểm này (ISO 8601) / "
            "only outbox rows created at or after this ISO 8601 moment",
        )
        parser.add_argument(
            "--sms-sink",
            type=Path,
            help="tệp nhận SMS (SMS_FILE_PATH) để đếm số lần nhận / "
            "the SMS file sink (SMS_FILE_PATH) to count deliveries in",
        )
        parser.add_argument(
            "--mail-dir",
            type=Path,
            help="thư mục thư điện tử (EMAIL_FILE_PATH) / the file e-mail backend's folder (EMAIL_FILE_PATH)",
        )
        parser.add_argument(
            "--failed-is-violation",
            action="store_true",
            help="thông báo gửi thất bại là vi phạm / a failed notification is a violation",
        )
        parser.add_argument(
            "--documents",
            action="store_true",
            help="đọc mọi tệp giấy tờ và tổng kiểm SHA-256 / read every document's file and its SHA-256",
        )
        parser.add_argument("--json", action="store_true", help="in báo cáo dạng JSON / print the report as JSON")

    def handle(self, *args, **options):
        since = None
        if options["outbox_since"]:
            try:
                since = datetime.fromisoformat(options["outbox_since"])
            except ValueError:
                raise CommandError(
                    "--outbox-since: thời điểm ISO 8601 / an ISO 8601 moment, e.g. 2026-03-01T08:00:00+07:00"
                ) from None
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
        created = None
        if options["created"] is not None:
            if not options["created"].is_file():
                raise CommandError(f"--created: không có tệp / no file {options['created']}")
            created = read_created(options["created"])
        results = integrity_report(
            created=created,
            outbox_grace=timedelta(seconds=options["outbox_grace"]),
            outbox_since=since,
            sms_sink=options["sms_sink"],
            mail_dir=options["mail_dir"],
            failed_is_violation=options["failed_is_violation"],
            documents=options["documents"],
        )
        failed = [result.name for result in results if not result.ok]
        if options["json"]:
            self.stdout.write(json.dumps({"ok": not failed, "checks": [r.as_dict() for r in results]}, indent=1))
        else:
            for result in results:
                for line in result.lines():
                    self.stdout.write(line)
        if failed:
            raise CommandError(f"vi phạm / violations: {', '.join(failed)}")
