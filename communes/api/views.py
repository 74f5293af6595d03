from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from communes import selectors
from communes.address import address_convert
from communes.api.filters import CommuneFilter
from communes.api.serializers import (
    CentreSerializer,
    CommuneDetailSerializer,
    CommuneSerializer,
    ConvertedAddressSerializer,
)
from portal.common.openapi import ERROR_REF
from portal.common.throttles import ClientAddressThrottle


class CommuneListView(generics.ListAPIView):
    """The 148 communes of Phú Thọ (filter by kind and former province; search with or without diacritics)."""

    permission_classes = [AllowAny]  # public: no log-in

    serializer_class = CommuneSerializer
    filterset_class = CommuneFilter
    pagination_class = None

    def get_queryset(self):
        return selectors.commune_list()


class CommuneDetailView(APIView):
    """One commune, with the former units it was formed from and its service centre."""

    permission_classes = [AllowAny]  # public: no log-in

    @extend_schema(responses=CommuneDetailSerializer)
    def get(self, request, code: str):
        return Response(CommuneDetailSerializer(selectors.commune_get(code=code)).data)


class CentreListView(generics.ListAPIView):
    """Every service centre: 148 commune centres, the provincial centre and its three branches."""

    permission_classes = [AllowAny]  # public: no log-in

    serializer_class = CentreSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.centre_list()


class ConvertAddressThrottle(ClientAddressThrottle):
    """``settings.CONVERT_ADDRESS_RATE`` per client address: a conversion costs the converter up to ~0.1 s of CPU."""

    scope = "convert-address"
    rate_setting = "CONVERT_ADDRESS_RATE"
    limited_message = _("Bạn đã chuyển đổi địa chỉ quá nhiều lần; vui lòng thử lại sau %(seconds)d giây.")


class ConvertAddressView(APIView):
    """Old-style address (before 1 July 2025) → the commune it belongs to now."""

    permission_classes = [AllowAny]  # public: no log-in

    throttle_classes = [ConvertAddressThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description=_("Địa chỉ cũ, có hoặc không dấu"), required=True)],
        responses={
            200: ConvertedAddressSerializer,
            429: OpenApiResponse(ERROR_REF, description="over CONVERT_ADDRESS_RATE for this client (Retry-After)"),
            422: OpenApiResponse(ERROR_REF, description="outside the province, or no commune recognised"),
            503: OpenApiResponse(ERROR_REF, description="the converter is still starting (Retry-After)"),
        },
    )
    def get(self, request):
        result = address_convert(text=request.query_params.get("q", ""))
        return Response(ConvertedAddressSerializer(result).data)
