"""Security headers beyond what Django's ``SecurityMiddleware`` and django-csp set (settings, "Security").

* ``PermissionsPolicyMiddleware``: ``Permissions-Policy`` (``settings.PERMISSIONS_POLICY``) on every answer — no page
  of the portal uses the camera, the microphone, the location or the like, so none may, nor anything it frames.
* ``standalone_page_policy``: the Content-Security-Policy of a page that must render without the database, the
  session or any other request (the 500 and 503 pages): its own ``<style>`` blocks, by their hashes, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re

from django.conf import settings

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every answer that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def standalone_page_policy(html: str) -> str:
    """A policy for ``html`` that lets its own inline ``<style>`` blocks apply (by their SHA-256) and loads or runs
    nothing else; it may not be framed, nor post anywhere."""
    styles = " ".join(dict.fromkeys(_hash(block) for block in _STYLE.findall(html))) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
