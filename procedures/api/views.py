"""Public catalogue API: search with filters and facets, the procedure page, fields, statistics.

Reads only; every query lives in ``procedures.selectors``.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.common.errors import InvalidInput
from portal.common.pagination import Pagination
from procedures import selectors
from procedures.api.filters import ProcedureFilter
from procedures.api.serializers import (
    CatalogueStatsSerializer,
    FacetsSerializer,
    ProcedureDetailSerializer,
    ProcedureFieldSerializer,
    ProcedureListItemSerializer,
)
from procedures.models import ProcedureVersion


class _Counted(Sequence):
    """A result already serialized (from the cache): the paginator only needs its length."""

    ordered = True

    def __init__(self, total: int):
        self.total = total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        return range(self.total)[index]


class SearchResponseCache:
    """Recently served search pages, per process, valid while the catalogue does not change.

    The catalogue is reference data written by imports, read by every citizen: the same few hundred searches come
    back all day. An entry is keyed by the catalogue's fingerprint (``selectors.catalogue_version``: any write to
    the versions, procedures, fields or processing units changes it), the day (what is in force), the language
    (labels) and the query string; the fingerprint is read at most once every
    ``CATALOGUE_SEARCH_CACHE_CHECK_SECONDS`` (default 1 s) per process, so a page is never served more than that
    after the data under it changed. PostgreSQL only (elsewhere there is no cheap fingerprint); pages of more than
    ``MAX_PAGE_SIZE`` rows are not kept (memory stays under ~512 × 40 kB per process);
    ``CATALOGUE_SEARCH_CACHE_SIZE = 0`` turns it off. Segmented LRU: a page asked for twice is protected from a
    flood of one-off queries.
    """

    MAX_PAGE_SIZE = 50

    def __init__(self):
        # a segmented LRU: a page enters on probation and is protected once asked for again, so that a flood of
        # one-off queries (each asked once) churns the probation segment and never evicts the popular pages
        self.probation: OrderedDict = OrderedDict()
        self.protected: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.version: tuple[str | None, float] = (None, float("-inf"))

    @staticmethod
    def size() -> int:
        return getattr(settings, "CATALOGUE_SEARCH_CACHE_SIZE", 512)

    def catalogue_version(self) -> str | None:
        version, checked = self.version
        now = time.monotonic()
        if now - checked >= getattr(settings, "CATALOGUE_SEARCH_CACHE_CHECK_SECONDS", 1.0):
            version = selectors.catalogue_version()
            self.version = (version, now)
        return version

    def key(self, request, *, page_size: int) -> tuple | None:
        """The request as the cache knows it: the raw query string (no parsing: a hit must stay cheap)."""
        if not self.size() or page_size > self.MAX_PAGE_SIZE:
            return None
        version = self.catalogue_version()
        if version is None:
            return None
        return (version, timezone.localdate(), get_language(), request.META.get("QUERY_STRING", ""))

    def get(self, key: tuple | None) -> dict | None:
        if key is None:
            return None
        with self.lock:
            entry = self.protected.get(key)
            if entry is not None:
                self.protected.move_to_end(key)
                return entry
            entry = self.probation.pop(key, None)
            if entry is not None:  # asked for again: a popular page
                self.protected[key] = entry
                self._trim()
            return entry

    def put(self, key: tuple | None, entry: dict) -> None:
        if key is None:
            return
        with self.lock:
            if key in self.protected:
                self.protected[key] = entry
                self.protected.move_to_end(key)
                return
            self.probation[key] = entry
            self.probation.move_to_end(key)
            self._trim()

    def _trim(self) -> None:
        """At most ``size()`` pages, a fifth of them (at least one) on probation; the protected segment's oldest
        go back on probation, the probation's oldest go."""
        size = self.size()
        protected_max = size - max(1, size // 5)
        while len(self.protected) > protected_max:
            key, entry = self.protected.popitem(last=False)
            self.probation[key] = entry
        while len(self.protected) + len(self.probation) > size:
            (self.probation or self.protected).popitem(last=False)

    def __len__(self) -> int:
        return len(self.protected) + len(self.probation)

    def clear(self) -> None:
        with self.lock:
            self.probation.clear()
            self.protected.clear()
            self.version = (None, float("-inf"))


search_cache = SearchResponseCache()


class CatalogueSearchPagination(Pagination):
    page_size = 20

    def get_paginated_response(self, data):
        # facets and approximate are filled in by the view; results stay last for people reading the JSON
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "approximate": False,
                "facets": {},
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["approximate"] = {
            "type": "boolean",
            "description": "Không thủ tục nào chứa đủ các từ đã nhập; đây là các thủ tục có tên gần giống",
        }
        response["properties"]["facets"] = {
            "type": "object",
            "description": "Số thủ tục theo lĩnh vực và theo cấp cho truy vấn hiện tại",
            "properties": {
                name: {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "value": {"type": "string"},
                            "label": {"type": "string"},
                            "count": {"type": "integer"},
                        },
                    },
                }
                for name in selectors.FACETS
            },
        }
        return response


class ProcedureListView(generics.ListAPIView):
    """Search the catalogue in force: by name (with or without diacritics, small typos forgiven) or by code.

    Filters narrow the result; ``facets`` counts the result per field and per level (each facet ignoring its own
    filter), for the filter panel.
    """

    permission_classes = [AllowAny]  # public: no log-in

    serializer_class = ProcedureListItemSerializer
    filterset_class = ProcedureFilter
    filter_backends = [DjangoFilterBackend]  # documents the parameters; the selectors apply them
    pagination_class = CatalogueSearchPagination
    queryset = ProcedureVersion.objects.none()

    def list(self, request, *args, **kwargs):
        key = search_cache.key(request, page_size=self.paginator.get_page_size(request))
        entry = search_cache.get(key)
        if entry is None:
            filterset = ProcedureFilter(request.query_params, queryset=self.queryset, request=request)
            if not filterset.is_valid():
                raise ValidationError(filterset.errors)
            found = selectors.catalogue_search(q=filterset.query(), filters=filterset.catalogue_filters())
            page = self.paginator.paginate_queryset(selectors.CatalogueResults(found), request, view=self)
            entry = {
                "count": found.facets.total,
                "approximate": found.approximate,
                "facets": dict(FacetsSerializer(found.facets).data),
                "results": list(self.get_serializer(page, many=True).data),
            }
            search_cache.put(key, entry)
        else:
            self.paginator.paginate_queryset(_Counted(entry["count"]), request, view=self)  # for the page links
        response = self.get_paginated_response(entry["results"])
        response.data["approximate"] = entry["approximate"]
        response.data["facets"] = entry["facets"]
        return response


class ProcedureDetailView(APIView):
    """The procedure page: components, time, fees, channels, where to file and where it is processed, legal basis,
    announcing decision."""

    permission_classes = [AllowAny]  # public: no log-in

    @extend_schema(responses=ProcedureDetailSerializer)
    def get(self, request, code: str):
        return Response(ProcedureDetailSerializer(selectors.procedure_detail(code=code)).data)


class ProcedureFieldListView(APIView):
    """Fields (lĩnh vực) with the number of procedures in force, in total and per level."""

    permission_classes = [AllowAny]  # public: no log-in

    @extend_schema(responses=ProcedureFieldSerializer(many=True))
    def get(self, request):
        return Response(ProcedureFieldSerializer(selectors.procedure_fields(), many=True).data)


class CatalogueStatsView(APIView):
    """The catalogue in force counted by level, field, announcing decision, source, online level and applied."""

    permission_classes = [AllowAny]  # public: no log-in

    @extend_schema(
        responses=CatalogueStatsSerializer,
        parameters=[
            OpenApiParameter(
                "on",
                str,
                description=_("Danh mục có hiệu lực vào ngày (YYYY-MM-DD; mặc định: hôm nay)"),
                required=False,
            )
        ],
    )
    def get(self, request):
        raw = request.query_params.get("on")
        on = None
        if raw:
            try:
                on = datetime.date.fromisoformat(raw.strip())
            except ValueError:
                raise InvalidInput(_("Ngày không hợp lệ; dùng dạng YYYY-MM-DD.")) from None
        return Response(CatalogueStatsSerializer(selectors.catalogue_stats(on=on)).data)
