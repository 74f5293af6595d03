"""The in-process search index (``procedures.search_index``) answers as the SQL search does.

The index is on where the reference cache is on (PostgreSQL); the rest of the suite runs with it off, so the search's
own tests (``test_search.py``) exercise the SQL. Here every answer of the index is compared, whole — count, facets,
order, page links, lines — with the SQL's answer to the same request: on the small catalogue of ``conftest.py`` and
on the shipped catalogue of 2,217 procedures, where names of equal rank and length are ordered by the database's
collation.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from procedures import selectors
from procedures.models import ProcedureVersion

pytestmark = pytest.mark.postgres

URL = "/api/procedures/"


def both_ways(client, params: dict) -> tuple[dict, dict]:
    """(the index's answer, the SQL's answer) to ``GET /api/procedures/?params``, the reference cache being on."""
    indexed = client.get(URL, params)
    with override_settings(REFERENCE_CACHE=False):
        plain = client.get(URL, params)
    assert indexed.status_code == plain.status_code, params
    return indexed.json(), plain.json()


SMALL_CATALOGUE_REQUESTS = [
    {},
    {"page_size": 4, "page": 2},
    {"q": "dang ky khai sinh"},
    {"q": "ĐĂNG KÝ KHAI SINH"},
    {"q": "thu tuc dang ky khai sinh"},
    {"q": "dang ky khai si"},
    {"q": "dang ky"},
    {"q": "khai sinh dang"},
    {"q": "ky"},
    {"q": "an"},
    {"q": "ket hon"},
    {"q": "trich luc ho tich"},  # name_folded left empty: the SQL fold of the name
    {"q": "TRÍCH LỤC"},
    {"q": "1.001193"},
    {"q": "1.0011"},
    {"q": "2.00"},
    {"q": "mh.0001"},
    {"q": "1.001193 khai sinh"},
    {"q": "  !!  "},
    {"q": "xyzzy qwerty"},
    {"q": "dang ki khai sihn"},  # matches nothing by words: the typo pass, in SQL
    {"q": "giay phep xay dugn"},
    {"q": "dang ky", "level": "provincial", "field": "ho-tich"},
    {"q": "dang ky", "fee": "free"},
    {"q": "dang ky", "fee": "paid"},
    {"q": "khai sinh", "level": "provincial", "channel": "online", "fee": "free"},
    {"q": "khai sinh", "processing_unit": "so-tu-phap"},
    {"level": "commune", "online_level": "full"},
    {"channel": "post"},
    {"channel": "direct", "applied": "false"},
    {"source": "illustrative"},
    {"source": "national-db", "applied": "true", "level": "provincial"},
    {"field": "no-such-field"},
    {"q": "dang ky khai sinh", "level": "commune"},
    {"q": "dang ky", "page_size": 2, "page": 3},
    {"level": "district"},  # 400
    {"q": "a" * 201},  # 400
]


@pytest.mark.parametrize("params", SMALL_CATALOGUE_REQUESTS)
def test_the_index_answers_as_the_sql(client, catalogue, reference_cache_on, params):
    indexed, plain = both_ways(client, params)
    assert indexed == plain


def test_a_search_on_the_index_reads_only_the_fingerprint(client, catalogue, reference_cache_on):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(URL, {"q": "khai sinh"})  # the index is built
    with CaptureQueriesContext(connection) as captured:
        body = client.get(URL, {"q": "dang ky khai sinh", "level": "commune"}).json()
    assert body["results"][0]["code"] == "1.001193"
    assert len(captured) == 1 and "portal_referenceversion" in captured[0]["sql"]  # no search SQL


def test_a_write_through_any_path_is_seen(client, catalogue, reference_cache_on):
    assert client.get(URL, {"q": "ket hon"}).json()["count"] == 1
    with transaction.atomic():  # update(): no signal, only the reference trigger
        ProcedureVersion.objects.filter(procedure__code="1.004837", effective_until=None).update(
            name="Đăng ký kết hôn lưu động", name_folded="dang ky ket hon luu dong"
        )
    body = client.get(URL, {"q": "ket hon luu"}).json()
    assert [item["name"] for item in body["results"]] == ["Đăng ký kết hôn lưu động"]
    catalogue.version("1.999999", "Đăng ký kết hôn có yếu tố nước ngoài")
    assert client.get(URL, {"q": "ket hon"}).json()["count"] == 2


def test_the_index_of_another_day(catalogue, reference_cache_on):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    def found(on):
        result = selectors.catalogue_search(q="dang ky khai sinh", on=on)
        return result.facets, [version.procedure.code for version in result.page(0, 50)]

    indexed = found(tomorrow)
    assert "9.000001" in indexed[1]  # in force from tomorrow
    assert selectors.search_index_for(tomorrow) is not None
    with override_settings(REFERENCE_CACHE=False):
        assert selectors.search_index_for(tomorrow) is None
        assert found(tomorrow) == indexed


# --- The shipped catalogue --------------------------------------------------------------------------------------


def shipped_requests(names: list[str], codes: list[str], count: int) -> list[dict]:
    """Requests as citizens make them, drawn deterministically from the catalogue: two to four consecutive words of
    a name (folded or as written), a begun last word, one word, a code or the start of one, with and without
    filters, first and later pages."""
    rng = random.Random(2217)
    filters = [
        {},
        {},
        {},
        {"level": "provincial"},
        {"level": "commune", "fee": "free"},
        {"online_level": "full"},
        {"channel": "online", "applied": "true"},
        {"source": "illustrative"},
        {"fee": "paid", "page_size": 50},
        {"page": 2},
    ]
    requests = []
    while len(requests) < count:
        words = rng.choice(names).split()
        kind = rng.random()
        if kind < 0.1:
            q = rng.choice(codes)
            q = q[: rng.randint(3, len(q))]
        elif kind < 0.2:
            q = rng.choice(words)
        else:
            size = rng.randint(2, min(4, len(words))) if len(words) > 1 else 1
            start = rng.randint(0, len(words) - size)
            q = " ".join(words[start : start + size])
            if kind < 0.3:
                q = q[: len(q) - rng.randint(1, 2)]  # the last word only begun
        requests.append({"q": q, **rng.choice(filters)})
    return requests


def test_the_index_answers_as_the_sql_on_the_shipped_catalogue(client, communes_loaded, reference_cache_on):
    call_command("load_catalogue", verbosity=0)
    names = list(ProcedureVersion.objects.order_by("id").values_list("name", flat=True))
    codes = list(ProcedureVersion.objects.order_by("id").values_list("procedure__code", flat=True))
    assert len(names) == 2217
    requests = shipped_requests(names, codes, 250)
    differences, counts = [], []
    for params in requests:
        indexed, plain = both_ways(client, params)
        if indexed != plain:
            differences.append(params)
        counts.append(indexed.get("count", 0))
    assert differences == []
    # the comparison is not empty: most requests found something, many more than a page
    assert sum(1 for count in counts if count) > 200 and sum(1 for count in counts if count > 20) > 50
