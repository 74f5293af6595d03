"""The catalogue admin: validation in the version form, filters and search, adding a procedure by hand."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from communes.models import ProcessingUnit, ProcessingUnitKind
from procedures.admin import ProcedureVersionForm
from procedures.models import Component, Procedure, ProcedureField, ProcedureVersion


@pytest.fixture
def setup(db):
    field = ProcedureField.objects.create(name="Hộ tịch", slug="ho-tich", name_folded="ho tich")
    unit, _ = ProcessingUnit.objects.get_or_create(
        key="so-tu-phap", defaults={"name": "Sở Tư pháp", "kind": ProcessingUnitKind.DEPARTMENT}
    )
    procedure = Procedure.objects.create(code="1.001193", source="national-db")
    return {"field": field, "unit": unit, "procedure": procedure}


def form_data(setup, **overrides) -> dict:
    data = {
        "procedure": setup["procedure"].pk,
        "name": "Thủ tục đăng ký khai sinh",
        "field": setup["field"].pk,
        "level": "commune",
        "processing_unit": "",
        "agency_name": "",
        "change": "new",
        "decision": "",
        "effective_from": "2025-07-01",
        "effective_until": "",
        "time_value": "1",
        "time_unit": "working_days",
        "working_hours": "",
        "fee_vnd": "0",
        "fee_note": "",
        "channel_direct": "on",
        "channel_online": "on",
        "online_level": "partial",
        "result_document": "Giấy khai sinh",
        "legal_basis": "[]",
        "is_applied": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def errors(setup, **overrides) -> dict:
    form = ProcedureVersionForm(data=form_data(setup, **overrides))
    form.is_valid()
    return form.errors


def test_a_valid_version_gets_its_working_hours(setup):
    form = ProcedureVersionForm(data=form_data(setup, time_value="5"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["working_hours"] == 40


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"time_unit": ""}, "time_value"),
        ({"time_value": "", "time_unit": "working_days"}, "time_value"),
        ({"time_value": "0.3"}, "time_value"),  # 2.4 working hours
        ({"working_hours": "30", "time_value": "5"}, "working_hours"),
        ({"time_unit": "days", "working_hours": "8"}, "working_hours"),
        ({"fee_vnd": "-1"}, "fee_vnd"),
        ({"effective_until": "2025-07-01"}, "effective_until"),
        ({"effective_until": "2025-06-01"}, "effective_until"),
        ({"level": "provincial"}, "processing_unit"),
        ({"online_level": "partial", "channel_online": None}, "online_level"),
        ({"online_level": "none"}, "online_level"),
        ({"channel_direct": None, "channel_online": None, "online_level": "none"}, "channel_direct"),
        ({"legal_basis": '[{"title": "không có số"}]'}, "legal_basis"),
    ],
)
def test_invalid_versions(setup, overrides, field):
    assert field in errors(setup, **overrides)


def test_units_by_level(setup):
    assert "processing_unit" in errors(setup, processing_unit=setup["unit"].pk)  # commune: none
    assert not errors(setup, level="provincial", processing_unit=setup["unit"].pk)
    committee, _ = ProcessingUnit.objects.get_or_create(
        key="ubnd-test", defaults={"name": "Ủy ban nhân dân xã A", "kind": ProcessingUnitKind.COMMUNE_COMMITTEE}
    )
    assert "processing_unit" in errors(setup, level="provincial", processing_unit=committee.pk)


def test_calendar_time_has_no_working_hours(setup):
    form = ProcedureVersionForm(data=form_data(setup, time_value="30", time_unit="days"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["working_hours"] is None


def _version(setup, *, code: str, name: str, source: str, start: datetime.date) -> ProcedureVersion:
    procedure, _ = Procedure.objects.get_or_create(code=code, defaults={"source": source})
    return ProcedureVersion.objects.create(
        procedure=procedure,
        name=name,
        name_folded=name.lower(),
        field=setup["field"],
        level="commune",
        effective_from=start,
    )


def test_changelist_filters_and_shows_the_source(admin_client, setup):
    _version(
        setup, code="1.001193", name="Thủ tục đăng ký khai sinh", source="national-db", start=datetime.date(2025, 7, 1)
    )
    _version(
        setup,
        code="MH.X.0001",
        name="Xét tặng danh hiệu Gia đình văn hóa",
        source="illustrative",
        start=datetime.date(2025, 7, 1),
    )
    url = reverse("admin:procedures_procedureversion_changelist")

    page = admin_client.get(url, {"procedure__source__exact": "illustrative"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "MH.X.0001" in content and "1.001193" not in content
    assert "Minh họa (chưa có dữ liệu thật)" in content

    for name in ("level__exact=commune", "is_applied__exact=", "online_level__exact=", "change__exact="):
        assert name in content  # the filters are offered

    listing = admin_client.get(reverse("admin:procedures_procedure_changelist"), {"source__exact": "illustrative"})
    assert "MH.X.0001" in listing.content.decode() and "1.001193" not in listing.content.decode()


def test_search_by_code_and_by_name_without_diacritics(admin_client, setup):
    version = _version(
        setup, code="1.001193", name="Thủ tục đăng ký khai sinh", source="national-db", start=datetime.date(2025, 7, 1)
    )
    version.name_folded = "thu tuc dang ky khai sinh"
    version.save()
    url = reverse("admin:procedures_procedureversion_changelist")
    assert "1.001193" in admin_client.get(url, {"q": "1.001193"}).content.decode()
    assert "1.001193" in admin_client.get(url, {"q": "dang ky khai sinh"}).content.decode()
    assert "1.001193" not in admin_client.get(url, {"q": "ket hon"}).content.decode()
    procedures = reverse("admin:procedures_procedure_changelist")
    assert "1.001193" in admin_client.get(procedures, {"q": "Đăng ký khai sinh"}).content.decode()


def test_adding_a_procedure_by_hand(admin_client, setup):
    data = {
        "code": "9.999001",
        "source": "national-db",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    version = form_data(setup, name="Thủ tục cấp bản sao trích lục hộ tịch")
    for key in ("procedure", "agency_name", "result_document", "legal_basis"):
        version.pop(key)
    data.update({f"versions-0-{key}": value for key, value in version.items()})

    response = admin_client.post(reverse("admin:procedures_procedure_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    created = ProcedureVersion.objects.get(procedure__code="9.999001")
    assert created.name_folded == "thu tuc cap ban sao trich luc ho tich"
    assert created.working_hours == 8


def test_adding_a_procedure_by_hand_is_validated(admin_client, setup):
    data = {
        "code": "9.999002",
        "source": "illustrative",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
    }
    version = form_data(setup, time_unit="")
    for key in ("procedure", "agency_name", "result_document", "legal_basis"):
        version.pop(key)
    data.update({f"versions-0-{key}": value for key, value in version.items()})

    response = admin_client.post(reverse("admin:procedures_procedure_add"), data)

    assert response.status_code == 200
    assert "thời hạn và đơn vị thời hạn phải cùng có hoặc cùng để trống" in response.content.decode()
    assert not Procedure.objects.filter(code="9.999002").exists()


def test_a_new_version_closes_the_previous_one(admin_client, setup):
    first = _version(
        setup, code="1.001193", name="Thủ tục đăng ký khai sinh", source="national-db", start=datetime.date(2025, 7, 1)
    )
    data = form_data(setup, change="amended", effective_from="2026-01-01", fee_vnd="5000")
    data.update(
        {
            "components-TOTAL_FORMS": "1",
            "components-INITIAL_FORMS": "0",
            "components-MIN_NUM_FORMS": "0",
            "components-MAX_NUM_FORMS": "1000",
            "components-0-order": "1",
            "components-0-name": "Tờ khai đăng ký khai sinh",
            "components-0-copy_kind": "original",
            "components-0-copies": "1",
            "components-0-template_name": "",
            "components-0-is_required": "on",
        }
    )

    response = admin_client.post(reverse("admin:procedures_procedureversion_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    first.refresh_from_db()
    assert first.effective_until == datetime.date(2026, 1, 1)
    second = ProcedureVersion.objects.get(effective_from=datetime.date(2026, 1, 1))
    assert (second.change, second.fee_vnd, second.effective_until) == ("amended", 5000, None)
    assert list(Component.objects.filter(version=second).values_list("name", flat=True)) == [
        "Tờ khai đăng ký khai sinh"
    ]
