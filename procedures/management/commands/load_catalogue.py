"""``manage.py load_catalogue``: load the province's catalogue shipped in ``data/catalogue/`` (``make run``).

Loads the communes and processing units first (``communes_load``, skipped when current). Skipped at once when
the same file (sha256) was already loaded; ``--force`` re-imports it (idempotent: unchanged rows stay).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from portal.common.errors import InvalidInput
from procedures.selectors import catalogue_counts
from procedures.services import STATUSES, catalogue_file, catalogue_load


class Command(BaseCommand):
    help = (
        "Nạp danh mục thủ tục hành chính của tỉnh (data/catalogue/). "
        "Load the province's procedure catalogue shipped in data/catalogue/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=None, help="Another file in the own format.")
        parser.add_argument("--force", action="store_true", help="Re-import even if this file was loaded.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, file: Path | None, force: bool, no_progress: bool, **options):
        path = file or catalogue_file()
        if not path.exists():
            raise CommandError(f"Không tìm thấy / not found: {path}")
        show = not no_progress and options.get("verbosity", 1) > 0
        started = time.monotonic()
        try:
            result = catalogue_load(
                path=path,
                force=force,
                progress=lambda items: tqdm(
                    items, desc="Nạp danh mục / loading", unit="thủ tục", file=sys.stderr, disable=not show
                ),
            )
        except InvalidInput as exc:
            raise CommandError(exc.detail) from exc
        elapsed = time.monotonic() - started
        if result.skipped:
            self.stdout.write(
                f"Danh mục đã nạp, không có gì thay đổi / catalogue already loaded ({result.source_version[:19]}…), "
                f"{elapsed:.2f} s."
            )
            return
        summary = result.summary
        for level, counter in sorted(summary.counts.items()):
            parts = ", ".join(f"{status} {counter[status]}" for status in STATUSES)
            self.stdout.write(f"  {level}: {parts}")
        counts = catalogue_counts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp / loaded {counts['procedures']} thủ tục (tỉnh {counts['provincial']}, xã {counts['commune']}; "
                f"{counts['applied']} có phát sinh hồ sơ; {counts['decisions']} quyết định, {counts['decrees']} nghị "
                f"định; {counts['illustrative']} minh họa) in {elapsed:.1f} s."
            )
        )
