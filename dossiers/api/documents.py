"""Dossier documents over the API.

* ``GET  /api/dossiers/{id}/documents/`` — the dossier's files (outside the user's scope: 404, like an unknown id).
* ``POST /api/dossiers/{id}/documents/`` — ``multipart/form-data``: ``file``, ``component`` (empty: other),
  ``is_original_scan``, ``kind`` (``component`` | ``result``). 201 with the stored document.
* ``GET  /api/dossiers/{id}/documents/{document_id}/download/`` — the file itself, as an attachment whatever
  ``Accept`` says (``Content-Disposition`` with an ASCII fallback and the exact name per RFC 5987,
  ``X-Content-Type-Options: nosniff``, ``Cache-Control: private, no-store``); every download is recorded.
* ``POST /api/dossiers/{id}/paper-components/`` — reception records the components received on paper (form 01).

Filing with files goes through ``POST /api/dossiers/`` as ``multipart/form-data``, read by ``http.filing_documents``.
Errors are JSON ``{"code", "detail", "fields"?}`` like everywhere else.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dossiers import selectors
from dossiers.api import serializers as s
from dossiers.api.http import IF_MATCH, expected_version, paper_items
from dossiers.documents import JPEG, PDF, PNG, content_disposition, download_name
from dossiers.services import documents as document_services
from portal.common.openapi import ERROR_REF

DOSSIER_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Mã số hồ sơ (id)")
DOCUMENT_ID = OpenApiParameter("document_id", int, OpenApiParameter.PATH, description="Mã số tài liệu")
NOT_FOUND = OpenApiResponse(ERROR_REF, description="unknown or out-of-scope dossier or document")
FILE_ERRORS = [
    OpenApiExample(
        "disguised file",
        value={
            "code": "invalid_file",
            "detail": 'Tệp "giay-khai-sinh.pdf": không phải PDF, JPEG hoặc PNG hợp lệ.',
            "fields": {"file": ['Tệp "giay-khai-sinh.pdf": không phải PDF, JPEG hoặc PNG hợp lệ.']},
            "files": [{"name": "giay-khai-sinh.pdf", "reason": "not_allowed"}],
        },
        status_codes=["400"],
        response_only=True,
    ),
    OpenApiExample(
        "missing mandatory component",
        value={
            "code": "missing_components",
            "detail": "Hồ sơ còn thiếu thành phần bắt buộc: Tờ khai đăng ký khai sinh.",
            "fields": {"documents": ['Chưa có tệp cho "Tờ khai đăng ký khai sinh".']},
            "missing_components": [{"id": 12, "name": "Tờ khai đăng ký khai sinh"}],
        },
        status_codes=["400"],
        response_only=True,
    ),
]

# --- Views -----------------------------------------------------------------------------------------------


class FileOrJsonNegotiation(BaseContentNegotiation):
    """A download answers with the file whatever ``Accept`` says (no 406); errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DossierDocumentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="dossier_documents_list",
        parameters=[DOSSIER_ID],
        responses={200: s.DocumentSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, id: int):
        queryset = selectors.document_list(user=request.user, dossier_id=id)
        return Response(s.DocumentSerializer(queryset, many=True).data)

    @extend_schema(
        operation_id="dossier_documents_upload",
        description="Tải lên một tệp (PDF, JPEG, PNG, kiểm tra theo nội dung): thành phần hồ sơ — người nộp khi "
        "hồ sơ mới nộp hoặc cần bổ sung, cán bộ tiếp nhận khi scan tại quầy — hoặc kết quả giải quyết (cán bộ xử "
        "lý, lãnh đạo đơn vị). Không đổi trạng thái và phiên bản hồ sơ.",
        parameters=[DOSSIER_ID, IF_MATCH],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={
            201: s.DocumentSerializer,
            400: OpenApiResponse(ERROR_REF, description="invalid, empty, oversize, disguised or truncated file"),
            403: OpenApiResponse(ERROR_REF, description="the user may not add this kind of document"),
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR_REF, description="the dossier's state takes no documents, or stale version"),
        },
        examples=FILE_ERRORS[:1],
    )
    def post(self, request, id: int):
        payload = s.DocumentUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        document = document_services.document_upload(
            dossier_id=id,
            actor=request.user,
            file=data["file"],
            component_id=data.get("component"),
            is_original_scan=data["is_original_scan"],
            kind=data["kind"],
            expected_version=expected_version(request),
        )
        document = selectors.documents_queryset().get(pk=document.pk)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadView(APIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileOrJsonNegotiation

    @extend_schema(
        operation_id="dossier_documents_download",
        parameters=[
            DOSSIER_ID,
            DOCUMENT_ID,
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="attachment; filename=\"…\"; filename*=UTF-8''…",
            ),
        ],
        responses={
            (200, PDF): OpenApiResponse(OpenApiTypes.BINARY, description="the file (recorded as downloaded)"),
            (200, JPEG): OpenApiTypes.BINARY,
            (200, PNG): OpenApiTypes.BINARY,
            404: NOT_FOUND,
        },
    )
    def get(self, request, id: int, document_id: int):
        document, handle = document_services.document_download(
            document_id=document_id, actor=request.user, dossier_id=id
        )
        response = FileResponse(handle, content_type=document.content_type)
        response["Content-Disposition"] = content_disposition(download_name(document))
        response["Content-Length"] = str(document.size)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class PaperComponentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="dossier_paper_components",
        description="Cán bộ tiếp nhận ghi nhận giấy tờ nhận bản giấy tại quầy (bản chính / bản sao, số lượng) như "
        "mẫu 01.",
        parameters=[DOSSIER_ID, IF_MATCH],
        request=s.PaperComponentsSerializer,
        responses={
            201: s.ReceivedComponentSerializer(many=True),
            403: OpenApiResponse(ERROR_REF, description="not a reception officer of the dossier's centre"),
            404: NOT_FOUND,
            409: OpenApiResponse(ERROR_REF, description="the dossier's state takes no components, or stale version"),
        },
        examples=[
            OpenApiExample(
                "two components at the counter",
                value={
                    "items": [
                        {"component": 12, "copy_kind": "original", "count": 1},
                        {"name": "Giấy chứng sinh", "copy_kind": "copy", "count": 2},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, id: int):
        payload = s.PaperComponentsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rows = document_services.documents_mark_received_on_paper(
            dossier_id=id,
            actor=request.user,
            items=paper_items(payload.validated_data["items"]),
            expected_version=expected_version(request),
        )
        return Response(s.ReceivedComponentSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
