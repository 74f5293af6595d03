"""Rate limits per client address for the public, costly endpoints (lookup, old-address conversion), and the
answer to a client whose log-ins are locked out (django-axes: ``AXES_*`` in settings).

The history lives in the default cache — Redis in production, so every web process shares it — and an endpoint over
its rate answers 429 with ``Retry-After``. The client is ``REMOTE_ADDR``; ``X-Forwarded-For`` is believed only behind
``TRUSTED_PROXY_COUNT`` proxies of our own (the default 0 ignores it: a client could write anything there).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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


def minutes_of(seconds: int) -> int:
    """A wait in whole minutes, rounded up, at least one: what a person is told to wait."""
    return max(1, math.ceil(seconds / 60))


class ClientAddressThrottle(SimpleRateThrottle):
    """The rate in ``settings.<rate_setting>`` (e.g. ``20/min``) per client address, counted on every request,
    valid or not. Subclasses name their ``scope`` and ``rate_setting``, and say in ``limited_message`` what was
    limited: the 429 carries that sentence and ``"limited": scope`` (``portal.common.errors.exception_handler``)."""

    rate_setting = ""
    limited_message = gettext_lazy("Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau %(seconds)d giây.")

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if not allowed and getattr(request, "throttled_by", None) is None:
            request.throttled_by = self  # the first throttle that refused: what the 429 names
        return allowed

    #: the message counts in minutes (``%(minutes)d``) rather than seconds: for windows of an hour
    in_minutes = False

    def limited_detail(self, seconds: int) -> str:
        if self.in_minutes:
            return str(self.limited_message) % {"minutes": minutes_of(seconds)}
        return str(self.limited_message) % {"seconds": seconds}


class FailureLimit(ClientAddressThrottle):
    """Failures per client address (not every request): the caller asks ``blocked_for`` before it checks a credential
    and calls ``record_failure`` after one failed. An address at the rate waits until its oldest failure leaves the
    window; while it waits nothing is checked, so its failures are not counted either."""

    def blocked_for(self, request) -> int:
        """Seconds this address must wait before trying again (0: it may try)."""
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return max(1, math.ceil(self.wait() or 0))
        return 0

    def record_failure(self, request) -> int:
        """Count one failure; the seconds the address must now wait (0: it may try again)."""
        self.allow_request(request, None)
        return self.blocked_for(request)


class LoginAddressLimit(FailureLimit):
    """Failed password checks per client address, whatever identifiers they tried: ``settings.LOGIN_ADDRESS_RATE``
    (default ``100/hour``), on every log-in (the citizens' page, the admin's, HTTP Basic). django-axes locks an
    identifier at one address after ``AXES_FAILURE_LIMIT`` failures; this stops one address from trying a common
    password on many CCCD numbers (generous, for the many people behind one mobile carrier's address). A locked
    address sees the same 429 as an axes lock-out (``portal.common.authentication.LoginLimitBackend``)."""

    scope = "login_address"
    rate_setting = "LOGIN_ADDRESS_RATE"


class TokenFailureLimit(FailureLimit):
    """Refused API tokens per client address: ``settings.TOKEN_FAILURE_RATE`` (default ``20/hour``). At the rate the
    address is locked out: no token it sends is even looked up (a right one neither) until the oldest failure leaves
    the window; the API answers 429 with ``Retry-After`` (``portal.common.authentication.LimitedTokenAuthentication``).
    """

    scope = "token"
    rate_setting = "TOKEN_FAILURE_RATE"
    limited_message = gettext_lazy(
        "Mã truy cập (token) sai quá nhiều lần từ địa chỉ này; vui lòng thử lại sau %(minutes)d phút."
    )
    in_minutes = True


def login_locked_out(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: too many failed log-ins for this user name from this address, or from this address
    whatever the user names (``LoginAddressLimit``). A 429 that names log-in as what was limited, with
    ``Retry-After``: JSON on the API, a page elsewhere."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    seconds = max(1, math.ceil(cool_off.total_seconds())) if cool_off else 0
    # the address's own limit (``LoginAddressLimit``) may hold it longer than django-axes' cool-off
    seconds = max(seconds, getattr(request, "login_address_wait", 0) or 0)
    if seconds:
        message = _("Bạn đã đăng nhập sai quá nhiều lần; vui lòng thử lại sau %(minutes)d phút.") % {
            "minutes": minutes_of(seconds)
        }
    else:
        message = _("Bạn đã đăng nhập sai quá nhiều lần; tài khoản tạm bị khóa, hãy liên hệ quản trị viên.")
    if request.path.startswith("/api/"):
        from portal.common.errors import json_error

        response = json_error(request, "throttled", message, 429, limited="login")
    else:
        response = render(request, "login_locked.html", {"message": message}, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
