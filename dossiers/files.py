"""Files in the private storage that no document row points to, and their removal.

A file is written inside the transaction that writes its ``Document`` row, and removed again when that block fails
(``documents.removed_on_failure``). Two cases still leave a file behind with no row: a caller's enclosing
transaction rolled back after the block succeeded, or the process died between the write and the commit. This
sweep finds such files under ``dossiers/`` (documents) and ``drafts/`` (the files of online-filing drafts,
``FilingDraftFile``) and deletes those older than a margin (default 24 hours) — never a file young enough to belong
to a transaction still in flight. It reads one directory per dossier or draft and one query for each, so it suits a
nightly run (``dossiers.tasks.documents_sweep``, in ``CELERY_BEAT_SCHEDULE``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from dossiers.models import Document, FilingDraftFile, private_storage

logger = logging.getLogger(__name__)

ROOT = "dossiers"
#: each folder of the private storage, with the rows whose ``file`` may point into it, by the id in the next folder
ROOTS = ((ROOT, Document, "dossier_id"), ("drafts", FilingDraftFile, "draft_id"))
DEFAULT_MARGIN = timedelta(hours=24)


@dataclass
class SweepReport:
    files: int = 0  # files seen
    orphans: list[str] = field(default_factory=list)  # unreferenced and old enough: deleted (or would be)
    too_young: int = 0  # unreferenced but within the margin: left alone


def _files_under(storage, path: str):
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}"
    for directory in directories:
        yield from _files_under(storage, f"{path}/{directory}")


def documents_sweep(*, margin: timedelta = DEFAULT_MARGIN, dry_run: bool = False) -> SweepReport:
    """Delete (or, ``dry_run``, only list) the private files no document points to, older than ``margin``."""
    storage = private_storage()
    report = SweepReport()
    cutoff = timezone.now() - margin
    for root, model, owner in ROOTS:
        # listdir, not exists(): on S3 a folder is a prefix, not an object, and exists() is always false for it
        try:
            directories = storage.listdir(root)[0]
        except FileNotFoundError:  # a local directory not made yet
            continue
        for directory in directories:
            known = set(
                model.objects.filter(**{owner: int(directory)}).values_list("file", flat=True)
                if directory.isdigit()
                else []
            )
            for name in _files_under(storage, f"{root}/{directory}"):
                report.files += 1
                if name in known:
                    continue
                if storage.get_modified_time(name) > cutoff:
                    report.too_young += 1
                    continue
                report.orphans.append(name)
                if not dry_run:
                    storage.delete(name)
                    logger.info("deleted %s: no row points to it", name)
    return report
