"""The administrative map loaded from the PyPI packages reproduces the published figures, idempotently."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.management import call_command
from django.db.models import Count

from communes.models import (
    CentreKind,
    Commune,
    FormerUnit,
    FormerUnitMapping,
    ProcessingUnit,
    ProcessingUnitKind,
    ServiceCentre,
)
from communes.services import communes_load
from communes.sources import read_reference_data

pytestmark = pytest.mark.django_db


def _counts(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def test_published_figures(communes_loaded):
    assert Commune.objects.count() == 148
    assert _counts(Commune.objects, "kind") == {"xa": 133, "phuong": 15}
    assert _counts(Commune.objects, "former_province") == {"phu_tho": 66, "hoa_binh": 46, "vinh_phuc": 36}
    assert FormerUnit.objects.count() == 479
    assert _counts(FormerUnit.objects, "former_province") == {"phu_tho": 207, "hoa_binh": 151, "vinh_phuc": 121}
    assert FormerUnitMapping.objects.count() == 482
    # 3 former units were split between two new communes
    split = FormerUnit.objects.annotate(n=Count("communes")).filter(n=2)
    assert split.count() == 3
    assert not FormerUnit.objects.annotate(n=Count("communes")).filter(n=0).exists()
    assert not Commune.objects.annotate(n=Count("former_units")).filter(n=0).exists()

    assert ServiceCentre.objects.filter(kind=CentreKind.COMMUNE).count() == 148
    assert ServiceCentre.objects.filter(kind=CentreKind.COMMUNE, commune__isnull=True).count() == 0
    provincial = ServiceCentre.objects.get(kind=CentreKind.PROVINCIAL)
    branches = ServiceCentre.objects.filter(kind=CentreKind.BRANCH)
    assert branches.count() == 3
    assert set(branches.values_list("parent", flat=True)) == {provincial.pk}
    assert {b.former_province for b in branches} == {"phu_tho", "vinh_phuc", "hoa_binh"}
    assert {"Việt Trì", "Vĩnh Yên", "Hòa Bình"} == {b.name.split("Chi nhánh ")[1] for b in branches}

    assert ProcessingUnit.objects.filter(kind=ProcessingUnitKind.COMMUNE_COMMITTEE).count() == 148
    assert ProcessingUnit.objects.filter(kind=ProcessingUnitKind.DEPARTMENT).count() == 11
    assert ProcessingUnit.objects.filter(kind=ProcessingUnitKind.PROVINCIAL_OFFICE).count() == 2


def test_real_names_and_codes(communes_loaded):
    viet_tri = Commune.objects.get(name="Phường Việt Trì")
    assert viet_tri.code == "07900"
    assert viet_tri.kind == "phuong"
    assert viet_tri.former_province == "phu_tho"
    assert viet_tri.slug == "phuong-viet-tri"
    assert viet_tri.centre.name == "Trung tâm Phục vụ hành chính công phường Việt Trì"
    assert viet_tri.committee.name == "Ủy ban nhân dân phường Việt Trì"
    assert "Phường Gia Cẩm" in set(viet_tri.former_units.values_list("name", flat=True))
    # the two packages place tone marks differently ("Thủy" / "Thuỷ"): joined anyway
    assert Commune.objects.filter(name_folded="xa thanh thuy").count() == 1
    assert Commune.objects.get(name_folded="xa thanh thuy").former_units.exists()


def test_agency_codes_are_placeholders_of_the_documented_form(communes_loaded):
    import re

    pattern = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H\d{2}$")
    for centre in ServiceCentre.objects.all():
        assert pattern.match(centre.agency_code), centre.agency_code
        assert centre.is_placeholder
    assert ServiceCentre.objects.values("agency_code").distinct().count() == 152


def test_second_run_changes_nothing(communes_loaded):
    before = {
        model: sorted(model.objects.values_list("pk", "updated_at") if hasattr(model, "updated_at") else [])
        for model in (Commune, FormerUnit, ServiceCentre, ProcessingUnit)
    }
    mapping_ids = sorted(FormerUnitMapping.objects.values_list("pk", flat=True))
    summary = communes_load(force=True)
    counts = summary.counts
    assert not [key for key in counts if key.endswith((".created", ".updated", ".deleted"))], counts
    assert counts["communes.unchanged"] == 148
    assert counts["former_units.unchanged"] == 479
    assert counts["mappings.unchanged"] == 482
    for model, rows in before.items():
        assert sorted(model.objects.values_list("pk", "updated_at")) == rows
    assert sorted(FormerUnitMapping.objects.values_list("pk", flat=True)) == mapping_ids


def test_unforced_second_run_is_skipped(communes_loaded):
    assert communes_load().skipped is True


def test_renamed_unit_in_a_later_release_updates_the_row(communes_loaded):
    data = read_reference_data()
    target = data.communes[0]
    renamed = dataclasses.replace(target, name=target.name + " Mới")
    unit = data.former_units[0]
    renamed_unit = dataclasses.replace(unit, name=unit.name + " (đổi tên)")
    later = dataclasses.replace(
        data,
        version=data.version + " +rename",
        communes=(renamed, *data.communes[1:]),
        former_units=(renamed_unit, *data.former_units[1:]),
    )
    pk = Commune.objects.get(code=target.code).pk
    summary = communes_load(data=later)
    assert summary.counts["communes.updated"] == 1
    assert summary.counts["former_units.updated"] == 1
    assert Commune.objects.count() == 148
    assert FormerUnit.objects.count() == 479
    commune = Commune.objects.get(code=target.code)
    assert commune.pk == pk
    assert commune.name == renamed.name
    assert commune.name_folded.endswith(" moi")
    assert commune.centre.name.endswith(renamed.name[1:])
    assert commune.committee.name.endswith(renamed.name[1:])
    assert FormerUnit.objects.get(code=unit.code).name == renamed_unit.name


def test_administrator_edits_survive_a_reload(communes_loaded):
    centre = ServiceCentre.objects.get(key="commune-07900")
    centre.phone = "0210 3846 000"
    centre.agency_code = "000.00.53.H43"
    centre.is_placeholder = False
    centre.save()
    unit = ProcessingUnit.objects.get(key="so-tu-phap")
    unit.name = "Sở Tư pháp tỉnh Phú Thọ"
    unit.save()
    communes_load(force=True)
    centre.refresh_from_db()
    unit.refresh_from_db()
    assert (centre.phone, centre.agency_code, centre.is_placeholder) == ("0210 3846 000", "000.00.53.H43", False)
    assert unit.name == "Sở Tư pháp tỉnh Phú Thọ"


def _empty_map():
    from communes.models import ReferenceDataLoad

    FormerUnitMapping.objects.all().delete()
    ServiceCentre.objects.filter(kind__in=[CentreKind.COMMUNE, CentreKind.BRANCH]).delete()
    ServiceCentre.objects.all().delete()
    ProcessingUnit.objects.all().delete()
    FormerUnit.objects.all().delete()
    Commune.objects.all().delete()
    ReferenceDataLoad.objects.all().delete()


def test_command_reports_and_is_idempotent(db, capsys):
    _empty_map()
    call_command("load_communes")
    first = capsys.readouterr().out
    assert "communes.created: 148" in first
    assert "mappings.created: 482" in first
    call_command("load_communes")
    assert "nothing to do" in capsys.readouterr().out
    call_command("load_communes", "--force")
    forced = capsys.readouterr().out
    assert "communes.unchanged: 148" in forced
    assert ".created" not in forced
