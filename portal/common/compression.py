"""Compressed answers for weak links: HTML pages and JSON shrink to about a quarter on the wire.

Django's ``GZipMiddleware`` (with its BREACH mitigation: random bytes in the gzip header, Django ≥ 4.2), limited to
text: scanned documents and PDF slips are already compressed and are passed through untouched. Static files are
compressed ahead of time by WhiteNoise (``collectstatic``), not here.
"""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware

TEXT_MARKERS = ("json", "javascript", "xml", "openapi")


def compressible(content_type: str) -> bool:
    """Text: HTML, CSS, JSON (any ``+json``), JavaScript, XML/SVG, the OpenAPI schema."""
    content_type = content_type.lower()
    return content_type.startswith("text/") or any(marker in content_type for marker in TEXT_MARKERS)


class GZipTextMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not compressible(response.get("Content-Type", "")):
            return response
        return super().process_response(request, response)
