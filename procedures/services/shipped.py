"""The province's shipped catalogue (``data/catalogue/phu-tho-catalogue.csv``), loaded by ``load_catalogue`` and
``make run``: skipped when the same file was loaded already, otherwise an idempotent import."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from portal.common.errors import InvalidInput
from procedures.models import Procedure
from procedures.services.writer import ImportSummary, Progress, catalogue_import

CATALOGUE_LOAD_NAME = "catalogue"
# Bump when the loading logic changes, so that `make run` reloads even if the data file did not change.
CATALOGUE_LOADER_VERSION = "1"


def catalogue_file() -> Path:
    from django.conf import settings

    return Path(settings.BASE_DIR) / "data" / "catalogue" / "phu-tho-catalogue.csv"


@dataclass
class CatalogueLoad:
    source_version: str
    skipped: bool = False
    summary: ImportSummary | None = None


def _file_version(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"sha256:{digest}; loader {CATALOGUE_LOADER_VERSION}"


def catalogue_load(*, path: Path | None = None, force: bool = False, progress: Progress | None = None) -> CatalogueLoad:
    """Load the province's catalogue file (after the communes and processing units it refers to).

    Skipped at once when the same file (by sha256) was loaded and the procedures are still there; otherwise an
    idempotent import (unchanged rows are left alone). Raises ``InvalidInput`` listing the problems if the file
    does not validate (nothing is written then).
    """
    from communes.models import ReferenceDataLoad
    from communes.services import communes_load

    path = path or catalogue_file()
    version = _file_version(path)
    previous = ReferenceDataLoad.objects.filter(name=CATALOGUE_LOAD_NAME).first()
    if (
        not force
        and previous is not None
        and previous.source_version == version
        and Procedure.objects.count() == previous.summary.get("procedures")
    ):
        return CatalogueLoad(source_version=version, skipped=True)

    communes_load()
    with transaction.atomic():
        summary = catalogue_import(paths=[path], progress=progress)
        if not summary.written:
            problems = "\n".join(str(problem) for problem in summary.problems[:50])
            raise InvalidInput(
                _("Tệp danh mục có lỗi, không nạp gì:\n%(problems)s") % {"problems": problems},
                code="invalid_catalogue",
            )
        _record_load(version, summary)
    return CatalogueLoad(source_version=version, summary=summary)


def _record_load(version: str, summary: ImportSummary) -> None:
    from communes.models import ReferenceDataLoad

    ReferenceDataLoad.objects.update_or_create(
        name=CATALOGUE_LOAD_NAME,
        defaults={
            "source_version": version,
            "summary": {
                "procedures": Procedure.objects.count(),
                "counts": {level: dict(counter) for level, counter in summary.counts.items()},
            },
        },
    )
