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


@register.simple_tag
def inline_stylesheet(path: str) -> str:
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
    return mark_safe(f"<style>{cached[1]}</style>")  # noqa: S308 (our own stylesheet, "</" escaped)
