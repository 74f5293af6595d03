"""Benchmark baseline: the cheapest DRF endpoint that still touches the database.

``GET /api/_bench/baseline/`` goes through the same middleware, DRF view machinery, authentication, content
negotiation and JSON rendering as the catalogue API, and runs one trivial query. ``bench/catalogue_search.py``
measures the catalogue search against it, so the ratio says what the search itself costs. It exposes no data.
"""

from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView


@extend_schema(exclude=True)
class BenchBaselineView(APIView):
    """One ``SELECT 1`` and a two-key JSON body."""

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            (value,) = cursor.fetchone()
        return Response({"ok": True, "value": value})
