"""``manage.py sweep_deadlines [--dry-run] [--at ISO] [--digest]``: the deadline sweep now (what beat runs every five
minutes), or with ``--dry-run`` only what it would send, in Vietnamese (``--lang en`` for English)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dossiers.services.digest import daily_digest
from dossiers.services.reminders import sweep_deadlines
from notifications.models import Kind


class Command(BaseCommand):
    help = "Quét hạn xử lý hồ sơ: nhắc sắp đến hạn, quá hạn, báo cáo lên tỉnh (--dry-run: chỉ liệt kê)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in những gì sẽ gửi, không ghi gì.")
        parser.add_argument("--at", help="Quét như thể bây giờ là thời điểm này (ISO 8601, có múi giờ).")
        parser.add_argument("--digest", action="store_true", help="Cũng viết bản tin hằng ngày (nếu là ngày làm việc).")
        parser.add_argument("--lang", default="vi", choices=["vi", "en"], help="Ngôn ngữ của bản in (mặc định vi).")

    def handle(self, *args, dry_run=False, at=None, digest=False, lang="vi", **options):
        now = None
        if at:
            try:
                now = parse_datetime(at)
            except ValueError:  # well formed but impossible (month 13, hour 25): the same refusal
                now = None
            if now is None or timezone.is_naive(now):
                raise CommandError(_("--at cần một thời điểm ISO 8601 có múi giờ, ví dụ 2026-12-04T09:00:00+07:00."))
        with translation.override(lang):
            report = sweep_deadlines(now=now, dry_run=dry_run)
            moment = timezone.localtime(report.now).strftime("%H:%M %d/%m/%Y")
            if dry_run:
                self.stdout.write(_("Chạy thử lúc %(moment)s: không ghi, không gửi gì.") % {"moment": moment})
                for item in report.planned:
                    due = timezone.localtime(item.due).strftime("%H:%M %d/%m/%Y") if item.due else "—"
                    self.stdout.write(
                        _("  %(kind)s — hồ sơ %(dossier)s — hạn %(due)s — %(count)d người nhận")
                        % {"kind": Kind(item.kind).label, "dossier": item.dossier, "due": due, "count": item.recipients}
                    )
            else:
                self.stdout.write(_("Quét hạn lúc %(moment)s.") % {"moment": moment})
            self.stdout.write(
                _("Đã xem %(scanned)d hồ sơ; %(reminded)d lượt nhắc; %(rows)d thông báo %(verb)s; %(cancelled)d hủy.")
                % {
                    "scanned": report.scanned,
                    "reminded": sum(report.reminded.values()),
                    "rows": report.total_created,
                    "verb": _("sẽ được viết") if dry_run else _("đã viết"),
                    "cancelled": report.cancelled,
                }
            )
            for kind, count in sorted(report.reminded.items()):
                self.stdout.write(_("  %(kind)s: %(count)d hồ sơ") % {"kind": Kind(kind).label, "count": count})
            if digest and not dry_run:
                written = daily_digest(now=now)
                self.stdout.write(_("Bản tin hằng ngày: %(count)d thông báo.") % {"count": sum(written.values())})
