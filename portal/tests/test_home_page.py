"""The home page (issue 11, point 1): the search box, the most-filed procedures from real dossier counts (cached),
the fields with their counts, the centre finder by a new or an old commune name, and the dossier lookup."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.tests import conftest as dossier_fixtures
from dossiers.tests.factories import file_online, procedure_version

pytestmark = pytest.mark.django_db
world = dossier_fixtures.world


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.delete("home:most-filed")
    yield
    cache.delete("home:most-filed")


def test_the_most_filed_come_from_the_dossiers(client, world):
    procedure_version(code="1.000001", name="Chứng thực bản sao từ bản chính")
    for _ in range(2):
        file_online(world.citizen, world.centre)
    file_online(world.citizen, world.centre, code="1.000001")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    first = html.index("Thủ tục đăng ký khai sinh</a>")
    second = html.index("Chứng thực bản sao từ bản chính</a>")
    assert first < second  # 2 dossiers before 1
    assert 'href="/thu-tuc/1.001193/"' in html and "2 hồ sơ" in html and "1 hồ sơ" in html


def test_no_dossiers_says_so(client, world):
    html = client.get("/").content.decode()
    assert "Chưa có hồ sơ nào trong 12 tháng qua để xếp hạng." in html


def test_the_counts_are_cached(client, world):
    file_online(world.citizen, world.centre)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    assert len(second) == len(first) - 1  # the one aggregate over the dossiers is not run again
    assert not any("dossiers_dossier" in q["sql"] for q in second.captured_queries)


def test_search_box_and_fields_lead_to_the_catalogue(client, world):
    html = client.get("/").content.decode()
    assert 'action="/thu-tuc/"' in html and 'name="q"' in html
    assert 'href="/thu-tuc/?field=ho-tich">Hộ tịch</a>' in html


@pytest.mark.parametrize("query", ["viet tri", "Việt Trì", "PHUONG VIET TRI", "Phường Việt Trì"])
def test_the_finder_by_a_new_name_with_or_without_diacritics(client, world, query):
    html = client.get("/", {"centre": query}).content.decode()
    assert "Trung tâm Phục vụ hành chính công phường Việt Trì" in html
    assert "Điện thoại:" in html and "chưa cập nhật" in html  # placeholder centres have no phone yet


def test_the_finder_by_an_old_name(client, world):
    from communes.models import FormerUnit

    unit = FormerUnit.objects.filter(communes__code="07900").exclude(name_folded__contains="viet tri").first()
    html = client.get("/", {"centre": unit.name}).content.decode()
    assert "Xã, phường cũ (trước ngày 1/7/2025)" in html
    assert "nay thuộc <strong>Phường Việt Trì</strong>" in html


def test_a_split_former_unit_lists_both_communes(client, world):
    from django.db.models import Count

    from communes.models import FormerUnit

    split = FormerUnit.objects.annotate(n=Count("communes")).filter(n__gt=1).first()
    html = client.get("/", {"centre": f"{split.name}"}).content.decode()
    for commune in split.communes.all():
        assert f"nay thuộc <strong>{commune.name}</strong>" in html
    assert "được chia cho nhiều xã, phường mới" in html


def test_nothing_found_says_so(client, world):
    html = client.get("/", {"centre": "khong co xa nay"}).content.decode()
    assert "Không tìm thấy xã, phường nào có tên" in html


def test_the_lookup_form_posts_to_the_lookup_page(client, world):
    html = client.get("/").content.decode()
    assert 'action="/tra-cuu/" method="post"' in html and 'name="csrfmiddlewaretoken"' in html


def test_in_english_after_the_switch(client, world):
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<h2 id="finder-title">Find a public administrative service centre</h2>' in html
    assert "Most-filed procedures" in html
