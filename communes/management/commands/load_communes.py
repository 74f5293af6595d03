from django.core.management.base import BaseCommand

from communes.services import communes_load
from communes.sources import SourceDataError


class Command(BaseCommand):
    help = "Load the 148 communes, the 479 former units, centres and processing units from the PyPI packages."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Reload even if the same versions were loaded.")

    def handle(self, *args, force: bool = False, **options):
        try:
            summary = communes_load(force=force)
        except SourceDataError as exc:
            self.stderr.write(self.style.ERROR(f"Source data problem, nothing loaded: {exc}"))
            raise SystemExit(1) from exc
        if summary.skipped:
            self.stdout.write(f"Communes already loaded from {summary.source_version}: nothing to do.")
            return
        self.stdout.write(f"Loaded from {summary.source_version}")
        for key in sorted(summary.counts):
            self.stdout.write(f"  {key}: {summary.counts[key]}")
