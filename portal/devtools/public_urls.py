"""Every URL the portal routes, and which of them answer a visitor who is not logged in.

``python -m portal.devtools.public_urls`` (with the settings of the process to check, e.g. production's) walks the
URL configuration, fills each parameter with a placeholder, sends an anonymous GET over HTTPS to each, and prints a
JSON list of ``{"route", "status", "public"}``. A route is *protected* when it answers 401 or 403, or its redirects
lead the visitor to a log-in page; anything else — 200, 400, 404 of a missing object, 405 for a method it does not
take — is reachable without log-in: DRF checks permissions before it looks at the method or the object, Django's
admin before it renders anything. ``portal/tests/test_public_urls.py`` compares the public ones with the set the
README documents.
"""

from __future__ import annotations

import json
import re
import sys

#: Values tried for a parameter until the route matches: an id, a form number, a code, an app label.
PLACEHOLDERS = ("1", "01", "1.001193", "dossiers")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _display(pattern) -> str:
    """``api/communes/<code>/`` for a route, the same shape for a regular expression."""
    text = str(pattern)
    if text.startswith("^") or text.endswith("$"):
        text = _GROUP.sub(r"<\1>", text)
        text = text.replace("\\Z", "").replace("/?$", "/").strip("^$").replace("\\.", ".")
    return _CONVERTER.sub(r"<\1>", text)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        route = prefix + _display(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, (f"{namespace}{entry.name}" if entry.name else None)


def _concrete(route: str, name: str | None) -> str | None:
    """A path that this route really matches, with placeholders for its parameters; ``None`` when none fits."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    params = _CONVERTER.findall(route)
    for placeholder in PLACEHOLDERS:
        if name:
            try:
                return reverse(name, kwargs={param: placeholder for param in params})
            except NoReverseMatch:
                continue
        path = "/" + _CONVERTER.sub(placeholder, route)
        try:
            resolve(path)
        except Resolver404:
            continue
        return path
    return None


def _is_protected(response) -> bool:
    """401 or 403, or a redirect (followed) through a log-in page: the portal's (``LOGIN_URL``) or the admin's."""
    from django.conf import settings
    from django.shortcuts import resolve_url

    if response.status_code in (401, 403):
        return True
    login_pages = (resolve_url(settings.LOGIN_URL), "/admin/login/")
    return any(location.split("?", 1)[0] in login_pages for location, _status in response.redirect_chain)


def survey() -> list[dict]:
    from django.conf import settings
    from django.test import Client
    from django.urls import get_resolver

    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost").lstrip(".")
    client = Client(raise_request_exception=False)
    rows, seen = [], set()
    for route, name in _walk(get_resolver().url_patterns):
        if route in seen:
            continue
        seen.add(route)
        path = _concrete(route, name)
        if path is None:
            rows.append({"route": route, "status": None, "public": None})
            continue
        response = client.get(path, secure=True, follow=True, HTTP_HOST=host)
        rows.append({"route": route, "status": response.status_code, "public": not _is_protected(response)})
    return rows


def main() -> int:
    import django

    django.setup()
    json.dump(survey(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
