"""List endpoints run a number of queries that does not depend on the page size (no N+1).

Each list is read at two page sizes (or two row counts, where a list is not paginated) under the same ceiling; the
rows differ in every foreign key a row shows (procedure, version, field, centres, unit), so that a field read
lazily per row would show as one query more per row. Runs on the suite's database (PostgreSQL in CI) and, through
``test_same_ceilings_on_sqlite``, on the embedded SQLite default.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from communes.models import ProcessingUnit
from dossiers.tests.factories import file_online, procedure_version, tiny_pdf

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
#: The ceiling of every list request below: session, user, memberships, count and page, and a little room.
CEILING = 8


def _rows(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


@pytest.fixture
def many_dossiers(world):
    """Twelve dossiers over three procedures (three versions, two units) and two centres."""
    other_unit = ProcessingUnit.objects.exclude(pk=world.unit.pk).filter(kind=world.unit.kind).first()
    procedure_version(code="1.000894", name="Đăng ký kết hôn", processing_unit=other_unit)
    procedure_version(code="1.000656", name="Đăng ký khai tử")
    dossiers = []
    for number in range(12):
        code = ("1.001193", "1.000894", "1.000656")[number % 3]
        centre = (world.centre, world.other_centre)[number % 2]
        dossiers.append(file_online(world.citizen, centre, code=code))
    return dossiers


@pytest.mark.parametrize("role", ["province", "citizen", "reception"])
def test_dossier_list_queries_do_not_grow_with_the_page(
    world, many_dossiers, client, role, django_assert_max_num_queries
):
    client.force_login(getattr(world, role))
    client.get("/api/dossiers/?page_size=1")
    sizes = {}
    for size in (2, 12):
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(f"/api/dossiers/?page_size={size}")
        assert response.status_code == 200
        sizes[size] = (len(response.json()["results"]), len(queries))
    rows_small, queries_small = sizes[2]
    rows_large, queries_large = sizes[12]
    assert rows_small < rows_large  # the second page size really shows more rows
    assert queries_large == queries_small, sizes
    if role == "province":
        names = {row["procedure_name"] for row in response.json()["results"]}
        assert names == {"Thủ tục đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai tử"}


def test_document_list_queries_do_not_grow_with_the_documents(world, client, django_assert_max_num_queries):
    few = file_online(world.citizen, world.centre)
    many = file_online(world.citizen, world.centre)
    client.force_login(world.citizen)
    for number in range(6):
        response = client.post(f"/api/dossiers/{many.pk}/documents/", {"file": tiny_pdf(f"them-{number}.pdf")})
        assert response.status_code == 201, response.json()
    client.get(f"/api/dossiers/{few.pk}/documents/")
    counts = {}
    for dossier in (few, many):
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(f"/api/dossiers/{dossier.pk}/documents/")
        assert response.status_code == 200
        counts[dossier.pk] = (len(_rows(response)), len(queries))
    assert counts[few.pk][0] < counts[many.pk][0]
    assert counts[few.pk][1] == counts[many.pk][1], counts


@pytest.mark.parametrize("url", ["/api/procedures/?page_size={size}", "/api/procedures/fields/?page_size={size}"])
def test_catalogue_lists_do_not_grow_with_the_page(
    world, many_dossiers, client, url, settings, django_assert_max_num_queries
):
    from procedures.api.views import search_cache

    settings.CATALOGUE_SEARCH_CACHE_SIZE = 0  # every page read from the database, not from the response cache
    search_cache.clear()
    client.get(url.format(size=1))  # warm what a process keeps (the calendar, the search index's stamps)
    counts = []
    for size in (1, 3):
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(url.format(size=size))
        assert response.status_code == 200
        counts.append((len(_rows(response)), len(queries)))
    if "fields" not in url:
        assert counts[0][0] < counts[1][0]
    assert counts[0][1] == counts[1][1], counts


def test_commune_list_does_not_grow_with_the_rows(communes_loaded, client, django_assert_max_num_queries):
    client.get("/api/communes/")
    counts = []
    for query in ("Pà Cò", ""):  # one row, then all 148
        with django_assert_max_num_queries(CEILING) as queries:
            response = client.get(f"/api/communes/?search={query}")
        assert response.status_code == 200
        counts.append((len(_rows(response)), len(queries)))
    assert counts[0][0] < counts[1][0]
    assert counts[0][1] == counts[1][1], counts


def test_centre_list_does_not_grow_with_the_rows(communes_loaded, client, django_assert_max_num_queries):
    from communes.models import ServiceCentre

    client.get("/api/centres/")
    counts = []
    with django_assert_max_num_queries(CEILING) as queries:
        response = client.get("/api/centres/")
    counts.append((len(_rows(response)), len(queries)))
    kept = ServiceCentre.objects.filter(kind="commune").order_by("pk").values_list("pk", flat=True)[:3]
    ServiceCentre.objects.filter(kind="commune").exclude(pk__in=list(kept)).delete()  # rolled back after the test
    with django_assert_max_num_queries(CEILING) as queries:
        response = client.get("/api/centres/")
    counts.append((len(_rows(response)), len(queries)))
    assert counts[1][0] < counts[0][0]
    assert counts[0][1] == counts[1][1], counts


@pytest.mark.postgres
def test_same_ceilings_on_sqlite(tmp_path):
    """This module again, on the embedded default's SQLite (the query counts must not depend on the backend)."""
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lists.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REQUIRE_SERVICES", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", __file__]
    result = subprocess.run(
        [*command, "-k", "not sqlite"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
