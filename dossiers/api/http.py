"""What the dossier endpoints read from a request and add to a response, shared by ``views`` and ``documents``.

* The dossier's version travels as an ``ETag`` (``with_etag``) and comes back in ``If-Match``
  (``expected_version``): an action on a stale version gets a 409 and changes nothing.
* Filing is sent as JSON or as ``multipart/form-data`` with its files (``filing_data``, ``filing_documents``);
  components received on paper are listed with the API's ``component`` key (``paper_items``).
"""

from __future__ import annotations

import json
import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from dossiers.api import serializers as s
from dossiers.services.documents import component_id_from
from portal.common.errors import InvalidInput

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False, description=_("Phiên bản hồ sơ (ETag) đã đọc")
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description=_("Khóa chống nộp trùng")
)


# --- The dossier's version: ETag out, If-Match in --------------------------------------------------------


def expected_version(request) -> int | None:
    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if not match:
        raise InvalidInput(_('Tiêu đề If-Match không hợp lệ: cần phiên bản hồ sơ, ví dụ "3".'), code="invalid_if_match")
    return int(match.group(1))


def with_etag(response: Response, dossier) -> Response:
    response["ETag"] = f'"{dossier.version}"'
    return response


# --- Filing with files (POST /api/dossiers/ as multipart/form-data) --------------------------------------

_FILE_PARTS = ("documents", "components", "original_scans")


def filing_data(request) -> dict:
    """The filing's fields, whether sent as JSON or as a form (``applicant`` and ``paper_components`` as JSON
    parts, or ``applicant.<field>`` parts). Files are left out: ``filing_documents`` reads them."""
    data = request.data
    if not hasattr(data, "getlist"):  # JSON
        return data
    plain = {key: data.get(key) for key in data if key not in _FILE_PARTS and not key.startswith("applicant.")}
    for key in ("applicant", "paper_components"):
        value = plain.get(key)
        if isinstance(value, str):
            try:
                plain[key] = json.loads(value)
            except ValueError:
                message = _("Phần %(part)s phải là JSON.") % {"part": key}
                raise InvalidInput(message, extra={"fields": {key: [message]}}) from None
    if "applicant" not in plain:
        dotted = {key.split(".", 1)[1]: data.get(key) for key in data if key.startswith("applicant.")}
        if dotted:
            plain["applicant"] = dotted
    return plain


def filing_documents(request) -> list[dict] | None:
    """``documents[i]`` with ``components[i]`` and ``original_scans[i]``, as ``services.dossier_file`` takes them."""
    data = request.data
    if not hasattr(data, "getlist"):
        return None
    form = s.DossierFilingFormSerializer(
        data={
            "documents": request.FILES.getlist("documents"),
            "components": data.getlist("components"),
            "original_scans": data.getlist("original_scans"),
        },
        partial=True,
    )
    form.is_valid(raise_exception=True)
    files = form.validated_data.get("documents", [])
    components = form.validated_data.get("components", [])
    scans = form.validated_data.get("original_scans", [])
    for name, values in (("components", components), ("original_scans", scans)):
        if values and len(values) != len(files):
            message = _("Cần đúng một giá trị cho mỗi tệp (%(count)d tệp).") % {"count": len(files)}
            raise InvalidInput(message, extra={"fields": {name: [message]}})
    return [
        {
            "file": upload,
            "component_id": component_id_from(components[i] if components else None, field="components"),
            "is_original_scan": bool(scans[i]) if scans else False,
        }
        for i, upload in enumerate(files)
    ]


def paper_items(items: list[dict] | None) -> list[dict] | None:
    """The API's ``component`` is the service's ``component_id``."""
    if items is None:
        return None
    return [{("component_id" if key == "component" else key): value for key, value in item.items()} for item in items]
