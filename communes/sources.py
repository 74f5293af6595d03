"""Reading the administrative map from its PyPI sources, with no database access.

* ``vietnam-provinces`` — the national register after 1 July 2025: Phú Thọ is province 25 with 148 wards.
* ``vietnam-address-converter`` — the official old → new mapping (482 rows for Phú Thọ).

The two packages use different codes for the new communes (only ``vietnam-provinces`` carries the official
national codes), so they are joined on the commune's name, folded (the packages place tone marks differently:
"Thanh Thủy" / "Thanh Thuỷ").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata

from portal.common.text import fold

PROVINCE_CODE = 25
PROVINCE_FOLDED = "phu tho"
FORMER_PROVINCES_BY_FOLDED_NAME = {"phu tho": "phu_tho", "vinh phuc": "vinh_phuc", "hoa binh": "hoa_binh"}


class SourceDataError(Exception):
    """The packages' data does not fit together; nothing is loaded."""


@dataclass(frozen=True)
class CommuneRecord:
    code: str  # official 5-digit code
    name: str  # "Phường Việt Trì"
    kind: str  # "xa" | "phuong"
    slug: str
    former_province: str = ""
    converter_code: str = ""


@dataclass(frozen=True)
class FormerUnitRecord:
    code: str
    name: str
    district_name: str
    district_code: str
    former_province: str
    commune_codes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReferenceData:
    version: str
    communes: tuple[CommuneRecord, ...]
    former_units: tuple[FormerUnitRecord, ...]

    @property
    def mapping_rows(self) -> int:
        return sum(len(unit.commune_codes) for unit in self.former_units)


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover - both are in requirements.txt
        return "unknown"


def _strip_type(name: str) -> str:
    for prefix in ("xã ", "phường ", "thị trấn ", "đặc khu "):
        if name.lower().startswith(prefix):
            return name[len(prefix) :]
    return name


@lru_cache(maxsize=1)
def read_reference_data() -> ReferenceData:
    """Read the 148 communes and the 479 former units of Phú Thọ from the installed packages (once a process)."""
    import vietnam_provinces
    from vietnam_address_converter.data import DEFAULT_DATA
    from vietnam_provinces import ProvinceCode, VietNamDivisionType, Ward

    wards = list(Ward.iter_by_province(ProvinceCode(PROVINCE_CODE)))
    by_folded: dict[str, list] = {}
    for ward in wards:
        by_folded.setdefault(fold(ward.name), []).append(ward)
    duplicates = [name for name, items in by_folded.items() if len(items) > 1]
    if duplicates:
        raise SourceDataError(f"Two communes fold to the same name: {duplicates}")

    rows = [
        row
        for row in DEFAULT_DATA["mapping"]["rows"]
        if fold(row["new"]["province_name"]).removeprefix("tinh ") == PROVINCE_FOLDED
    ]
    province_of_commune: dict[str, set[str]] = {}
    converter_code_of_commune: dict[str, str] = {}
    units: dict[str, dict] = {}
    for row in rows:
        old, new = row["old"], row["new"]
        matches = by_folded.get(fold(new["ward_name"]))
        if not matches:
            raise SourceDataError(f"Commune {new['ward_name']!r} of the mapping is not in vietnam-provinces.")
        official = f"{int(matches[0].code):05d}"
        old_province_folded = fold(old["province_name"]).removeprefix("tinh ")
        former_province = FORMER_PROVINCES_BY_FOLDED_NAME.get(old_province_folded)
        if former_province is None:
            raise SourceDataError(f"Unexpected former province {old['province_name']!r} in the mapping.")
        province_of_commune.setdefault(official, set()).add(former_province)
        converter_code_of_commune[official] = str(new["ward_code"])
        unit = units.setdefault(
            str(old["ward_code"]),
            {
                "code": str(old["ward_code"]),
                "name": old["ward_name"],
                "district_name": old["district_name"],
                "district_code": str(old.get("district_code") or ""),
                "former_province": former_province,
                "commune_codes": [],
            },
        )
        if official not in unit["commune_codes"]:
            unit["commune_codes"].append(official)

    communes = []
    for ward in sorted(wards, key=lambda w: int(w.code)):
        code = f"{int(ward.code):05d}"
        provinces = province_of_commune.get(code, set())
        if len(provinces) > 1:
            raise SourceDataError(f"Commune {ward.name} comes from several former provinces: {provinces}")
        kind = "phuong" if ward.division_type == VietNamDivisionType.PHUONG else "xa"
        communes.append(
            CommuneRecord(
                code=code,
                name=ward.name,
                kind=kind,
                slug=ward.codename.replace("_", "-"),
                former_province=next(iter(provinces), ""),
                converter_code=converter_code_of_commune.get(code, ""),
            )
        )

    former_units = tuple(
        FormerUnitRecord(**{**unit, "commune_codes": tuple(sorted(unit["commune_codes"]))})
        for unit in sorted(units.values(), key=lambda u: (u["former_province"], u["district_name"], u["name"]))
    )
    version = (
        f"vietnam-provinces {_package_version('vietnam-provinces')} (data {vietnam_provinces.__data_version__}); "
        f"vietnam-address-converter {_package_version('vietnam-address-converter')} "
        f"(mapping {DEFAULT_DATA['mapping']['meta'].get('version', '?')})"
    )
    return ReferenceData(version=version, communes=tuple(communes), former_units=former_units)


def short_name(name: str) -> str:
    """ "Phường Việt Trì" → "Việt Trì"."""
    return _strip_type(name)
