"""How a person proves who they are: a CCCD number, a phone or a user name, and a password.

``IdentityBackend`` (in ``AUTHENTICATION_BACKENDS`` after ``portal.common.authentication.LoginLimitBackend``, which
django-axes uses to refuse a locked-out identifier and address before any password is compared) resolves the one
identifier the log-in form asks for:

* 12 digits (CCCD) or a tax code (10 or 10-3 digits) → ``User.id_number`` (unique);
* a Vietnamese phone (``0…`` or ``+84…``, spaces and dots allowed) → ``User.phone``, only when exactly one active
  account holds that number: a phone shared by several accounts never logs into a guessed one (ten digits may be a
  tax code or a mobile number: the tax code is tried first, being unique);
* anything else → ``User.username`` (staff and demo accounts such as ``demo-congdan-1``).

A wrong identifier costs the same password hash as a wrong password (Django's ``ModelBackend`` habit), so the
timing says nothing about which part was wrong.

VNeID (OpenID Connect) — where it plugs in
------------------------------------------
VNeID cannot be reached from this network, so there is no button for it. When the province obtains a client at the
national identity platform, it is one more backend beside this one, with no change to the pages or the services:

1. ``pip install mozilla-django-oidc``; add ``"mozilla_django_oidc"`` to ``INSTALLED_APPS``.
2. A backend ``portal.accounts.backends.VNeIDBackend(mozilla_django_oidc.auth.OIDCAuthenticationBackend)`` added to
   ``AUTHENTICATION_BACKENDS`` after ``IdentityBackend``. It overrides ``filter_users_by_claims(claims)`` to return
   ``User.objects.filter(id_number=<the CCCD claim>)`` (VNeID's personal identification number; ``sub`` when the
   platform gives the CCCD there), ``create_user(claims)`` to call
   :func:`portal.accounts.services.user_register`-like code with the verified name, CCCD and phone (no password:
   ``set_unusable_password``), and ``update_user(user, claims)`` to refresh the verified name.
3. Routes: ``path("oidc/", include("mozilla_django_oidc.urls"))`` in ``portal/urls.py`` gives
   ``/oidc/authenticate/`` (the "Đăng nhập bằng VNeID" link on the log-in page) and the callback
   ``/oidc/callback/`` — the redirect URI registered with VNeID, ``{PUBLIC_BASE_URL}/oidc/callback/``.
4. Settings (from the environment, listed in ``.env.example``): ``OIDC_RP_CLIENT_ID``, ``OIDC_RP_CLIENT_SECRET``,
   ``OIDC_RP_SIGN_ALGO`` (``RS256``), ``OIDC_OP_AUTHORIZATION_ENDPOINT``, ``OIDC_OP_TOKEN_ENDPOINT``,
   ``OIDC_OP_USER_ENDPOINT``, ``OIDC_OP_JWKS_ENDPOINT``, ``OIDC_RP_SCOPES`` (``openid`` plus the platform's scope for
   the CCCD), ``LOGIN_REDIRECT_URL`` (already ``my-dossiers``).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.common.text import nfc

_SEPARATORS = re.compile(r"[\s.()-]")
_ID_NUMBER = re.compile(r"^(\d{12}|\d{10}|\d{10}-\d{3})$")
_PHONE = re.compile(r"^0\d{9,10}$")


def normalise_phone(value: str) -> str:
    """``+84 912 345 678`` / ``0912.345.678`` / ``0084912345678`` → ``0912345678`` (separators removed)."""
    text = _SEPARATORS.sub("", value or "")
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("0084"):
        text = "0" + text[4:]
    return text


def normalise_id_number(value: str) -> str:
    """Spaces and dots removed; a tax code keeps its dash (``0101234567-001``)."""
    return re.sub(r"[\s.]", "", value or "")


def normalise_identifier(value: str) -> str:
    """What the log-in field holds, in the one form it is counted (django-axes) and looked up in: a number without
    separators (``+84`` → ``0``), or a user name as typed (NFC, trimmed)."""
    text = nfc(value or "")
    compact = normalise_id_number(text)
    if _ID_NUMBER.match(compact):
        return compact
    phone = normalise_phone(text)
    if _PHONE.match(phone):
        return phone
    return text


def user_for_identifier(identifier: str):
    """The one active account the identifier names, or ``None`` (unknown, or a phone several accounts share)."""
    User = get_user_model()
    key = normalise_identifier(identifier)
    if not key:
        return None
    if _ID_NUMBER.match(key):
        # ten digits are a business's tax code or a mobile number: the tax code first (it is unique), then the phone
        by_id = User.objects.filter(id_number=key).first()
        if by_id is not None:
            return by_id
    if _PHONE.match(key):
        holders = list(User.objects.filter(phone=key, is_active=True)[:2])
        if len(holders) == 1:
            return holders[0]
        if holders:
            return None  # shared: never log into a guessed one
    # a user name (staff, demo); a citizen's is their CCCD, which may have been cleared from the profile by an admin
    return User.objects.filter(username=key).first()


class IdentityBackend(ModelBackend):
    """Log-in with a CCCD number, a phone or a user name (see the module's docstring)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not username or password is None:
            return None
        user = user_for_identifier(username)
        if user is None:
            get_user_model()().set_password(password)  # the same work as a wrong password
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
