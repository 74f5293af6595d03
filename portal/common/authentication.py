"""Authentication pieces of the portal, and what guards them against guessing.

* Passwords (the citizens' log-in page, the admin's, HTTP Basic on the API outside production) go through Django's
  ``authenticate()``: ``LoginLimitBackend``, first in ``AUTHENTICATION_BACKENDS``, refuses a user name locked at this
  address by django-axes (``AXES_FAILURE_LIMIT`` failures) and an address over ``LOGIN_ADDRESS_RATE`` failures
  whatever the user names; both answer 429 with ``Retry-After`` (``portal.common.throttles.login_locked_out``).
* API tokens (``Authorization: Token …``; issued in the admin, never by an endpoint): ``LimitedTokenAuthentication``
  counts the refused ones per address and locks the address out at ``TOKEN_FAILURE_RATE``.
* Every failure — a wrong password, an unknown user name, a refused token, an attempt refused by a lock-out — is a
  row of django-axes' "access failures" (``AccessFailureLog``, in the admin) with the time, the client address, the
  path, the browser and whether it was locked out, and a log line; the identifier tried is masked in both
  (``mask_identifier``: user names may be CCCD or phone numbers), and a token is never written anywhere.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, TokenAuthentication, get_authorization_header

from portal.common.throttles import LoginAddressLimit, TokenFailureLimit, client_ip

logger = logging.getLogger("portal.security")

#: what a refused token is recorded under in the failure log (the token itself never is)
TOKEN_LABEL = "[token]"  # noqa: S105 (a label, no secret)
_MASK = "•"
#: the request attributes django-axes and the address limit leave for ``AxesMiddleware`` to answer with a 429
LOCKOUT_MARKS = ("axes_locked_out", "axes_credentials", "login_address_wait")


def mask_identifier(value: str | None) -> str:
    """A log-in identifier as it may be written down: a number (CCCD, phone, tax code) keeps its first three and last
    two digits (``025•••••••12``), an e-mail address its first letter and its domain; another user name (staff,
    demo accounts) is kept, cut to 64 characters."""
    text = (value or "").strip()
    if not text:
        return ""
    if "@" in text:
        local, _at, domain = text.rpartition("@")
        return f"{local[:1]}{_MASK * 3}@{domain[:60]}"
    if len(re.findall(r"\d", text)) >= 6:
        compact = re.sub(r"[\s.+-]", "", text)
        if len(compact) <= 6:
            return _MASK * len(compact)
        return compact[:3] + _MASK * (len(compact) - 5) + compact[-2:]
    return text[:64]


def client_description(username, ip_address, user_agent, path_info, request) -> str:
    """``AXES_CLIENT_STR_CALLABLE``: how django-axes names a client in its log lines, the user name masked."""
    if isinstance(path_info, tuple | list):
        path_info = path_info[0] if path_info else ""
    return f'{{username: "{mask_identifier(username)}", ip_address: "{ip_address}", path_info: "{path_info}"}}'


def _django_request(request):
    """The Django request under DRF's wrapper (or the request itself)."""
    return getattr(request, "_request", request)


def _valid_address(text: str) -> str | None:
    """The client address as the failure log's column takes it, or ``None`` (a forwarded value that is no address)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _text(value: str, length: int) -> str:
    return value.replace("\0", "")[:length]


def record_failure(request, *, identifier: str, locked_out: bool) -> None:
    """One failed authentication: a row of django-axes' failure log (the admin's "Access failures") and a log line,
    the identifier masked."""
    from portal.accounts.services import access_failure_record

    django_request = _django_request(request)
    masked = mask_identifier(identifier) if identifier != TOKEN_LABEL else identifier
    address = _valid_address(client_ip(django_request))
    path = _text(django_request.path, 255)
    access_failure_record(
        username=masked,
        ip_address=address,
        user_agent=_text(django_request.META.get("HTTP_USER_AGENT", ""), 255),
        http_accept=_text(django_request.META.get("HTTP_ACCEPT", ""), 1025),
        path_info=path,
        locked_out=locked_out,
    )
    logger.warning(
        "authentication failed: %s from %s on %s%s", masked or "-", address, path, " (locked out)" if locked_out else ""
    )


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Receiver of ``user_login_failed`` (every failed ``authenticate()`` with a request, after django-axes' own):
    counts the failure against the address and records it."""
    if request is None:  # a management command or the test client's login(): no client
        return
    if not getattr(request, "login_address_wait", 0):  # refused for the address: nothing was checked
        LoginAddressLimit().record_failure(request)
    record_failure(
        request,
        identifier=str(credentials.get("username") or ""),
        locked_out=bool(getattr(request, "axes_locked_out", False) or getattr(request, "login_address_wait", 0)),
    )


class LoginLimitBackend(AxesStandaloneBackend):
    """First in ``AUTHENTICATION_BACKENDS``: a user name locked at this address (django-axes), or an address over
    ``LOGIN_ADDRESS_RATE`` failed log-ins (``LoginAddressLimit``), is refused before any password is compared, and
    ``AxesMiddleware`` answers with the 429. A password check without a request (a management command, the test
    client's ``login``) comes from no client address and is not counted; django-axes alone would refuse it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        wait = LoginAddressLimit().blocked_for(request)
        if wait:
            request.login_address_wait = wait
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("too many failed log-ins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


class LimitedBasicAuthentication(BasicAuthentication):
    """DRF's Basic authentication (development only: settings leave it out in production), whose failed passwords
    count towards the log-in limits like the log-in form's.

    django-axes and the address limit mark the request they are given as locked out, and ``AxesMiddleware`` answers
    such a request with the 429; DRF hands the backends its own ``Request`` wrapper, so the marks are copied to the
    Django request that the middleware sees."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        finally:
            django_request = getattr(request, "_request", None)
            if django_request is not None:
                for name in LOCKOUT_MARKS:
                    if name in vars(request):
                        setattr(django_request, name, vars(request)[name])


class LimitedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, limited per client address: ``TOKEN_FAILURE_RATE`` refused tokens (unknown, of an
    inactive account, or a malformed header) lock the address out — that failure and every token request after it
    until the window frees a place answer 429 with ``Retry-After`` and ``"limited": "token"``, without looking the
    token up. Requests without a token (sessions, the public endpoints) are not concerned."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        limit = TokenFailureLimit()
        wait = limit.blocked_for(request)
        if wait:
            self._refuse(request, limit, wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            wait = limit.record_failure(request)
            record_failure(request, identifier=TOKEN_LABEL, locked_out=bool(wait))
            if wait:
                self._refuse(request, limit, wait)
            raise

    @staticmethod
    def _refuse(request, limit: TokenFailureLimit, wait: int):
        request.throttled_by = limit  # the 429 names it (portal.common.errors.exception_handler)
        raise exceptions.Throttled(wait=wait)
