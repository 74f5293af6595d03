# ruff: noqa: F811
"""The citizen pages of the catalogue: /thu-tuc/ (search, filters with counts, pages, suggestions) and
/thu-tuc/<code>/ (the procedure page), through Django's test client. The catalogue is the API tests' one."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Component
from procedures.tests.api.conftest import CatalogueBuilder, build, catalogue  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def results(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/thu-tuc/([^/]+)/">', html)


def test_search_without_diacritics_finds_the_procedure(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    html = response.content.decode()
    assert results(html)[0] == "1.001193"
    assert "Thủ tục đăng ký khai sinh" in html
    assert '<html lang="vi"' in html
    assert 'value="dang ky khai sinh"' in html


def test_the_filter_panel_counts_each_option_given_the_other_filters(client, catalogue):
    html = client.get("/thu-tuc/", {"q": "khai sinh", "level": "provincial"}).content.decode()
    assert results(html) == ["1.000894"]
    # level counts ignore the level filter: 4 commune matches (1.001193, 1.003583, 1.001022, 9.000001 not in force)
    assert re.search(r'id="level-commune"[^>]*>\s*<label[^>]*>Cấp xã <span class="count">\(3\)</span>', html)
    assert re.search(r'id="level-provincial"[^>]*checked>\s*<label[^>]*>Cấp tỉnh <span class="count">\(1\)', html)
    # the fee facet applies the level filter: the one provincial match is paid
    assert re.search(r'id="fee-paid"[^>]*>\s*<label[^>]*>Có phí, lệ phí <span class="count">\(1\)', html)
    assert 'id="fee-free"' not in html


def test_fee_and_online_level_filters_apply(client, catalogue):
    html = client.get("/thu-tuc/", {"fee": "paid"}).content.decode()
    assert set(results(html)) == {"1.000894", "2.000815", "1.009994"}
    html = client.get("/thu-tuc/", {"online_level": "full"}).content.decode()
    assert set(results(html)) == {"1.001193", "1.003583"}


def test_pagination_keeps_the_filters(client, build):
    for n in range(45):
        build.version(f"3.{n:06d}", f"Thủ tục thử số {n}", fee_vnd=1000)
    html = client.get("/thu-tuc/", {"q": "thu tuc thu", "fee": "paid"}).content.decode()
    assert len(results(html)) == 20
    assert "Tìm thấy 45 thủ tục" in html
    links = re.findall(r'href="(\?[^"]*page=\d[^"]*)"', html)
    assert links and all("q=thu+tuc+thu" in link and "fee=paid" in link for link in links)
    last = next(link for link in links if "page=3" in link)
    page3 = client.get("/thu-tuc/" + last.replace("&amp;", "&")).content.decode()
    assert len(results(page3)) == 5


def test_an_empty_result_says_so_and_suggests(client, catalogue):
    html = client.get("/thu-tuc/", {"q": "khai sinh", "field": "xay-dung"}).content.decode()
    assert "Không tìm thấy thủ tục phù hợp" in html
    assert "Có phải bạn muốn tìm" in html
    assert 'href="/thu-tuc/1.001193/"' in html  # found without the filter
    assert "xóa bộ lọc" in html
    # the chosen field still shows, checked, with its zero
    assert re.search(r'id="field-xay-dung"[^>]*checked>\s*<label[^>]*>Xây dựng <span class="count">\(0\)', html)
    html = client.get("/thu-tuc/", {"q": "zzqx wvvq"}).content.decode()
    assert "Không tìm thấy thủ tục phù hợp" in html


def test_a_bad_filter_value_is_dropped(client, catalogue):
    response = client.get("/thu-tuc/", {"level": "galaxy", "q": "khai sinh"})
    assert response.status_code == 200
    assert "1.001193" in results(response.content.decode())


def test_partial_answer_for_the_script(client, catalogue):
    body = client.get("/thu-tuc/", {"q": "dang ky khai sinh", "partial": "1", "level": "commune"}).json()
    assert body["total"] >= 1
    assert body["url"] == "/thu-tuc/?q=dang+ky+khai+sinh&level=commune"
    assert "Thủ tục đăng ký khai sinh" in body["results"]
    assert 'name="level"' in body["filters"]


def test_the_catalogue_costs_the_same_queries_whatever_its_size(client, build):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/thu-tuc/", {"fee": "paid"}).status_code == 200
        return len(queries)

    for n in range(3):
        build.version(f"4.{n:06d}", f"Thủ tục nhỏ {n}", fee_vnd=1000)
    small = count()
    for n in range(3, 40):
        build.version(f"4.{n:06d}", f"Thủ tục nhỏ {n}", fee_vnd=1000, field=f"Lĩnh vực {n % 7}")
    assert count() == small
    assert small <= 6


def test_the_procedure_page(client, catalogue):
    response = client.get("/thu-tuc/1.001193/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Tờ khai đăng ký khai sinh" in html and "Giấy chứng sinh" in html
    assert "Mẫu tờ khai" in html and "download" not in html  # a template name without a file: no link
    assert "Bản chính" in html
    assert "1 ngày làm việc" in html
    assert "Miễn phí" in html
    assert "Nếu nộp bây giờ, kết quả dự kiến vào" in html
    assert 'class="button button-start" href="/nop-ho-so/1.001193/"' in html
    assert "UBND xã, phường nơi" in html
    assert "60/2014/QH13" in html and "1234/QĐ-UBND" in html
    assert 'href="/#tim-trung-tam"' in html
    assert "Nhận bản điện tử trên cổng" in html  # fully online: the electronic result is offered


def test_a_paid_procedure_not_online(client, catalogue):
    html = client.get("/thu-tuc/2.000815/").content.decode()
    assert "2.000 đ" in html
    assert "2 giờ làm việc" in html
    assert 'class="button button-start"' not in html
    assert "chưa nhận hồ sơ trực tuyến" in html
    html = client.get("/thu-tuc/1.009994/").content.decode()
    assert "150.000 đ" in html and "Sở Xây dựng" in html
    assert "Nhận bản điện tử trên cổng" not in html


def test_a_template_file_is_a_download_link(client, catalogue, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.base import ContentFile

    component = Component.objects.get(version__procedure__code="1.001193", order=1)
    component.template.save("to-khai.docx", ContentFile(b"mau to khai"), save=True)
    html = client.get("/thu-tuc/1.001193/").content.decode()
    url = f"/thu-tuc/1.001193/mau/{component.pk}/"
    assert f'<a href="{url}" download>' in html  # through the portal, never a storage URL (media is private)
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"mau to khai"
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get("/api/procedures/1.001193/").json()["components"][0]["template_url"] == url
    other = Component.objects.exclude(pk=component.pk).first()
    assert client.get(f"/thu-tuc/1.001193/mau/{other.pk}/").status_code == 404  # no file, or another procedure's


def test_unknown_is_the_portal_404_and_abolished_says_so(client, catalogue):
    response = client.get("/thu-tuc/9.999999/")
    assert response.status_code == 404
    response = client.get("/thu-tuc/1.000656/")
    assert response.status_code == 410
    assert "đã bị bãi bỏ" in response.content.decode()


def test_the_procedure_page_costs_a_few_queries(client, catalogue):
    client.get("/thu-tuc/1.001193/")  # the working calendar is built once per process
    with CaptureQueriesContext(connection) as queries:
        client.get("/thu-tuc/1.001193/")
    assert len(queries) <= 5


def test_english_after_the_switch(client, catalogue):
    client.cookies["django_language"] = "en"
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert '<html lang="en"' in html
    assert "Free" in html
    html = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert '<html lang="en"' in html


def test_the_api_detail_gives_component_ids_and_return_methods(client, catalogue):
    body = client.get("/api/procedures/1.001193/").json()
    ids = set(Component.objects.filter(version__procedure__code="1.001193").values_list("id", flat=True))
    assert {c["id"] for c in body["components"]} == ids
    assert [m["value"] for m in body["return_methods"]] == ["counter", "post", "online"]
    body = client.get("/api/procedures/1.009994/").json()
    assert [m["value"] for m in body["return_methods"]] == ["counter", "post"]


def test_builder_is_importable():
    assert CatalogueBuilder
