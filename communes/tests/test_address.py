"""Old address → new commune through the package's converter (its index is built once per test process)."""

import unicodedata

import pytest

from communes.address import warm_up

# One xdist worker builds the converter's index (~10 s) and runs all of these.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("address-converter")]

URL = "/api/communes/convert-address"


@pytest.fixture(scope="module", autouse=True)
def _converter_ready():
    warm_up()


@pytest.fixture
def api(client, communes_loaded):
    return client


DOC_LAP = "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình"


@pytest.mark.parametrize(
    "text",
    [
        DOC_LAP,
        "Xa Doc Lap, Thanh pho Hoa Binh, Tinh Hoa Binh",
        "xã độc lập, tp hòa bình, hòa bình",
        unicodedata.normalize("NFD", DOC_LAP),
        DOC_LAP.upper(),
    ],
)
def test_old_address_to_new_commune(api, text):
    response = api.get(URL, {"q": text})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "matched"
    assert body["input_type"] == "old"
    assert body["commune"]["name"] == "Phường Kỳ Sơn"
    assert body["commune"]["code"] == "04894"
    assert body["former_unit"]["name"] == "Xã Độc Lập"
    assert body["former_unit"]["district_name"] == "Thành Phố Hòa Bình"
    assert body["former_unit"]["former_province"] == "hoa_binh"
    assert 0.9 <= body["confidence"] <= 1


def test_street_is_kept_apart(api):
    body = api.get(URL, {"q": "Số 5 đường Hùng Vương, Phường Gia Cẩm, TP Việt Trì, Phú Thọ"}).json()
    assert body["commune"]["name"] == "Phường Việt Trì"
    assert body["former_unit"]["name"] == "Phường Gia Cẩm"
    assert body["street_address"] == "Số 5 đường Hùng Vương"


def test_trailing_slash_works_too(api):
    assert api.get(URL + "/", {"q": DOC_LAP}).status_code == 200


def test_unit_split_between_two_communes_is_ambiguous_not_a_guess(api):
    body = api.get(URL, {"q": "Xã Cao Sơn, Huyện Lương Sơn, Tỉnh Hòa Bình"}).json()
    assert body["status"] == "ambiguous"
    assert body["commune"] is None
    assert len({c["commune"]["code"] for c in body["candidates"]}) == 2
    assert {c["former_unit"]["name"] for c in body["candidates"]} == {"Xã Cao Sơn"}


def test_new_style_address_is_recognised(api):
    body = api.get(URL, {"q": "Phường Việt Trì, Tỉnh Phú Thọ"}).json()
    assert body["input_type"] == "new"
    assert body["commune"]["name"] == "Phường Việt Trì"
    assert body["former_unit"] is None


@pytest.mark.parametrize(
    "text", ["Phường Dịch Vọng, Quận Cầu Giấy, Thành phố Hà Nội", "Xã Hoàng Kim, Huyện Mê Linh, Tỉnh Vĩnh Phúc"]
)
def test_outside_the_province_is_a_clear_error(api, text):
    response = api.get(URL, {"q": text})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "outside_province"
    assert "Hà Nội" in body["detail"] and "không thuộc tỉnh Phú Thọ" in body["detail"]


@pytest.mark.parametrize("text", ["abc xyz", "Độc Lập", "12345"])
def test_text_that_matches_nothing_is_a_clear_error(api, text):
    response = api.get(URL, {"q": text})
    assert response.status_code == 422
    assert response.json()["code"] == "address_not_found"


@pytest.mark.parametrize(("params", "code"), [({}, "address_empty"), ({"q": "   "}, "address_empty")])
def test_empty_text_is_a_400(api, params, code):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_absurdly_long_text_is_a_400(api):
    response = api.get(URL, {"q": "Xã Độc Lập " * 100})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "address_too_long"
    assert "300" in body["detail"]


def test_error_in_english_on_request(api):
    response = api.get(URL, {"q": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Enter the address")


def test_an_address_of_too_many_parts_is_a_400_before_the_converter_runs(api):
    response = api.get(URL, {"q": ",".join(["a"] * 150)})
    assert response.status_code == 400
    assert response.json() == {
        "code": "address_too_many_parts",
        "detail": "Địa chỉ có quá nhiều phần: tối đa 10 phần, ngăn cách bởi dấu phẩy.",
    }
    real = "Số 12, ngõ 34, đường Hùng Vương, khu 5, phường Gia Cẩm, thành phố Việt Trì, tỉnh Phú Thọ"
    assert api.get(URL, {"q": real}).status_code == 200  # seven parts, as real addresses have


def test_conversions_are_rate_limited_per_client(communes_loaded, settings):
    import uuid

    from django.core.cache import cache
    from rest_framework.test import APIClient

    settings.CONVERT_ADDRESS_RATE = "2/min"
    address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    client = APIClient(REMOTE_ADDR=address)
    try:
        assert client.get(URL, {"q": "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình"}).status_code == 200
        assert client.get(URL, {"q": ""}).status_code == 400  # refused requests count too
        throttled = client.get(URL, {"q": "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình"})
        assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
        assert throttled.json()["code"] == "throttled" and throttled.json()["limited"] == "convert-address"
        assert throttled.json()["detail"].startswith("Bạn đã chuyển đổi địa chỉ quá nhiều lần")
        english = client.get(URL, {"q": "Xã Độc Lập"}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
        assert english.startswith("You have converted too many addresses; please try again in ")
        other = APIClient(REMOTE_ADDR="10.8.8.8")
        assert other.get(URL, {"q": "Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình"}).status_code == 200
    finally:
        cache.delete(f"throttle_convert-address_{address}")
        cache.delete("throttle_convert-address_10.8.8.8")
