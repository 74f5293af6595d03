"""How much a request may send: refused from its declared length (413) before anything reads the body.

Django reads a request's body only as far as its ``Content-Length`` (a body sent without one, chunked, reads as
empty), so the declared length is what would be read: a file upload larger than a dossier may hold is refused before
it is streamed to a temporary file, and a JSON body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before DRF parses it
in memory (DRF's parsers read the stream directly, past Django's own check). A reverse proxy should cap bodies too;
this keeps the portal safe without one.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.translation import gettext as _

from portal.common.errors import json_error

#: Room for the non-file fields and the multipart boundaries around a filing's files.
FORM_OVERHEAD_BYTES = 1024 * 1024


def request_limit(content_type: str) -> int:
    """The largest body accepted: a dossier's documents (plus the form) for multipart, else the in-memory limit."""
    if content_type.lower().startswith("multipart/"):
        return settings.DOSSIER_DOCUMENTS_MAX_BYTES + FORM_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestSizeLimitMiddleware:
    """413 for a request whose declared body is larger than :func:`request_limit` (after ``LocaleMiddleware``, so
    that the message is in the client's language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0  # Django reads an invalid length as no body
        limit = request_limit(request.META.get("CONTENT_TYPE", ""))
        if size <= limit:
            return self.get_response(request)
        detail = _("Dữ liệu gửi lên quá lớn: %(size)s, tối đa %(limit)s.") % {
            "size": filesizeformat(size),
            "limit": filesizeformat(limit),
        }
        if request.path.startswith("/api/"):
            response = json_error(request, "request_too_large", detail, 413)
        else:
            response = HttpResponse(f"<!doctype html><title>413</title><p>{escape(detail)}</p>", status=413)
        response["Connection"] = "close"  # the body was not read: the connection cannot carry another request
        return response
