"""The baselines of the benchmarks: the cheapest DRF endpoints that still read or write the database.

Routed only when ``settings.BENCH_ENDPOINTS`` is true (``BENCH_ENDPOINTS=1``; off by default, never in production):
see the end of ``portal/urls.py``. They live here, with the scripts that measure against them, not in the product.

* ``GET /api/_bench/baseline/`` (``bench/catalogue_search.py``): the same middleware, DRF view machinery,
  authentication, content negotiation and JSON rendering as the catalogue API, and one ``SELECT 1``. The ratio of the
  catalogue search to it says what the search itself costs. It exposes no data and needs no log-in, like the search.
* ``GET /api/_bench/bare-page/`` (``bench/pages.py``): the smallest honest HTML page — a title, a heading and a
  paragraph, no stylesheet, no script — through the same middleware (sessions, language, compression). The citizen
  pages' load times on a slow link are compared with it.
* ``POST /api/_bench/insert/`` (``bench/submit.py``): the same middleware, token authentication, JSON parsing and
  rendering as ``POST /api/dossiers/``, and one ``INSERT`` (autocommit) into ``bench_insert``, a table the benchmark
  creates in its own database. Filing and receiving a dossier is measured against it.
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

TABLE = "bench_insert"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "id bigserial PRIMARY KEY, user_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), body jsonb)"
)


@extend_schema(exclude=True)
class BenchBaselineView(APIView):
    """One ``SELECT 1`` and a two-key JSON body."""

    permission_classes = [AllowAny]

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            (value,) = cursor.fetchone()
        return Response({"ok": True, "value": value})


@extend_schema(exclude=True)
class BenchInsertView(APIView):
    """One ``INSERT … RETURNING id`` of the request body; answers 201 with the new id."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (user_id, body) VALUES (%s, %s) RETURNING id",  # noqa: S608 (constant name)
                [request.user.pk, json.dumps(request.data, ensure_ascii=False)],
            )
            (row_id,) = cursor.fetchone()
        return Response({"id": row_id}, status=status.HTTP_201_CREATED)


BARE_PAGE = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Trang chuẩn</title></head>'
    "<body><main><h1>Trang chuẩn để so sánh</h1><p>Một trang HTML tối giản do cùng máy chủ phục vụ.</p></main>"
    "</body></html>"
)


def bare_page(request):
    return HttpResponse(BARE_PAGE)


urlpatterns = [
    path("bare-page/", bare_page, name="bench-bare-page"),
    path("baseline/", BenchBaselineView.as_view(), name="bench-baseline"),
    path("insert/", BenchInsertView.as_view(), name="bench-insert"),
]
