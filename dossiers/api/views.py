"""The dossier REST API: create, list, detail, and one POST per workflow action.

Every response about one dossier carries its version as an ``ETag``; an action sent with a stale ``If-Match``
gets a 409 and changes nothing. Filing with an ``Idempotency-Key`` already used by the same user returns the first
dossier.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from communes.selectors import centre_by_agency_code
from dossiers import selectors, services
from dossiers.api import serializers as s
from dossiers.api.filters import DossierFilter
from dossiers.api.http import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    expected_version,
    filing_data,
    filing_documents,
    paper_items,
    with_etag,
)
from dossiers.models import Channel
from dossiers.workflow import Action
from portal.common.errors import InvalidInput
from portal.common.openapi import ERROR_REF

ERROR_EXAMPLES = [
    OpenApiExample(
        "stale version",
        value={"code": "stale_version", "detail": "Hồ sơ đã được cập nhật …", "version": 3},
        status_codes=["409"],
        response_only=True,
    ),
    OpenApiExample(
        "invalid transition",
        value={"code": "invalid_transition", "detail": "Không thể …", "state": "filed"},
        status_codes=["409"],
        response_only=True,
    ),
    OpenApiExample(
        "forbidden",
        value={"code": "forbidden", "detail": "Bạn không có quyền …"},
        status_codes=["403"],
        response_only=True,
    ),
    OpenApiExample(
        "not found",
        value={"code": "not_found", "detail": "Không tìm thấy."},
        status_codes=["404"],
        response_only=True,
    ),
    OpenApiExample(
        "invalid input",
        value={"code": "reason_required", "detail": "Thao tác cần ghi rõ lý do.", "fields": {"reason": ["…"]}},
        status_codes=["400"],
        response_only=True,
    ),
]


def _centre_id(agency_code: str, field: str) -> int | None:
    if not agency_code:
        return None
    centre = centre_by_agency_code(agency_code)
    if centre is None:
        message = _("Không có trung tâm với mã %(code)s.") % {"code": agency_code}
        raise InvalidInput(message, extra={"fields": {field: [message]}})
    return centre.pk


def _action_schema(action_name: Action, body):
    return extend_schema(
        operation_id=f"dossier_{action_name.value}",
        request=body,
        parameters=[IF_MATCH],
        responses={
            200: s.DossierDetailSerializer,
            400: OpenApiResponse(ERROR_REF, description="invalid input"),
            403: OpenApiResponse(ERROR_REF, description="role may not act"),
            404: OpenApiResponse(ERROR_REF, description="unknown or out of scope"),
            409: OpenApiResponse(ERROR_REF, description="invalid transition or stale version"),
        },
        examples=ERROR_EXAMPLES,
    )


class DossierViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    filterset_class = DossierFilter
    ordering_fields = ["filed_at", "received_at", "due_at", "finished_at", "code"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.dossier_list(user=self.request.user)

    def get_serializer_class(self):
        return s.DossierListSerializer

    @extend_schema(responses=s.DossierListSerializer(many=True))
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.DossierListSerializer(page, many=True).data)

    @extend_schema(responses=s.DossierDetailSerializer)
    def retrieve(self, request, pk=None):
        dossier = selectors.dossier_get(user=request.user, dossier_id=int(pk))
        return with_etag(Response(s.DossierDetailSerializer(dossier, context={"request": request}).data), dossier)

    @extend_schema(
        description="Nộp hồ sơ trực tuyến (hoặc qua bưu chính), hoặc tiếp nhận tại quầy (channel direct). Nộp trực "
        "tuyến cần một tệp cho mỗi thành phần bắt buộc: gửi multipart/form-data với documents (các tệp), "
        "components[i] và original_scans[i] cho documents[i]; applicant là một phần JSON. Gửi JSON (không kèm tệp) "
        "thủ tục có thành phần bắt buộc: 400 missing_components liệt kê chúng. Tiếp nhận tại quầy cũng phải đủ mọi "
        "thành phần bắt buộc, nhận bản giấy (paper_components) hoặc bản quét (documents): thiếu thì hồ sơ không được "
        "tiếp nhận — 400 missing_components kèm guidance_url (phiếu hướng dẫn hoàn thiện hồ sơ để in cho người nộp). "
        "Idempotency-Key áp dụng cho cả hai kênh: gửi lại cùng khóa (cùng người dùng) trả về hồ sơ đầu tiên "
        "(200), không tạo hồ sơ thứ hai, không cấp mã thứ hai.",
        request={"application/json": s.DossierCreateSerializer, "multipart/form-data": s.DossierFilingFormSerializer},
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: s.DossierDetailSerializer,
            200: s.DossierDetailSerializer,
            400: OpenApiResponse(ERROR_REF, description="invalid input, missing components"),
        },
        examples=[
            OpenApiExample(
                "birth registration filed online",
                value={
                    "procedure": "1.001193",
                    "applicant": {
                        "name": "Nguyễn Thị Hoa",
                        "id_number": "025190001234",
                        "phone": "0912345678",
                        "email": "hoa@example.vn",
                        "address": "Khu 3, phường Việt Trì",
                    },
                    "reception_centre": "079.00.00.H25",
                    "channel": "online",
                },
                request_only=True,
            ),
            OpenApiExample(
                "counter reception without a mandatory component",
                value={
                    "code": "missing_components",
                    "detail": "Chưa đủ thành phần hồ sơ bắt buộc: Tờ khai đăng ký khai sinh. Hồ sơ chưa được "
                    "tiếp nhận.",
                    "fields": {"paper_components": ['Chưa nhận "Tờ khai đăng ký khai sinh".']},
                    "missing_components": [{"id": 12, "name": "Tờ khai đăng ký khai sinh"}],
                    "guidance_url": "/can-bo/huong-dan/1.001193/?thieu=12",
                },
                status_codes=["400"],
                response_only=True,
            ),
            *ERROR_EXAMPLES,
        ],
    )
    def create(self, request):
        payload = s.DossierCreateSerializer(data=filing_data(request))
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        uploads = filing_documents(request)
        places = {
            "procedure_code": data["procedure"],
            "applicant": data["applicant"],
            "reception_centre_id": _centre_id(data["reception_centre"], "reception_centre"),
            "return_centre_id": _centre_id(data.get("return_centre", ""), "return_centre"),
            "return_method": data["return_method"],
            "return_address": data.get("return_address", ""),
            "commune_code": data.get("commune") or None,
            "channel": data["channel"],
        }
        key = request.headers.get("Idempotency-Key")
        if data["channel"] == Channel.DIRECT:
            paper = paper_items(data.get("paper_components"))
            dossier = services.dossier_receive_at_counter(
                actor=request.user, paper_components=paper, documents=uploads, idempotency_key=key, **places
            )
        else:
            dossier = services.dossier_file(actor=request.user, idempotency_key=key, documents=uploads, **places)
        created = not getattr(dossier, "replayed", False)
        if created:  # the service holds the whole new dossier (its places, its one event, its files)
            dossier = selectors.dossier_detail_of(dossier, known=dossier.rows_written)
        else:  # the first filing's dossier, as it is now
            dossier = selectors.dossier_get(user=request.user, dossier_id=dossier.pk)
        body = s.DossierDetailSerializer(dossier, context={"request": request}).data
        return with_etag(Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK), dossier)

    def _act(self, request, pk, action_name: Action, body_class, **mapping):
        payload = body_class(data=request.data)
        payload.is_valid(raise_exception=True)
        kwargs = {mapping.get(k, k): v for k, v in payload.validated_data.items()}
        service = services.SERVICES[action_name]
        version = expected_version(request)
        # the answer is the dossier the service locked and changed, its lists read before the lock is released:
        # fields, events and ETag are the same version
        with transaction.atomic():
            dossier = service(dossier_id=int(pk), actor=request.user, expected_version=version, **kwargs)
            selectors.dossier_detail_of(dossier)
        return with_etag(Response(s.DossierDetailSerializer(dossier, context={"request": request}).data), dossier)

    @_action_schema(Action.RECEIVE, None)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        return self._act(request, pk, Action.RECEIVE, s.serializers.Serializer)

    @_action_schema(Action.REFUSE, s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._act(request, pk, Action.REFUSE, s.ReasonSerializer)

    @_action_schema(Action.TRANSFER, s.NoteSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        return self._act(request, pk, Action.TRANSFER, s.NoteSerializer)

    @_action_schema(Action.ASSIGN, s.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(request, pk, Action.ASSIGN, s.AssignSerializer, handler="handler_id")

    @_action_schema(Action.REQUEST_SUPPLEMENT, s.RequestSupplementSerializer)
    @action(detail=True, methods=["post"], url_path="request-supplement")
    def request_supplement(self, request, pk=None):
        return self._act(request, pk, Action.REQUEST_SUPPLEMENT, s.RequestSupplementSerializer)

    @_action_schema(Action.SUPPLEMENT, s.NoteSerializer)
    @action(detail=True, methods=["post"])
    def supplement(self, request, pk=None):
        return self._act(request, pk, Action.SUPPLEMENT, s.NoteSerializer)

    @_action_schema(Action.REQUEST_PAYMENT, s.RequestPaymentSerializer)
    @action(detail=True, methods=["post"], url_path="request-payment")
    def request_payment(self, request, pk=None):
        return self._act(request, pk, Action.REQUEST_PAYMENT, s.RequestPaymentSerializer)

    @_action_schema(Action.CONFIRM_PAYMENT, s.ConfirmPaymentSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-payment")
    def confirm_payment(self, request, pk=None):
        return self._act(request, pk, Action.CONFIRM_PAYMENT, s.ConfirmPaymentSerializer)

    @_action_schema(Action.WITHDRAW, s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._act(request, pk, Action.WITHDRAW, s.ReasonSerializer)

    @_action_schema(Action.CONFIRM_WITHDRAWAL, None)
    @action(detail=True, methods=["post"], url_path="confirm-withdrawal")
    def confirm_withdrawal(self, request, pk=None):
        return self._act(request, pk, Action.CONFIRM_WITHDRAWAL, s.serializers.Serializer)

    @_action_schema(Action.STOP, s.ReasonSerializer)
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        return self._act(request, pk, Action.STOP, s.ReasonSerializer)

    @_action_schema(Action.DECIDE, s.DecideSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        return self._act(request, pk, Action.DECIDE, s.DecideSerializer)

    @_action_schema(Action.RETURN, s.NoteSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_result(self, request, pk=None):
        return self._act(request, pk, Action.RETURN, s.NoteSerializer)

    @_action_schema(Action.EXTEND, s.ExtendSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        return self._act(request, pk, Action.EXTEND, s.ExtendSerializer)

    @_action_schema(Action.RATE, s.RateSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        return self._act(request, pk, Action.RATE, s.RateSerializer)
