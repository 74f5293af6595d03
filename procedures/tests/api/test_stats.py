"""GET /api/procedures/fields/ and /api/catalogue/stats/."""

from __future__ import annotations

import datetime

from django.utils import timezone

from procedures.tests.api.conftest import IN_FORCE


def test_fields_with_their_counts(client, catalogue):
    response = client.get("/api/procedures/fields/")
    assert response.status_code == 200
    assert response.json() == [
        {"slug": "chung-thuc", "name": "Chứng thực", "count": 1, "by_level": {"provincial": 0, "commune": 1}},
        {"slug": "dat-dai", "name": "Đất đai", "count": 1, "by_level": {"provincial": 1, "commune": 0}},
        {"slug": "ho-tich", "name": "Hộ tịch", "count": 6, "by_level": {"provincial": 1, "commune": 5}},
        {"slug": "xay-dung", "name": "Xây dựng", "count": 1, "by_level": {"provincial": 1, "commune": 0}},
    ]


def test_stats_of_the_catalogue_in_force(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/api/catalogue/stats/")
    assert response.status_code == 200
    body = response.json()
    assert body["on"] == timezone.localdate().isoformat()
    assert body["total"] == len(IN_FORCE) == 9
    assert body["by_level"] == [
        {"value": "provincial", "label": "Cấp tỉnh", "count": 3},
        {"value": "commune", "label": "Cấp xã", "count": 6},
    ]
    assert body["by_field"][0] == {"slug": "ho-tich", "name": "Hộ tịch", "count": 6}
    assert {item["slug"]: item["count"] for item in body["by_field"]} == {
        "ho-tich": 6,
        "chung-thuc": 1,
        "dat-dai": 1,
        "xay-dung": 1,
    }
    assert body["by_decision"] == [
        {
            "number": "1234/QĐ-UBND",
            "title": "Công bố danh mục thủ tục hành chính tỉnh Phú Thọ",
            "signed_on": "2025-07-01",
            "effective_on": "2025-07-01",
            "count": 9,
        }
    ]
    assert body["by_source"] == [
        {"value": "national-db", "label": "Cơ sở dữ liệu quốc gia về TTHC", "count": 8},
        {"value": "illustrative", "label": "Minh họa (chưa có dữ liệu thật)", "count": 1},
    ]
    assert body["applied"] == {"applied": 8, "not_applied": 1}
    assert {item["value"]: item["count"] for item in body["by_online_level"]} == {"full": 2, "partial": 5, "none": 2}


def test_stats_on_an_earlier_day(client, catalogue):
    earlier = timezone.localdate() - datetime.timedelta(days=60)
    body = client.get("/api/catalogue/stats/", {"on": earlier.isoformat()}).json()
    # 60 days ago: the old marriage version and the not yet abolished re-registration were in force
    assert body["total"] == 10
    assert body["on"] == earlier.isoformat()


def test_stats_with_a_bad_date_is_a_400(client, catalogue):
    response = client.get("/api/catalogue/stats/", {"on": "28/11/2026"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_stats_of_an_empty_catalogue(client, db):
    body = client.get("/api/catalogue/stats/").json()
    assert body["total"] == 0
    assert body["by_level"] == [] and body["by_decision"] == [] and body["applied"] == {"applied": 0, "not_applied": 0}
