"""Reads of the administrative map, shaped for the API and pages (no N+1)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from communes.models import (
    Commune,
    FormerProvince,
    FormerUnit,
    ProcessingUnit,
    ProcessingUnitKind,
    ServiceCentre,
)
from portal.common.errors import DomainError, NotFound
from portal.common.refcache import ReferenceCache
from portal.common.text import fold, names_nothing, nfc


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


#: Centres, communes and processing units as filing reads them (per process, dropped when any of them changes).
reference = ReferenceCache("communes", lambda: [Commune, ServiceCentre, ProcessingUnit])


def centre_by_agency_code(agency_code: str) -> ServiceCentre | None:
    """The centre with this agency code (as printed in dossier codes), or ``None``. Shared: read-only."""
    if not agency_code:
        return None
    code = agency_code.strip()
    return reference.get(
        ("centre-code", code),
        lambda: ServiceCentre.objects.select_related("commune").filter(agency_code=code).first(),
    )


def centre_by_id(centre_id: int) -> ServiceCentre | None:
    """The centre (with its commune), or ``None``. Shared: read-only."""
    return reference.get(
        ("centre", int(centre_id)), lambda: ServiceCentre.objects.select_related("commune").filter(pk=centre_id).first()
    )


def commune_by_code(code: str) -> Commune | None:
    """The commune with this code, or ``None``. Shared: read-only."""
    if names_nothing(str(code)):
        return None
    return reference.get(("commune", str(code)), lambda: Commune.objects.filter(code=str(code)).first())


def commune_committee(commune_id: int) -> ProcessingUnit | None:
    """The People's Committee of a commune: where commune-level procedures are decided. Shared: read-only."""
    return reference.get(
        ("committee", commune_id),
        lambda: ProcessingUnit.objects.filter(commune_id=commune_id, kind=ProcessingUnitKind.COMMUNE_COMMITTEE).first(),
    )


def processing_unit_by_id(unit_id: int) -> ProcessingUnit | None:
    """The processing unit, or ``None``. Shared: read-only."""
    return reference.get(("unit-id", int(unit_id)), lambda: ProcessingUnit.objects.filter(pk=unit_id).first())


def commune_committee_by_code(code: str) -> ProcessingUnit | None:
    """The People's Committee of the commune with this code (the unit a commune's figures are about), or ``None``."""
    commune = commune_by_code(code)
    return commune_committee(commune.pk) if commune is not None else None


def processing_unit_by_key(key: str) -> ProcessingUnit | None:
    """A processing unit by its stable key, or ``None``. Shared: read-only."""
    if names_nothing(key):
        return None
    return reference.get(("unit", key), lambda: ProcessingUnit.objects.filter(key=key).first())


def help_centre(commune_id: int | None = None) -> ServiceCentre | None:
    """The centre a person is pointed to for help: their commune's, else the provincial centre. Shared: read-only."""
    if commune_id:
        centre = reference.get(
            ("commune-centre", int(commune_id)), lambda: ServiceCentre.objects.filter(commune_id=commune_id).first()
        )
        if centre is not None:
            return centre
    return reference.get(("centre-key", "provincial"), lambda: ServiceCentre.objects.filter(key="provincial").first())


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


@dataclass
class CentreFinding:
    """What the home page's centre finder found for a query: new communes by name, former units (before 1 July
    2025) by name with the commune(s) they joined, or the commune an old full address converts to."""

    query: str
    communes: list = field(default_factory=list)  # Commune, with .centre
    former_units: list = field(default_factory=list)  # FormerUnit, with .communes (each with .centre)
    converted: object = None  # communes.address.ConvertedAddress, for an old full address
    converter_message: str = ""  # why an old full address was not converted (starting up, not recognised…)

    @property
    def empty(self) -> bool:
        return not (self.communes or self.former_units or self.converted)


FINDER_LIMIT = 8


def centre_finder(query: str) -> CentreFinding:
    """The service centre(s) for what a person typed: a commune of the 148 ("viet tri", with or without diacritics),
    a former commune's name (the official old → new mapping the map was loaded from: "Xã Tiên Cát" → Phường Việt
    Trì), or an old full address with its district ("Xã Độc Lập, Thành phố Hòa Bình") through the address
    converter. A few queries, whatever matches."""
    from communes.address import address_convert  # the converter's index is built lazily, on first use

    text = nfc(query or "").strip()[:120]
    finding = CentreFinding(query=text)
    folded = fold(text)
    for prefix in ("xa ", "phuong ", "thi tran "):
        folded = folded.removeprefix(prefix)
    if not folded:
        return finding
    finding.communes = list(
        Commune.objects.select_related("centre")
        .filter(name_folded__contains=folded)
        .order_by("name_folded")[:FINDER_LIMIT]
    )
    finding.former_units = list(
        FormerUnit.objects.filter(name_folded__contains=folded)
        .prefetch_related(Prefetch("communes", queryset=Commune.objects.select_related("centre")))
        .order_by("name_folded", "district_name")[:FINDER_LIMIT]
    )
    if finding.empty and "," in text:
        try:
            finding.converted = address_convert(text=text)
        except DomainError as exc:
            finding.converter_message = str(exc.detail)
    return finding
