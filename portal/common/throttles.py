"""Rate limits per client address for the public, costly endpoints (lookup, old-address conversion).

The history lives in the default cache — Redis in production, so every web process shares it — and an endpoint over
its rate answers 429 with ``Retry-After``. The client is ``REMOTE_ADDR``; ``X-Forwarded-For`` is believed only behind
``TRUSTED_PROXY_COUNT`` proxies of our own (the default 0 ignores it: a client could write anything there).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


def client_ip(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or the entry our ``TRUSTED_PROXY_COUNT``-th proxy appended."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies > 0 and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))][:64]
    return remote[:64]


class ClientAddressThrottle(SimpleRateThrottle):
    """The rate in ``settings.<rate_setting>`` (e.g. ``20/min``) per client address, counted on every request,
    valid or not. Subclasses name their ``scope`` and ``rate_setting``."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
