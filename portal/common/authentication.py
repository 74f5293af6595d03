"""Authentication pieces of the portal: the log-in limit's backend, and HTTP Basic for trying the API by hand
(development only: settings leave it out in production)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from rest_framework.authentication import BasicAuthentication


class LimitedBasicAuthentication(BasicAuthentication):
    """DRF's Basic authentication, whose failed passwords count towards the log-in limit like the log-in form's.

    django-axes marks the request it is given as locked out, and its middleware answers such a request with the
    429; DRF hands the backends its own ``Request`` wrapper, so the mark is copied to the Django request that the
    middleware sees."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        finally:
            django_request = getattr(request, "_request", None)
            if django_request is not None:
                for name in ("axes_locked_out", "axes_credentials"):
                    if name in vars(request):
                        setattr(django_request, name, vars(request)[name])


class LoginLimitBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``: a locked-out user name and address is refused before
    any password is compared. A password check without a request (a management command, the test client's
    ``login``) comes from no client address and is not counted; django-axes alone would refuse it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
