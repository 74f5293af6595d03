import unicodedata

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, communes_loaded):
    return client


def test_list_returns_148(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = api.get("/api/communes/")
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 148
    first = rows[0]
    assert set(first) == {
        "code",
        "name",
        "kind",
        "kind_label",
        "slug",
        "former_province",
        "former_province_label",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "phuong"}, 15),
        ({"kind": "xa"}, 133),
        ({"former_province": "phu_tho"}, 66),
        ({"former_province": "hoa_binh"}, 46),
        ({"former_province": "vinh_phuc"}, 36),
        ({"former_province": "vinh_phuc", "kind": "phuong"}, None),
    ],
)
def test_filters(api, params, expected):
    response = api.get("/api/communes/", params)
    assert response.status_code == 200
    rows = response.json()
    for key, value in params.items():
        assert {row[key] for row in rows} == {value}
    if expected is not None:
        assert len(rows) == expected


@pytest.mark.parametrize(
    "query",
    ["Việt Trì", "viet tri", "VIỆT TRÌ", unicodedata.normalize("NFD", "Việt Trì"), "Phuong Viet Tri"],
)
def test_search_with_or_without_diacritics(api, query):
    rows = api.get("/api/communes/", {"search": query}).json()
    assert "Phường Việt Trì" in {row["name"] for row in rows}


def test_search_d_and_dj(api):
    with_dj = {r["name"] for r in api.get("/api/communes/", {"search": "Đà Bắc"}).json()}
    without = {r["name"] for r in api.get("/api/communes/", {"search": "da bac"}).json()}
    assert with_dj == without
    assert with_dj


def test_unknown_filter_value_is_a_json_400(api):
    response = api.get("/api/communes/", {"kind": "huyen"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_detail_with_former_units_and_centre(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = api.get("/api/communes/07900/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Phường Việt Trì"
    assert body["centre"]["name"] == "Trung tâm Phục vụ hành chính công phường Việt Trì"
    assert body["centre"]["is_placeholder"] is True
    assert body["processing_unit"] == "Ủy ban nhân dân phường Việt Trì"
    names = {unit["name"] for unit in body["former_units"]}
    assert "Phường Gia Cẩm" in names
    assert all(unit["former_province"] == "phu_tho" for unit in body["former_units"])


@pytest.mark.parametrize("code", ["99999", "abc", "0790"])
def test_unknown_code_is_a_json_404(api, code):
    response = api.get(f"/api/communes/{code}/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Không tìm thấy."}


def test_unknown_code_in_english(api):
    response = api.get("/api/communes/99999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_unknown_api_path_is_json(api):
    response = api.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_centres(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rows = api.get("/api/centres/").json()
    assert len(rows) == 152
    kinds = [row["kind"] for row in rows]
    assert kinds.count("commune") == 148 and kinds.count("provincial") == 1 and kinds.count("branch") == 3
    branch = next(row for row in rows if row["kind"] == "branch")
    assert branch["parent"] == "000.00.00.H25"
    commune_centre = next(row for row in rows if row["kind"] == "commune")
    assert commune_centre["commune"]["code"]


def test_openapi_schema_and_docs(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/communes/", "/api/communes/{code}/", "/api/centres/"):
        assert path in paths
    assert any(p.startswith("/api/communes/convert-address") for p in paths)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # served from our own static files, not a CDN: the docs work on a closed network
    assert b"cdn.jsdelivr" not in docs.content
