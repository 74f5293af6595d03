"""``manage.py import_catalogue PATH…``: import procedures from the national portal's files or the own format.

Formats are detected from content (see ``procedures/importing/reader.py`` and ``docs/catalogue-format.md``).
Every problem is printed as ``file:row: column: message``. By default any problem imports nothing (one
transaction); ``--skip-invalid`` imports the valid rows and lists the rejected ones. Re-importing the same file
changes nothing. Ends with a summary per level: created / updated / unchanged / rejected.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from communes.models import ProcessingUnit, ProcessingUnitKind
from communes.services import communes_load
from procedures.importing.records import DEFAULT_EFFECTIVE_FROM, DecisionRecord
from procedures.services import STATUSES, ImportSummary, catalogue_import

LEVEL_LABELS = {"provincial": "cấp tỉnh / provincial", "commune": "cấp xã / commune", "unknown": "không rõ / unknown"}
SKIP_LABELS = {
    "central": "cấp bộ, cơ quan trung ương / central level",
    "vertical-field": "lĩnh vực của cơ quan ngành dọc / vertical agency's field",
    "vertical-agency": "cơ quan ngành dọc (hải quan, thuế, công an…) / vertical agency",
    "no-department": "không có sở tương ứng / no provincial department",
}


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--effective-from: ngày không hợp lệ / invalid date: {value} (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Nhập danh mục thủ tục hành chính từ tệp XLSX/JSON của Cổng DVC quốc gia hoặc CSV/XLSX của dự án. "
        "Import procedures from the national portal's XLSX/JSON files or the project's CSV/XLSX format."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or directories (read recursively).")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and list the rejected ones (default: any problem imports nothing).",
        )
        parser.add_argument(
            "--effective-from",
            type=_date,
            default=DEFAULT_EFFECTIVE_FROM,
            help="Effective date for records whose source states none (default: 2025-07-01, the merger).",
        )
        parser.add_argument(
            "--retire-illustrative",
            metavar="DECISION",
            default="",
            help=(
                "Number of the province's decision announcing the real catalogue: every illustrative procedure "
                "(source=illustrative) the files do not carry is abolished from today under it, in the same "
                "transaction."
            ),
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show progress bars.")

    def handle(self, *args, paths: list[Path], skip_invalid: bool, effective_from, no_progress: bool, **options):
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"Không tìm thấy / not found: {', '.join(missing)}")
        verbosity = options.get("verbosity", 1)
        show = not no_progress and verbosity > 0

        def bar(description: str, unit: str):
            return lambda items: tqdm(items, desc=description, unit=unit, file=sys.stderr, disable=not show)

        if not ProcessingUnit.objects.exclude(kind=ProcessingUnitKind.COMMUNE_COMMITTEE).exists():
            communes_load()  # a fresh database: the processing units the records refer to
        summary = catalogue_import(
            paths=paths,
            skip_invalid=skip_invalid,
            effective_from=effective_from,
            file_progress=bar("Đọc tệp / reading", "tệp"),
            progress=bar("Nhập / importing", "thủ tục"),
            retire_illustrative=DecisionRecord(number=retire) if (retire := options["retire_illustrative"]) else None,
        )
        self._report(summary, verbosity=verbosity)
        if not summary.written:
            raise CommandError(
                f"{len(summary.problems)} lỗi, không nhập gì / {len(summary.problems)} problem(s), nothing imported."
            )

    def _report(self, summary: ImportSummary, *, verbosity: int) -> None:
        for problem in summary.problems:
            self.stderr.write(str(problem))
        if verbosity > 1:
            for file, kind in sorted(summary.formats.items()):
                self.stdout.write(f"  {file}: {kind}")
        kinds = sorted(set(summary.formats.values()))
        if kinds:
            self.stdout.write(f"Định dạng / formats: {', '.join(kinds)} ({len(summary.formats)} tệp / files)")
        header = f"{'':28}" + "".join(f"{status:>11}" for status in STATUSES)
        self.stdout.write(header)
        for level in ("provincial", "commune", "unknown"):
            counter = summary.counts.get(level)
            if not counter:
                continue
            row = "".join(f"{counter[status]:>11}" for status in STATUSES)
            self.stdout.write(f"{LEVEL_LABELS[level]:28}{row}")
        totals = "".join(f"{summary.total(status):>11}" for status in STATUSES)
        self.stdout.write(f"{'tổng / total':28}{totals}")
        if summary.moved:
            self.stdout.write(
                f"Áp dụng từ ngày nhập vì hồ sơ đang dùng phiên bản của ngày ghi trong tệp / applied from the import "
                f"date, dossiers being bound to the version of the file's date: {len(summary.moved)}"
            )
            if verbosity > 1:
                for (code, day), used in sorted(summary.moved.items()):
                    self.stdout.write(f"  {code}: {day:%d/%m/%Y} → {used:%d/%m/%Y}")
        if summary.skipped:
            self.stdout.write(
                f"Ngoài danh mục của tỉnh / outside the province's catalogue: {sum(summary.skipped.values())}"
            )
            for reason, count in summary.skipped.most_common():
                self.stdout.write(f"  {SKIP_LABELS.get(reason, reason)}: {count}")
        if summary.references:
            created = ", ".join(f"{key}: {value}" for key, value in sorted(summary.references.items()))
            self.stdout.write(f"Danh mục tham chiếu / references: {created}")
        if summary.written and summary.problems:
            self.stdout.write(
                self.style.WARNING(
                    f"Đã bỏ qua {summary.total('rejected')} dòng lỗi (liệt kê ở trên) / "
                    f"skipped {summary.total('rejected')} invalid row(s) listed above."
                )
            )
        elif summary.written:
            self.stdout.write(self.style.SUCCESS("Xong / done."))
