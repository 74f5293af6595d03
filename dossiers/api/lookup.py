"""``GET /api/lookup/``: the public dossier lookup — a citizen follows their dossier with the code and ID number or
phone printed on the receipt, without an account — rate-limited per client.

Rate-limited per client address (``portal.common.throttles``): 429 with ``Retry-After`` over ``LOOKUP_RATE``.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers.lookup import MAX_CODE, MAX_ID_NUMBER, MAX_PHONE, dossier_lookup
from portal.common.openapi import ERROR_REF
from portal.common.throttles import ClientAddressThrottle


class LookupThrottle(ClientAddressThrottle):
    """``settings.LOOKUP_RATE`` (e.g. ``20/min``) per client address, counted on every request, valid or not."""

    scope = "lookup"
    rate_setting = "LOOKUP_RATE"
    limited_message = gettext_lazy("Bạn đã tra cứu quá nhiều lần; vui lòng thử lại sau %(seconds)d giây.")


# --- answer shape --------------------------------------------------------------------------------------------


class LookupProcedureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã thủ tục")
    name = serializers.CharField(help_text="Tên thủ tục")


class LookupStatusSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="Trạng thái nội bộ (filed, received, …)")
    label = serializers.CharField(help_text="Trạng thái bằng lời thường (tiếng Việt; tiếng Anh khi yêu cầu)")
    national_code = serializers.IntegerField(min_value=1, max_value=10, help_text="Mã trạng thái quốc gia (1–10)")
    national_label = serializers.CharField(help_text="Tên trạng thái quốc gia")


class LookupReturnPointSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)


class LookupApplicantSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, help_text="Chữ cái đầu của họ tên, ví dụ N. T. H.")
    id_number = serializers.CharField(allow_blank=True, help_text="Chỉ hiện 3 chữ số cuối, ví dụ *********234")
    phone = serializers.CharField(allow_blank=True, help_text="Chỉ hiện 3 chữ số cuối, ví dụ *******678")


class LookupResultSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã hồ sơ (trước khi tiếp nhận: mã tham chiếu tạm của hồ sơ nộp trực tuyến)")
    procedure = LookupProcedureSerializer()
    status = LookupStatusSerializer()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Hẹn trả kết quả")
    extended_due_at = serializers.DateTimeField(allow_null=True, help_text="Hẹn lại (mẫu 04), nếu có")
    return_point = LookupReturnPointSerializer(help_text="Nơi trả kết quả")
    next_step = serializers.CharField(help_text="Việc người nộp cần làm tiếp theo")
    applicant = LookupApplicantSerializer(help_text="Thông tin người nộp, đã che")


class LookupQuerySerializer(serializers.Serializer):
    """The body of ``POST /api/lookup/`` (JSON or a form): the same three fields as the query string of ``GET``."""

    code = serializers.CharField(help_text=f"Mã hồ sơ (tối đa {MAX_CODE} ký tự)")
    id_number = serializers.CharField(required=False, help_text=f"Số CCCD / mã số thuế (tối đa {MAX_ID_NUMBER} ký tự)")
    phone = serializers.CharField(required=False, help_text=f"Số điện thoại (tối đa {MAX_PHONE} ký tự)")


# --- the view -------------------------------------------------------------------------------------------------

PARAMETERS = [
    OpenApiParameter(
        "code", str, required=True, description=f"Mã hồ sơ, ví dụ 000.00.53.H48-220921-0099 (tối đa {MAX_CODE} ký tự)"
    ),
    OpenApiParameter(
        "id_number",
        str,
        required=False,
        description=f"Số CCCD (hoặc mã số thuế) của người nộp; hoặc dùng phone (tối đa {MAX_ID_NUMBER} ký tự)",
    ),
    OpenApiParameter(
        "phone",
        str,
        required=False,
        description=f"Số điện thoại của người nộp (0912345678 hoặc +84 912 345 678; tối đa {MAX_PHONE} ký tự)",
    ),
]


RESPONSES = {
    200: LookupResultSerializer,
    400: OpenApiResponse(ERROR_REF, description="missing code, or neither id_number nor phone; too long"),
    404: OpenApiResponse(ERROR_REF, description="unknown code or wrong pair (the same answer)"),
    429: OpenApiResponse(ERROR_REF, description="too many lookups; Retry-After says how many seconds to wait"),
}
EXAMPLES = [
    OpenApiExample(
        "not found",
        value={"code": "not_found", "detail": "Không tìm thấy hồ sơ với thông tin đã nhập."},
        status_codes=["404"],
        response_only=True,
    ),
    OpenApiExample(
        "throttled",
        value={"code": "throttled", "detail": "Bạn đã tra cứu quá nhiều lần; vui lòng thử lại sau 42 giây."},
        status_codes=["429"],
        response_only=True,
    ),
]


class DossierLookupView(APIView):
    """Tra cứu hồ sơ bằng mã hồ sơ và số CCCD (hoặc số điện thoại) của người nộp; không cần đăng nhập."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LookupThrottle]

    @extend_schema(
        operation_id="dossier_lookup",
        tags=["dossiers"],
        summary="Tra cứu hồ sơ (công khai)",
        description=(
            "Without login. A wrong ID number/phone answers exactly like an unknown code (404). Personal data in "
            "the answer is masked. Rate-limited per client (LOOKUP_RATE): 429 with a Retry-After header (seconds)."
        ),
        parameters=PARAMETERS,
        responses=RESPONSES,
        examples=EXAMPLES,
    )
    def get(self, request):
        return self._answer(request.query_params)

    @extend_schema(
        operation_id="dossier_lookup_post",
        tags=["dossiers"],
        summary="Tra cứu hồ sơ (công khai), thông tin trong thân yêu cầu",
        description=(
            "The same lookup with the code and the ID number or phone in the body (JSON or a form), so that they stay "
            "out of URLs — browser history, proxy and server access logs. The lookup page uses it."
        ),
        request={"application/json": LookupQuerySerializer, "application/x-www-form-urlencoded": LookupQuerySerializer},
        responses=RESPONSES,
        examples=EXAMPLES,
    )
    def post(self, request):
        data = request.data if hasattr(request.data, "get") else {}
        return self._answer({name: data.get(name) for name in ("code", "id_number", "phone")})

    @staticmethod
    def _answer(params) -> Response:
        def text(name):
            value = params.get(name)
            return value if isinstance(value, str) or value is None else str(value)

        result = dossier_lookup(code=text("code"), id_number=text("id_number"), phone=text("phone"))
        return Response(LookupResultSerializer(result).data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)  # personal (if masked) data: never cached
        return response
