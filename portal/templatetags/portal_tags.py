"""Template tags of the pages.

``{% inline_stylesheet "css/portal.css" %}`` puts the stylesheet into the page itself. On a weak rural link (slow 3G:
about 2 s per request before the first byte) a linked stylesheet is a second round trip that blocks the first
paint; inlined, the page is readable as soon as its HTML arrives. The whole stylesheet is a few kilobytes once
compressed, so nothing is gained by caching it separately. Read once per process (again when the file changes, in
development): from the collected files in production (``collectstatic``), through the finders otherwise.
"""

from __future__ import annotations

import os
import threading

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.safestring import mark_safe

register = template.Library()
_cache: dict[str, tuple[float, str]] = {}
_lock = threading.Lock()


def _source(path: str) -> str | None:
    if settings.IS_PRODUCTION:
        return staticfiles_storage.path(path)
    return finders.find(path)


@register.simple_tag(takes_context=True)
def inline_stylesheet(context, path: str) -> str:
    """The stylesheet in a ``<style>`` element carrying the request's Content-Security-Policy nonce (django-csp adds
    it to ``style-src``): the policy allows no other inline style."""
    source = _source(path)
    if source is None:
        raise template.TemplateSyntaxError(f"no static file {path}")
    mtime = os.stat(source).st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is None or cached[0] != mtime:
            with open(source, encoding="utf-8") as handle:
                css = handle.read()
            cached = _cache[path] = (mtime, css.replace("</", "<\\/"))
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None)
    # (django-csp's lazy nonce is falsy until read: compared with None, then read by the f-string)
    attribute = f' nonce="{nonce}"' if nonce is not None else ""
    return mark_safe(f"<style{attribute}>{cached[1]}</style>")  # noqa: S308 (our own stylesheet, "</" escaped)
