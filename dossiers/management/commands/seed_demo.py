"""``manage.py seed_demo``: a living demo (``make run``), or ``--dossiers N`` bulk dossiers for the benchmarks.

Default: the demo accounts (staff of a ward of Việt Trì, of Xã Pà Cò in old Hòa Bình, of Xã Tam Đảo in old Vĩnh
Phúc, of Sở Tư pháp and Sở Xây dựng, the Việt Trì branch of the provincial centre, the province office, an
administrator, five citizens) and a few hundred dossiers of the last 90 days played through the real services.
Idempotent (a second run checks the accounts and returns) and deterministic (``--seed``).

``--dossiers N``: N more dossiers of the last 365 days over every centre, written in bulk (PostgreSQL ``COPY``).
"""

from __future__ import annotations

import datetime
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dossiers.demo.people import PASSWORD, login_lines
from dossiers.demo.seed import DEFAULT_COUNT, DEFAULT_SEED, demo_seed
from dossiers.services.reminders import sweep_deadlines


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu demo (tài khoản, vài trăm hồ sơ) hoặc --dossiers N hồ sơ hàng loạt cho đo hiệu năng. "
        "Create the demo data (accounts, a few hundred dossiers) or --dossiers N bulk dossiers for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED}).")
        parser.add_argument(
            "--count", type=int, default=DEFAULT_COUNT, help=f"Demo dossiers (default {DEFAULT_COUNT})."
        )
        parser.add_argument("--dossiers", type=int, default=None, help="Bulk mode: this many more dossiers.")
        parser.add_argument("--anchor", type=datetime.date.fromisoformat, default=None, help="'Today' (YYYY-MM-DD).")
        parser.add_argument("--days", type=int, default=365, help="Bulk mode: spread over this many days.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, seed, count, dossiers, anchor, days, no_progress, **options):
        if getattr(settings, "IS_PRODUCTION", False):
            raise CommandError("seed_demo không chạy trong môi trường production / refused with DJANGO_ENV=production")
        show = not no_progress and options.get("verbosity", 1) > 0

        def progress(desc: str, unit: str):
            return lambda items, total=None: tqdm(
                items, desc=desc, unit=unit, total=total, file=sys.stderr, disable=not show
            )

        if dossiers is not None:
            return self._bulk(seed=seed, count=dossiers, anchor=anchor, days=days, progress=progress)
        if count <= 0:
            raise CommandError("--count phải là số dương / must be positive")
        try:
            result = demo_seed(
                seed=seed, count=count, anchor_day=anchor, progress=progress("Demo / hồ sơ demo", "bước")
            )
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(f"{exc} (manage.py load_communes && manage.py load_catalogue)") from exc
        if result.skipped:
            self.stdout.write(
                f"Dữ liệu demo đã có / demo data already there ({result.existing}); {result.seconds:.2f} s."
            )
        else:
            states = ", ".join(f"{state} {n}" for state, n in result.states.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Đã tạo / created {result.count} hồ sơ demo (seed {result.seed}; {states}; "
                    f"{result.documents} tệp, {result.paper_components} giấy tờ giấy) in {result.seconds:.1f} s."
                )
            )
        # the deadline watch, as beat would run it: the demo staff find their due-soon and overdue reminders in-app
        report = sweep_deadlines()
        reminded = ", ".join(f"{kind} {n}" for kind, n in sorted(report.reminded.items())) or "0"
        self.stdout.write(
            f"Nhắc hạn / deadline reminders: {reminded} ({report.total_created} thông báo / notifications; "
            "GET /api/me/notifications/ as a demo staff account)"
        )
        self.stdout.write(f"Tài khoản demo / demo log-ins (README) — mật khẩu / password: {PASSWORD}")
        for line in login_lines():
            self.stdout.write(line)

    def _bulk(self, *, seed, count, anchor, days, progress):
        from dossiers.demo.bulk import demo_bulk

        if count <= 0:
            raise CommandError("--dossiers phải là số dương / must be positive")
        try:
            result = demo_bulk(
                count=count, seed=seed, anchor_day=anchor, days=days, progress=progress("Hồ sơ / dossiers", "ngày")
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if result.skipped:
            self.stdout.write(f"Đã có / already there ({result.marker}); {result.seconds:.2f} s.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo / created {result.count:,} hồ sơ ({result.events:,} sự kiện, {result.pauses:,} tạm dừng) "
                f"over {result.days} days at {result.centres} centres in {result.seconds:.1f} s "
                f"({result.count / max(result.seconds, 1e-9):,.0f} hồ sơ/s)."
            )
        )
        if result.rebuilt_indexes:
            self.stdout.write(
                f"  {result.rebuilt_indexes} chỉ mục, ràng buộc dựng lại / indexes and constraints rebuilt "
                f"in {result.rebuild_seconds:.1f} s."
            )
