"""Reads of the administrative map, shaped for the API and pages (no N+1)."""

from __future__ import annotations

from collections import OrderedDict

from django.db.models import Prefetch, QuerySet

from communes.models import Commune, FormerProvince, FormerUnit, ServiceCentre
from portal.common.errors import NotFound
from portal.common.text import fold


def commune_list(*, kind: str | None = None, former_province: str | None = None, search: str | None = None) -> QuerySet:
    qs = Commune.objects.select_related("centre")
    if kind:
        qs = qs.filter(kind=kind)
    if former_province:
        qs = qs.filter(former_province=former_province)
    if search:
        qs = qs.filter(name_folded__contains=fold(search))
    return qs.order_by("code")


def commune_get(*, code: str) -> Commune:
    commune = (
        Commune.objects.select_related("centre", "committee")
        .prefetch_related(Prefetch("former_units", queryset=FormerUnit.objects.order_by("district_name", "name")))
        .filter(code=code)
        .first()
    )
    if commune is None:
        raise NotFound()
    return commune


def centre_by_agency_code(agency_code: str) -> ServiceCentre | None:
    """The centre with this agency code (as printed in dossier codes), or ``None``."""
    return ServiceCentre.objects.filter(agency_code=agency_code.strip()).first() if agency_code else None


def centre_list() -> QuerySet:
    return ServiceCentre.objects.select_related("commune", "parent").order_by("kind", "agency_code")


def communes_by_former_province() -> OrderedDict:
    """The 148 communes grouped by former province, each with its centre (for the home page)."""
    groups: OrderedDict = OrderedDict(
        (value, {"label": label, "communes": []}) for value, label in FormerProvince.choices
    )
    for commune in Commune.objects.select_related("centre").order_by("name_folded"):
        groups.setdefault(commune.former_province, {"label": commune.former_province, "communes": []})
        groups[commune.former_province]["communes"].append(commune)
    return groups
