"""Which language a request is answered in: the person's choice, never their browser's guess.

Many people here keep their phone in English while reading Vietnamese best, so nothing a browser sends by itself
decides the language. The order is:

1. on the REST API (``/api/``), an ``Accept-Language`` header on a request that is not a browser navigation:
   integrators choose it explicitly, and the portal's own pages send the page's language with every call they make
   (``static/js/portal.js``). A navigation (``Sec-Fetch-Mode: navigate``: a slip or a document opened from a page,
   the browsable API) carries the browser's own header, which is ignored like on any page;
2. the language the person picked on the site (the ``django_language`` cookie the switch sets);
3. for a logged-in person, the language saved in their profile (``User.language``), which log-in copies into the
   session (:data:`SESSION_KEY`);
4. Vietnamese.

This replaces Django's ``LocaleMiddleware`` (which would take the browser's header for pages) and must sit where it
sat: after the sessions, before anything that writes a message.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"
SESSION_KEY = "language"


def supported(code: str | None) -> str | None:
    """The supported language a code names (``en-US`` → ``en``), or ``None``."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


def _from_header(header: str) -> str | None:
    for accepted, _quality in translation.trans_real.parse_accept_lang_header(header):
        if accepted == "*":
            break
        found = supported(accepted)
        if found:
            return found
    return None


def chosen_language(request) -> str:
    """The language of this request (see the module's docstring for the order)."""
    if request.path_info.startswith(API_PREFIX) and request.headers.get("Sec-Fetch-Mode") != "navigate":
        found = _from_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        if found:
            return found
    found = supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if found:
        return found
    session = getattr(request, "session", None)
    if session is not None:
        found = supported(session.get(SESSION_KEY))
        if found:
            return found
    return settings.LANGUAGE_CODE


class PersonLanguageMiddleware:
    """Activate :func:`chosen_language` for the request (a stand-in for ``LocaleMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        else:
            patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def remember_language(request, response, language: str) -> None:
    """Keep a person's choice: in the cookie (for this browser) and in the session (for this log-in)."""
    language = supported(language) or settings.LANGUAGE_CODE
    if getattr(request, "session", None) is not None:
        request.session[SESSION_KEY] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    translation.activate(language)
