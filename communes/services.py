"""Writes to the administrative map. Every write of the ``communes`` app goes through here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from communes.models import (
    CentreKind,
    Commune,
    FormerUnit,
    FormerUnitMapping,
    ProcessingUnit,
    ProcessingUnitKind,
    ReferenceDataLoad,
    ServiceCentre,
)
from communes.sources import ReferenceData, read_reference_data
from portal.common.text import fold

# Bump when the loader's own logic changes, so that `make run` reloads even if the packages did not change.
LOADER_VERSION = "1"
LOAD_NAME = "communes"
PLACEHOLDER_ROOT = "H25"  # placeholder agency suffix: the merged province's real code is not known yet
OPENING_HOURS = "Thứ Hai – Thứ Sáu: 07:00–11:30, 13:30–17:00"

# DOMAIN.md §1: provincial processing units after the 2025 restructuring. Created when missing, then edited in
# the admin (the loader never overwrites an administrator's edit).
PROVINCIAL_UNITS = [
    ("so-noi-vu", "Sở Nội vụ", ProcessingUnitKind.DEPARTMENT),
    ("so-tai-chinh", "Sở Tài chính", ProcessingUnitKind.DEPARTMENT),
    ("so-tu-phap", "Sở Tư pháp", ProcessingUnitKind.DEPARTMENT),
    ("so-cong-thuong", "Sở Công Thương", ProcessingUnitKind.DEPARTMENT),
    ("so-nong-nghiep-va-moi-truong", "Sở Nông nghiệp và Môi trường", ProcessingUnitKind.DEPARTMENT),
    ("so-xay-dung", "Sở Xây dựng", ProcessingUnitKind.DEPARTMENT),
    ("so-khoa-hoc-va-cong-nghe", "Sở Khoa học và Công nghệ", ProcessingUnitKind.DEPARTMENT),
    ("so-van-hoa-the-thao-va-du-lich", "Sở Văn hóa, Thể thao và Du lịch", ProcessingUnitKind.DEPARTMENT),
    ("so-giao-duc-va-dao-tao", "Sở Giáo dục và Đào tạo", ProcessingUnitKind.DEPARTMENT),
    ("so-y-te", "Sở Y tế", ProcessingUnitKind.DEPARTMENT),
    ("so-dan-toc-va-ton-giao", "Sở Dân tộc và Tôn giáo", ProcessingUnitKind.DEPARTMENT),
    ("thanh-tra-tinh", "Thanh tra tỉnh", ProcessingUnitKind.PROVINCIAL_OFFICE),
    ("van-phong-ubnd-tinh", "Văn phòng Ủy ban nhân dân tỉnh", ProcessingUnitKind.PROVINCIAL_OFFICE),
]

# The provincial centre keeps three branches at the three old provincial seats (DOMAIN.md §1).
PROVINCIAL_BRANCHES = [
    ("branch-viet-tri", "Việt Trì", "phu_tho", "000.00.01"),
    ("branch-vinh-yen", "Vĩnh Yên", "vinh_phuc", "000.00.02"),
    ("branch-hoa-binh", "Hòa Bình", "hoa_binh", "000.00.03"),
]


@dataclass
class LoadSummary:
    source_version: str
    skipped: bool = False
    counts: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"source_version": self.source_version, "skipped": self.skipped, "counts": dict(self.counts)}


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _sync_all(model, key_field: str, rows: dict[str, dict], counts: Counter, label: str) -> dict:
    """Create or update many rows keyed by ``key_field`` in a few queries; count created / updated / unchanged."""
    existing = {getattr(obj, key_field): obj for obj in model.objects.filter(**{f"{key_field}__in": list(rows)})}
    result, to_create, to_update, changed_fields = {}, [], [], set()
    for key, values in rows.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(**{key_field: key}, **values)
            to_create.append(obj)
            counts[f"{label}.created"] += 1
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                to_update.append(obj)
                changed_fields.update(changed)
                counts[f"{label}.updated"] += 1
            else:
                counts[f"{label}.unchanged"] += 1
        result[key] = obj
    if to_create:
        model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        now = timezone.now()
        for obj in to_update:
            obj.updated_at = now
        model.objects.bulk_update(to_update, [*sorted(changed_fields), "updated_at"], batch_size=500)
    return result


def _source_version(data: ReferenceData) -> str:
    return f"{data.version}; loader {LOADER_VERSION}"


def reference_data_is_current(data: ReferenceData | None = None) -> bool:
    data = data or read_reference_data()
    load = ReferenceDataLoad.objects.filter(name=LOAD_NAME).first()
    return (
        load is not None
        and load.source_version == _source_version(data)
        and Commune.objects.count() == len(data.communes)
    )


def communes_load(*, data: ReferenceData | None = None, force: bool = False) -> LoadSummary:
    """Build communes, former units, the old → new mapping, centres and processing units from the packages.

    Idempotent: rows are keyed by stable codes, so a second run changes nothing and a later package release
    that renames a unit updates its row. Skipped entirely (fast) when the same source versions were loaded.
    """
    data = data or read_reference_data()
    summary = LoadSummary(source_version=_source_version(data))
    if not force and reference_data_is_current(data):
        summary.skipped = True
        return summary

    counts = summary.counts
    with transaction.atomic():
        communes: dict[str, Commune] = _sync_all(
            Commune,
            "code",
            {
                record.code: {
                    "name": record.name,
                    "kind": record.kind,
                    "slug": record.slug,
                    "former_province": record.former_province,
                    "name_folded": fold(record.name),
                    "converter_code": record.converter_code,
                }
                for record in data.communes
            },
            counts,
            "communes",
        )
        units = _sync_all(
            FormerUnit,
            "code",
            {
                record.code: {
                    "name": record.name,
                    "district_name": record.district_name,
                    "district_code": record.district_code,
                    "former_province": record.former_province,
                    "name_folded": fold(record.name),
                }
                for record in data.former_units
            },
            counts,
            "former_units",
        )
        wanted = {
            (units[record.code].pk, communes[code].pk) for record in data.former_units for code in record.commune_codes
        }
        existing = {
            (unit_id, commune_id): pk
            for pk, unit_id, commune_id in FormerUnitMapping.objects.filter(
                former_unit_id__in=[unit.pk for unit in units.values()]
            ).values_list("pk", "former_unit_id", "commune_id")
        }
        FormerUnitMapping.objects.bulk_create(
            [FormerUnitMapping(former_unit_id=u, commune_id=c) for u, c in sorted(wanted - set(existing))],
            batch_size=500,
        )
        counts["mappings.created"] += len(wanted - set(existing))
        stale = [pk for pair, pk in existing.items() if pair not in wanted]
        if stale:
            counts["mappings.deleted"] += FormerUnitMapping.objects.filter(pk__in=stale).delete()[0]
        counts["mappings.unchanged"] += len(wanted & set(existing))

        _sync_centres(communes, counts)
        _sync_processing_units(communes, counts)

        for key in [key for key, value in counts.items() if not value]:
            del counts[key]
        ReferenceDataLoad.objects.update_or_create(
            name=LOAD_NAME,
            defaults={"source_version": summary.source_version, "summary": dict(counts)},
        )
    return summary


def _sync_centres(communes: dict[str, Commune], counts: Counter) -> None:
    provincial = ServiceCentre.objects.filter(key="provincial").first()
    if provincial is None:
        provincial = ServiceCentre.objects.create(
            key="provincial",
            kind=CentreKind.PROVINCIAL,
            name="Trung tâm Phục vụ hành chính công tỉnh Phú Thọ",
            address="(tạm) Thành phố Việt Trì cũ, tỉnh Phú Thọ",
            opening_hours=OPENING_HOURS,
            agency_code=f"000.00.00.{PLACEHOLDER_ROOT}",
            is_placeholder=True,
        )
        counts["centres.created"] += 1
    else:
        counts["centres.unchanged"] += 1

    for key, seat, province, prefix in PROVINCIAL_BRANCHES:
        if ServiceCentre.objects.filter(key=key).exists():
            counts["centres.unchanged"] += 1
            continue
        ServiceCentre.objects.create(
            key=key,
            kind=CentreKind.BRANCH,
            parent=provincial,
            former_province=province,
            name=f"Trung tâm Phục vụ hành chính công tỉnh Phú Thọ — Chi nhánh {seat}",
            address=f"(tạm) {seat}, tỉnh Phú Thọ",
            opening_hours=OPENING_HOURS,
            agency_code=f"{prefix}.{PLACEHOLDER_ROOT}",
            is_placeholder=True,
        )
        counts["centres.created"] += 1

    existing = {centre.key: centre for centre in ServiceCentre.objects.filter(kind=CentreKind.COMMUNE)}
    to_create, to_update = [], []
    for code, commune in communes.items():
        name = f"Trung tâm Phục vụ hành chính công {_lower_first(commune.name)}"
        centre = existing.get(f"commune-{code}")
        if centre is None:
            to_create.append(
                ServiceCentre(
                    key=f"commune-{code}",
                    kind=CentreKind.COMMUNE,
                    commune=commune,
                    former_province=commune.former_province,
                    name=name,
                    address=f"(tạm) Trụ sở UBND {_lower_first(commune.name)}, tỉnh Phú Thọ",
                    opening_hours=OPENING_HOURS,
                    # Placeholder built from the official commune code, so it is unique and stable.
                    agency_code=f"{code[:3]}.{code[3:]}.00.{PLACEHOLDER_ROOT}",
                    is_placeholder=True,
                )
            )
        elif centre.name != name or centre.former_province != commune.former_province:
            centre.name, centre.former_province, centre.updated_at = name, commune.former_province, timezone.now()
            to_update.append(centre)
        else:
            counts["centres.unchanged"] += 1
    ServiceCentre.objects.bulk_create(to_create, batch_size=500)
    ServiceCentre.objects.bulk_update(to_update, ["name", "former_province", "updated_at"], batch_size=500)
    counts["centres.created"] += len(to_create)
    counts["centres.updated"] += len(to_update)


def _sync_processing_units(communes: dict[str, Commune], counts: Counter) -> None:
    present = set(
        ProcessingUnit.objects.filter(key__in=[key for key, _, _ in PROVINCIAL_UNITS]).values_list("key", flat=True)
    )
    ProcessingUnit.objects.bulk_create(
        [
            ProcessingUnit(key=key, name=name, short_name=name, kind=kind, order=order)
            for order, (key, name, kind) in enumerate(PROVINCIAL_UNITS, start=1)
            if key not in present
        ]
    )
    counts["processing_units.created"] += len(PROVINCIAL_UNITS) - len(present)
    counts["processing_units.unchanged"] += len(present)
    _sync_all(
        ProcessingUnit,
        "key",
        {
            f"ubnd-{code}": {
                "kind": ProcessingUnitKind.COMMUNE_COMMITTEE,
                "name": f"Ủy ban nhân dân {_lower_first(commune.name)}",
                "short_name": f"UBND {_lower_first(commune.name)}",
                "commune_id": commune.pk,
            }
            for code, commune in communes.items()
        },
        counts,
        "processing_units",
    )
