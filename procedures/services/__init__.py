"""Writes to the catalogue. Every write of the ``procedures`` app's catalogue goes through here.

- ``planner``: what a batch of records does to the versions of their procedures (pure; the versioning rules,
  pinned versions never rewritten);
- ``writer``: validate, load the snapshot, write the plan in bulk, in one transaction (``catalogue_import``);
- ``references``: fields, announcing decisions and decrees the records cite;
- ``shipped``: the province's catalogue file shipped in ``data/catalogue/`` (``catalogue_load``).
"""

from procedures.services.planner import CONTENT_FIELDS, STATUSES, ImportPlan, VersionInUse
from procedures.services.references import announcing_decisions_ensure, procedure_fields_ensure
from procedures.services.shipped import (
    CATALOGUE_LOAD_NAME,
    CATALOGUE_LOADER_VERSION,
    CatalogueLoad,
    catalogue_file,
    catalogue_load,
)
from procedures.services.writer import (
    ComponentsInUse,
    ImportSummary,
    catalogue_import,
    catalogue_records_import,
    procedure_version_periods_sync,
    procedure_version_upsert,
)

__all__ = [
    "CATALOGUE_LOADER_VERSION",
    "CATALOGUE_LOAD_NAME",
    "CONTENT_FIELDS",
    "STATUSES",
    "CatalogueLoad",
    "ComponentsInUse",
    "ImportPlan",
    "ImportSummary",
    "VersionInUse",
    "announcing_decisions_ensure",
    "catalogue_file",
    "catalogue_import",
    "catalogue_load",
    "catalogue_records_import",
    "procedure_fields_ensure",
    "procedure_version_periods_sync",
    "procedure_version_upsert",
]
