"""``manage.py build_province_catalogue --data DIR``: rebuild ``data/catalogue/phu-tho-catalogue.csv`` from the
national TTHC records in ``DIR`` (its ``details/`` and ``defence-details/``) and the rules and vocabulary kept in
``data/catalogue/`` (``procedures.catalogue_build``; docs/catalogue-build.md). It reads nothing else: the source
records are named on the command line, never looked for outside the repository."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from procedures.catalogue_build import TARGETS, BuildError, build, write_csv


class Command(BaseCommand):
    help = (
        "Dựng tệp danh mục TTHC của tỉnh từ dữ liệu thật và phần minh họa (tất định). "
        "Build the province's catalogue file from the real records plus a deterministic illustrative fill."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data",
            type=Path,
            required=True,
            help="The national TTHC records: a directory with details/ and defence-details/.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "data" / "catalogue" / "phu-tho-catalogue.csv",
            help="Output CSV in the project's own format.",
        )

    def handle(self, *args, data: Path, output: Path, **options):
        if not (data / "details").is_dir():
            raise CommandError(f"Không thấy dữ liệu nguồn / source data not found: {data / 'details'}")
        try:
            records = build(data)
        except BuildError as error:
            raise CommandError(str(error)) from error
        write_csv(records, output)
        by_source: dict[str, Counter] = defaultdict(Counter)
        for record in records:
            by_source[record.level][record.source] += 1
        self.stdout.write(f"Wrote {len(records)} procedures to {output} ({output.stat().st_size:,} bytes)")
        for level in TARGETS:
            counts = by_source[level]
            self.stdout.write(
                f"  {level}: {sum(counts.values())} = {counts['national-db']} national-db + "
                f"{counts['illustrative']} illustrative"
            )
        self.stdout.write(f"  applied: {sum(record.is_applied for record in records)}")
