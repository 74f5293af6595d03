"""Benchmark baseline for ``bench/submit.py``: the cheapest DRF endpoint that writes one row.

``POST /api/_bench/insert/`` goes through the same middleware, token authentication, JSON parsing and rendering as
``POST /api/dossiers/``, and executes one ``INSERT`` (autocommit) into ``bench_insert``, a table the benchmark
creates in its own database. Filing and receiving a dossier is measured against it, so the ratio says what the
workflow itself costs.

Routed only when ``settings.BENCH_ENDPOINTS`` is true (``BENCH_ENDPOINTS=1``; off by default, never in production
settings): see the end of ``portal/urls.py``.
"""

from __future__ import annotations

import json

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

TABLE = "bench_insert"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "id bigserial PRIMARY KEY, user_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), body jsonb)"
)


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
