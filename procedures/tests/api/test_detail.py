"""GET /api/procedures/{code}/ — the procedure page."""

from __future__ import annotations

import pytest
from django.urls import resolve

BIRTH = "1.001193"


def test_everything_a_citizen_needs(client, catalogue):
    response = client.get(f"/api/procedures/{BIRTH}/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == BIRTH
    assert body["name"] == "Thủ tục đăng ký khai sinh"
    assert (body["level"], body["level_label"]) == ("commune", "Cấp xã")
    assert body["field"] == {"slug": "ho-tich", "name": "Hộ tịch"}
    assert all(isinstance(component.pop("id"), int) for component in body["components"])
    assert body["components"] == [
        {
            "order": 1,
            "name": "Tờ khai đăng ký khai sinh",
            "copy_kind": "original",
            "copy_kind_label": "Bản chính",
            "copies": 1,
            "is_required": True,
            "template_name": "Mẫu tờ khai",
            "has_template": False,
            "template_url": None,
        },
        {
            "order": 2,
            "name": "Giấy chứng sinh",
            "copy_kind": "original",
            "copy_kind_label": "Bản chính",
            "copies": 1,
            "is_required": True,
            "template_name": "",
            "has_template": False,
            "template_url": None,
        },
    ]
    assert body["time"] == {
        "value": 1.0,
        "unit": "working_days",
        "unit_label": "ngày làm việc",
        "working_hours": 8,
        "working_days": 1.0,
        "text": "1 ngày làm việc",
    }
    assert body["fee"] == {"vnd": 0, "is_free": True, "text": "Không mất phí", "note": ""}
    assert body["channels"] == {"direct": True, "online": True, "post": True}
    assert (body["online_level"], body["online_level_label"]) == ("full", "Toàn trình")
    where = body["where_to_file"]
    assert where["any_centre"] is True
    assert where["centres_url"] == "/api/centres/"
    assert [channel["value"] for channel in where["channels"]] == ["direct", "online", "post"]
    assert "bất kỳ Trung tâm Phục vụ hành chính công" in where["text"]
    assert body["where_processed"] == {
        "processing_unit": None,
        "agency_name": "UBND cấp xã",
        "text": "Ủy ban nhân dân xã, phường có thẩm quyền giải quyết",
    }
    assert body["legal_basis"] == [{"number": "60/2014/QH13", "title": "Luật Hộ tịch"}]
    assert body["decision"] == {
        "number": "1234/QĐ-UBND",
        "title": "Công bố danh mục thủ tục hành chính tỉnh Phú Thọ",
        "signed_on": "2025-07-01",
        "effective_on": "2025-07-01",
        "decree": {"number": "63/2010/NĐ-CP", "title": "Nghị định về kiểm soát thủ tục hành chính"},
    }
    assert body["result_document"] == "Giấy khai sinh (bản chính)"
    assert (body["change"], body["change_label"], body["effective_until"]) == ("new", "Ban hành mới", None)
    assert (body["source"], body["is_applied"]) == ("national-db", True)


def test_provincial_procedure_is_processed_by_its_department(client, catalogue):
    body = client.get("/api/procedures/1.009994/").json()
    assert body["where_processed"]["processing_unit"] == {"key": "so-xay-dung", "name": "Sở Xây dựng"}
    assert body["where_processed"]["text"] == "Sở Xây dựng"
    assert body["fee"]["text"] == "150.000 đồng"
    assert body["time"]["text"] == "20 ngày làm việc"


def test_time_in_working_hours_and_in_calendar_days(client, catalogue):
    hours = client.get("/api/procedures/2.000815/").json()["time"]
    assert (hours["text"], hours["working_hours"], hours["working_days"]) == ("2 giờ làm việc", 2, 0.25)
    days = client.get("/api/procedures/MH.0001/").json()
    assert (days["time"]["text"], days["time"]["working_hours"], days["time"]["working_days"]) == (
        "10 ngày",
        None,
        None,
    )
    assert days["fee"] == {"vnd": None, "is_free": None, "text": "Chưa có thông tin", "note": ""}
    assert (days["source"], days["source_label"]) == ("illustrative", "Minh họa (chưa có dữ liệu thật)")


def test_an_amended_procedure_shows_the_version_in_force(client, catalogue):
    body = client.get("/api/procedures/1.004837/").json()
    assert (body["name"], body["change"], body["change_label"]) == ("Đăng ký kết hôn", "amended", "Sửa đổi, bổ sung")


@pytest.mark.parametrize("code", ["9.999999", "1.000656", "9.000001", "khong-co"])
def test_unknown_abolished_or_not_yet_in_force_is_a_404(client, catalogue, code):
    response = client.get(f"/api/procedures/{code}/")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"code", "detail"}
    assert body["code"] == "not_found"
    assert body["detail"]


def test_the_detail_costs_two_queries(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the version with its foreign keys, its components
        assert client.get(f"/api/procedures/{BIRTH}/").status_code == 200


def test_routes_are_not_shadowed_by_the_code():
    from procedures.api import views
    from procedures.api.estimate import AppointmentEstimateView

    assert resolve("/api/procedures/fields/").func.view_class is views.ProcedureFieldListView
    assert resolve(f"/api/procedures/{BIRTH}/").func.view_class is views.ProcedureDetailView
    assert resolve(f"/api/procedures/{BIRTH}/appointment-estimate").func.view_class is AppointmentEstimateView
    assert resolve(f"/api/procedures/{BIRTH}/appointment-estimate/").func.view_class is AppointmentEstimateView
