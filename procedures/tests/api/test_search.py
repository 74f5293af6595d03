"""GET /api/procedures/ — search, filters, facets, pagination."""

from __future__ import annotations

import unicodedata

import pytest

from procedures.tests.api.conftest import IN_FORCE

URL = "/api/procedures/"
BIRTH = "1.001193"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["results"]]


def search(client, **params):
    return client.get(URL, params)


# --- Diacritics, case, Unicode forms, codes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    [
        "dang ky khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        unicodedata.normalize("NFD", "đăng ký khai sinh"),
        unicodedata.normalize("NFD", "ĐĂNG KÝ KHAI SINH"),
        "Đăng ký khai sinh",
        "  dang   KY khai-sinh ",
        "thu tuc dang ky khai sinh",
    ],
)
def test_any_spelling_of_the_name_finds_birth_registration_first(client, catalogue, q):
    found = codes(search(client, q=q))
    assert found[0] == BIRTH


def test_d_and_đ_are_the_same_letter(client, catalogue):
    assert codes(search(client, q="đăng ký")) == codes(search(client, q="dang ky"))
    assert codes(search(client, q="Đăng")) == codes(search(client, q="dang"))
    assert BIRTH in codes(search(client, q="đang ky"))


def test_a_code_finds_its_procedure(client, catalogue):
    assert codes(search(client, q="1.001193")) == [BIRTH]
    assert codes(search(client, q=" 1.001193 ")) == [BIRTH]
    assert codes(search(client, q="mh.0001")) == ["MH.0001"]
    assert search(client, q="1.001193 khai sinh").status_code == 200  # a code and words: a name query


def test_a_code_prefix_finds_the_codes_starting_with_it(client, catalogue):
    assert set(codes(search(client, q="1.0011"))) == {BIRTH}
    assert set(codes(search(client, q="2.00"))) == {"2.000815", "2.001035"}


def test_only_versions_in_force_are_searched(client, catalogue):
    found = codes(search(client, q="dang ky"))
    assert "1.000656" not in found  # abolished
    assert "9.000001" not in found  # only from tomorrow
    marriage = search(client, q="ket hon").json()["results"]
    assert [(item["code"], item["name"]) for item in marriage] == [("1.004837", "Đăng ký kết hôn")]


def test_without_a_query_the_catalogue_in_force_is_listed_by_code(client, catalogue):
    response = search(client, page_size=50)
    assert codes(response) == sorted(IN_FORCE)
    assert response.json()["count"] == len(IN_FORCE)
    assert codes(search(client, q="  !!  ", page_size=50)) == sorted(IN_FORCE)


def test_nothing_matches(client, catalogue):
    body = search(client, q="xyzzy qwerty").json()
    assert body["count"] == 0
    assert body["results"] == []
    assert body["facets"] == {"field": [], "level": []}


# --- Ranking ----------------------------------------------------------------------------------------------


def test_exact_then_prefix_then_phrase_then_all_words(client, catalogue):
    assert codes(search(client, q="dang ky khai sinh")) == [
        BIRTH,  # the whole name ("Thủ tục" lead-in ignored)
        "1.000894",  # starts with the phrase
        "1.003583",  # the phrase inside the name
        "1.001022",  # every word, not as one phrase
    ]


def test_a_begun_last_word_is_a_phrase_prefix(client, catalogue):
    found = codes(search(client, q="dang ky khai si"))
    assert found[:3] == [BIRTH, "1.000894", "1.003583"]


@pytest.mark.postgres
def test_small_typos_still_find_the_procedure(client, catalogue):
    response = search(client, q="dang ki khai sihn")
    assert codes(response)[0] == BIRTH
    assert response.json()["approximate"] is True
    assert codes(search(client, q="chung thuc ban sau"))[0] == "2.000815"
    assert codes(search(client, q="giay phep xay dugn"))[0] == "1.009994"


@pytest.mark.postgres
def test_similar_names_are_ranked_by_similarity(client, catalogue):
    found = codes(search(client, q="dang ki khai sihn"))
    # both names contain the best-matching words; the closer (shorter) name first, unrelated names never
    assert found[:2] == [BIRTH, "1.000894"]
    assert "1.009994" not in found


def test_exact_words_do_not_take_the_typo_path(client, catalogue):
    assert search(client, q="dang ky khai sinh").json()["approximate"] is False


@pytest.mark.postgres
def test_a_row_left_unfolded_is_found_through_unaccent(client, catalogue):
    assert codes(search(client, q="trich luc ho tich")) == ["2.001035"]
    assert codes(search(client, q="TRÍCH LỤC")) == ["2.001035"]


# --- Filters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"level": "provincial"}, {"1.000894", "1.009994", "MH.0001"}),
        ({"level": "commune"}, IN_FORCE - {"1.000894", "1.009994", "MH.0001"}),
        ({"field": "xay-dung"}, {"1.009994"}),
        ({"field": "chung-thuc"}, {"2.000815"}),
        ({"processing_unit": "so-tu-phap"}, {"1.000894"}),
        ({"online_level": "full"}, {"1.001193", "1.003583"}),
        ({"online_level": "none"}, {"2.000815", "MH.0001"}),
        ({"channel": "post"}, {"1.001193", "1.009994"}),
        ({"channel": "online"}, IN_FORCE - {"1.001022", "2.000815", "MH.0001"}),
        ({"fee": "paid"}, {"1.000894", "2.000815", "1.009994"}),
        ({"fee": "free"}, IN_FORCE - {"1.000894", "2.000815", "1.009994", "MH.0001"}),
        ({"applied": "false"}, {"MH.0001"}),
        ({"source": "illustrative"}, {"MH.0001"}),
        ({"source": "national-db", "applied": "true", "level": "provincial"}, {"1.000894", "1.009994"}),
        ({"q": "dang ky khai sinh", "level": "commune"}, {BIRTH, "1.003583", "1.001022"}),
        ({"field": "no-such-field"}, set()),
    ],
)
def test_filters(client, catalogue, params, expected):
    response = search(client, page_size=50, **params)
    assert set(codes(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    "params", [{"level": "district"}, {"channel": "fax"}, {"fee": "cheap"}, {"online_level": "3"}, {"source": "x"}]
)
def test_an_unknown_filter_value_is_a_400(client, catalogue, params):
    response = search(client, **params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == set(params)


# --- Facets -----------------------------------------------------------------------------------------------


def facet(body, name) -> dict[str, int]:
    return {item["value"]: item["count"] for item in body["facets"][name]}


def test_facets_count_the_current_query_per_field_and_level(client, catalogue):
    body = search(client, q="dang ky").json()
    # in force and containing "dang" and "ky": 1.001193, 1.000894, 1.003583, 1.001022, 1.004837, MH.0001
    assert body["count"] == 6
    assert facet(body, "level") == {"commune": 4, "provincial": 2}
    assert facet(body, "field") == {"ho-tich": 5, "dat-dai": 1}
    labels = {item["value"]: item["label"] for item in body["facets"]["field"]}
    assert labels == {"ho-tich": "Hộ tịch", "dat-dai": "Đất đai"}
    assert body["facets"]["level"][0] == {"value": "provincial", "label": "Cấp tỉnh", "count": 2}


def test_each_facet_ignores_its_own_filter(client, catalogue):
    body = search(client, q="dang ky", level="provincial", field="ho-tich").json()
    assert codes_of(body) == ["1.000894"]
    assert body["count"] == 1
    # the level facet keeps the field filter, the field facet keeps the level filter
    assert facet(body, "level") == {"commune": 4, "provincial": 1}
    assert facet(body, "field") == {"ho-tich": 1, "dat-dai": 1}


def test_facets_follow_the_other_filters(client, catalogue):
    body = search(client, q="dang ky", fee="free").json()
    assert facet(body, "level") == {"commune": 4}
    assert body["count"] == 4


def codes_of(body) -> list[str]:
    return [item["code"] for item in body["results"]]


# --- Pagination, shape, errors ----------------------------------------------------------------------------


def test_pagination(client, catalogue):
    first = search(client, page_size=4).json()
    assert first["count"] == len(IN_FORCE)
    assert len(first["results"]) == 4
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    third = search(client, page_size=4, page=3).json()
    listed = codes_of(first) + codes_of(second) + codes_of(third)
    assert listed == sorted(IN_FORCE)
    assert third["next"] is None


def test_a_page_past_the_end_is_a_404(client, catalogue):
    response = search(client, page=99)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_list_item_shape(client, catalogue):
    item = search(client, q="1.009994").json()["results"][0]
    assert item == {
        "code": "1.009994",
        "name": "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV",
        "level": "provincial",
        "level_label": "Cấp tỉnh",
        "field": {"slug": "xay-dung", "name": "Xây dựng"},
        "processing_unit": {"key": "so-xay-dung", "name": "Sở Xây dựng"},
        "agency_name": "",
        "online_level": "partial",
        "online_level_label": "Một phần",
        "channels": {"direct": True, "online": True, "post": True},
        "time": {
            "value": 20.0,
            "unit": "working_days",
            "unit_label": "ngày làm việc",
            "working_hours": 160,
            "working_days": 20.0,
            "text": "20 ngày làm việc",
        },
        "fee": {"vnd": 150000, "is_free": False, "text": "150.000 đồng"},
        "is_applied": True,
        "source": "national-db",
        "source_label": "Cơ sở dữ liệu quốc gia về TTHC",
        "effective_from": item["effective_from"],
    }


def test_a_query_longer_than_200_characters_is_a_400(client, catalogue):
    response = search(client, q="a" * 201)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "q" in body["fields"]
    assert search(client, q="dang ky " * 25).status_code == 200  # exactly 200


# --- Query count ------------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_results(client, build, django_assert_max_num_queries):
    for number in range(40):
        build.version(
            f"1.{100000 + number}",
            f"Đăng ký khai sinh mẫu số {number}",
            level="provincial" if number % 2 else "commune",
            field=["Hộ tịch", "Chứng thực", "Xây dựng"][number % 3],
            unit="so-tu-phap" if number % 2 else None,
        )
    # facets (with the total) + the page with its procedure, field and processing unit joined
    with django_assert_max_num_queries(2):
        body = search(client, q="dang ky khai sinh", page_size=50).json()
    assert len(body["results"]) == 40
    with django_assert_max_num_queries(2):
        body = search(client, q="1.100007").json()
    assert len(body["results"]) == 1
    with django_assert_max_num_queries(2):
        search(client, q="khai sinh", level="provincial", channel="online", fee="free", page_size=50)


@pytest.mark.postgres
def test_the_typo_pass_costs_a_bounded_number_of_queries(client, catalogue, django_assert_max_num_queries):
    # facets; the trigram candidates (SET LOCAL, SELECT — plus, inside the test's transaction, a savepoint, its
    # release and the SET LOCAL that undoes the first); facets again; the page
    with django_assert_max_num_queries(8):
        assert codes(search(client, q="dang ki khai sihn"))[0] == BIRTH


# --- Response cache ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_cached_pages_are_served_until_the_catalogue_changes(client, catalogue, settings, django_assert_num_queries):
    from django.db import transaction

    from procedures.models import ProcedureVersion

    settings.CATALOGUE_SEARCH_CACHE_SIZE = 16
    first = search(client, q="dang ky khai sinh").json()
    with django_assert_num_queries(1):  # the catalogue fingerprint only
        assert search(client, q="dang ky khai sinh").json() == first
    # A write through any path — here update(), which sends no signal — is seen at once: the reference trigger
    # stamps it (portal.ReferenceVersion), inside the test's transaction as in production.
    with transaction.atomic():
        ProcedureVersion.objects.filter(procedure__code=BIRTH).update(name="Đăng ký khai sinh (đã sửa)")
    again = search(client, q="dang ky khai sinh").json()
    assert again["results"][0]["name"] == "Đăng ký khai sinh (đã sửa)"
    # a new procedure changes the row count
    catalogue.version("1.999999", "Đăng ký khai sinh cho trẻ em bị bỏ rơi")
    assert "1.999999" in codes(search(client, q="dang ky khai sinh"))


@pytest.mark.postgres
def test_large_pages_are_not_kept(client, catalogue, settings, django_assert_max_num_queries):
    settings.CATALOGUE_SEARCH_CACHE_SIZE = 16
    search(client, q="dang ky", page_size=100)
    with django_assert_max_num_queries(2) as captured:  # facets and page, computed again
        search(client, q="dang ky", page_size=100)
    assert len(captured) == 2


def test_a_flood_of_one_off_queries_does_not_evict_the_popular_pages():
    from procedures.api.views import SearchResponseCache

    cache = SearchResponseCache()
    cache.size = lambda: 10  # two pages on probation, eight protected
    for popular in ("khai sinh", "ket hon", "chung thuc"):
        cache.put(popular, {"page": popular})
        assert cache.get(popular) == {"page": popular}  # asked again: protected
    for number in range(1000):  # each asked once
        cache.put(f"one-off {number}", {"page": number})
    assert len(cache) == 10
    assert [cache.get(popular) for popular in ("khai sinh", "ket hon", "chung thuc")] == [
        {"page": "khai sinh"},
        {"page": "ket hon"},
        {"page": "chung thuc"},
    ]
    assert cache.get("one-off 0") is None and cache.get("one-off 999") == {"page": 999}
