"""Citizen pages of the dossier app.

``/tra-cuu/`` — the public lookup page (the QR code of every printed slip points to ``/tra-cuu/?code=<code>``). With
JavaScript the form asks ``POST /api/lookup/`` (``static/js/lookup.js``; the ID number stays out of URLs); without
it the form posts to this page, which calls the same selector under the same throttle and renders the same markup.
"""

from __future__ import annotations

import math

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dossiers.api.lookup import LookupThrottle
from dossiers.lookup import MAX_CODE, LookupNotFound, dossier_lookup
from portal.common.errors import InvalidInput


def _field_errors(fields: dict) -> dict[str, str]:
    """The page shows one message under the code and one under the applicant's pair (ID number or phone)."""
    pair: list[str] = []
    for name in ("id_number", "phone"):
        for message in fields.get(name, []):
            if str(message) not in pair:
                pair.append(str(message))
    return {"code": " ".join(str(m) for m in fields.get("code", [])), "pair": " ".join(pair)}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def lookup_page(request):
    source = request.POST if request.method == "POST" else request.GET
    form = {
        "code": source.get("code", "")[: MAX_CODE * 2],
        "id_number": source.get("id_number", "")[:40] if request.method == "POST" else "",
        "phone": source.get("phone", "")[:40] if request.method == "POST" else "",
    }
    context = {"form": form, "result": None, "message": "", "errors": {}}
    status = 200
    if request.method == "POST":
        throttle = LookupThrottle()
        if not throttle.allow_request(request, None):
            seconds = max(1, math.ceil(throttle.wait() or 0))
            context["message"] = throttle.limited_detail(seconds)
            response = render(request, "lookup.html", context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        try:
            context["result"] = dossier_lookup(code=form["code"], id_number=form["id_number"], phone=form["phone"])
        except InvalidInput as exc:
            context["message"] = exc.detail
            context["errors"] = _field_errors(exc.extra.get("fields", {}))
            status = 400
        except LookupNotFound as exc:
            context["message"] = exc.detail
            status = 404
    return render(request, "lookup.html", context, status=status)
