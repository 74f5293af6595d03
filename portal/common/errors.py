"""Domain errors, one hierarchy for every app, and the single DRF exception handler that turns every error into
``{"code", "detail"}``.

``DomainError`` is the base; ``InvalidInput`` (400), ``Forbidden`` (403), ``NotFound`` / ``OutOfScope`` (404),
``Conflict`` (409), 422 and ``ServiceUnavailable`` (503) give the status, and each subclass its stable ``code``.

Messages are Vietnamese first (gettext); a client asking ``Accept-Language: en`` gets English.
"""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from portal.common.throttles import ClientAddressThrottle


class DomainError(Exception):
    """Base of the errors services raise; ``code`` is stable, ``detail`` is for people."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_detail = gettext_lazy("Yêu cầu không hợp lệ.")

    def __init__(self, detail: str | None = None, *, code: str | None = None, extra: dict | None = None):
        self.detail = str(detail if detail is not None else self.default_detail)
        if code:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.detail)


class InvalidInput(DomainError):
    code = "invalid"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail = gettext_lazy("Không tìm thấy.")


class OutOfScope(NotFound):
    """Outside the actor's scope: answered exactly like a missing object."""


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = gettext_lazy("Dữ liệu đã bị thay đổi bởi người khác; vui lòng tải lại.")


class ServiceUnavailable(DomainError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"
    default_detail = gettext_lazy("Dịch vụ tạm thời chưa sẵn sàng; vui lòng thử lại sau.")

    def __init__(self, detail: str | None = None, *, retry_after: int = 10, **kwargs):
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


# --- The errors of the apps' services, by the answer they get --------------------------------------------
# Defined here rather than next to the code that raises them, so that the whole list of codes a client may meet
# is in one place and a module never imports a service (or an API module) only to catch its error.


class Forbidden(DomainError):
    """The actor sees the dossier but their role may not do this (scope is checked first: outside it, 404)."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class InvalidTransition(Conflict):
    """The workflow table has no such action from the dossier's current state."""

    code = "invalid_transition"


class StaleVersion(Conflict):
    """The client acted on another version of the dossier than the one locked (``If-Match``)."""

    code = "stale_version"


class ClosedToDocuments(Conflict):
    """The dossier's state takes no documents (or no components received on paper) from this role."""

    code = "invalid_state"


class InvalidFile(InvalidInput):
    """A file failed the content checks (empty, oversize, disguised, truncated, encrypted…)."""

    code = "invalid_file"


class DocumentsTooLarge(InvalidInput):
    """The dossier's documents would exceed their total size limit."""

    code = "documents_too_large"


class CatalogueRefusal(InvalidInput):
    """A catalogue import refused as a whole (nothing written): ``problem`` locates it in the files, ``level`` is the
    procedure's level for the import's summary."""

    def __init__(self, detail: str, *, problem=None, level: str = ""):
        super().__init__(detail)
        self.problem = problem
        self.level = level


class VersionInUse(CatalogueRefusal):
    """A record would rewrite a procedure version that dossiers are bound to, and no later version can take it."""

    code = "version_in_use"


class ComponentsInUse(CatalogueRefusal):
    """A dossier filed while the import ran uses a component the import was about to delete."""

    code = "components_in_use"


class AddressNotConverted(DomainError):
    """An old-style address that the converter cannot map onto exactly one commune: refused, never guessed."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "address_not_found"


class NoProcessingTime(DomainError):
    """The procedure states no usable processing time, so no appointment can be computed."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "no_processing_time"
    default_detail = gettext_lazy("Thủ tục này chưa có thời hạn giải quyết nên chưa thể tính ngày hẹn trả kết quả.")


def _vietnamese_default(exc: exceptions.APIException) -> str | None:
    """DRF's own messages in Vietnamese first (its catalogue lacks several), English through our catalogue."""
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("Phương thức không được hỗ trợ.")
    if exc.detail != exc.default_detail:
        return None  # a message written for this case: keep it
    if isinstance(exc, exceptions.NotAuthenticated):
        return _("Bạn cần đăng nhập để thực hiện thao tác này.")
    if isinstance(exc, exceptions.AuthenticationFailed):
        return _("Thông tin đăng nhập không đúng.")
    if isinstance(exc, exceptions.PermissionDenied):
        return _("Bạn không có quyền thực hiện thao tác này.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return _("Định dạng dữ liệu gửi lên không được hỗ trợ.")
    if isinstance(exc, exceptions.ParseError):
        return _("Dữ liệu gửi lên không đọc được.")
    if isinstance(exc, exceptions.NotAcceptable):
        return _("Không trả lời được theo định dạng yêu cầu.")
    return None


_DRF_CODES = {
    exceptions.NotFound: "not_found",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}


def _drf_code(exc: exceptions.APIException) -> str:
    for klass, code in _DRF_CODES.items():
        if isinstance(exc, klass):
            return code
    return getattr(exc, "default_code", "error")


def _throttled_body(context, seconds: int) -> dict:
    """A 429 names what was limited: the refusing throttle's sentence and its scope (lookup, address conversion,
    log-in…)."""
    throttle = getattr(context.get("request"), "throttled_by", None)  # set by ClientAddressThrottle
    if throttle is not None and hasattr(throttle, "limited_detail"):
        return {"code": "throttled", "limited": throttle.scope, "detail": throttle.limited_detail(seconds)}
    detail = str(ClientAddressThrottle.limited_message) % {"seconds": seconds}  # a throttle of DRF's own
    return {"code": "throttled", "limited": "requests", "detail": detail}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "detail": exc.detail, **exc.extra}
        response = Response(body, status=exc.status_code)
        if isinstance(exc, ServiceUnavailable):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Không tìm thấy."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "detail": _("Dữ liệu không hợp lệ."), "fields": exc.detail}
    elif isinstance(exc, exceptions.Throttled):
        # DRF has set Retry-After (whole seconds) when it knows the wait; the message says the same number
        seconds = max(1, int(exc.wait or 0))
        if "Retry-After" not in response:
            response["Retry-After"] = str(seconds)
        response.data = _throttled_body(context, seconds)
    else:
        detail = _vietnamese_default(exc) or (exc.detail if isinstance(exc.detail, str) else str(exc.detail))
        response.data = {"code": _drf_code(exc), "detail": detail}
    return response


def json_error(request, code: str, detail: str, status_code: int, **extra) -> JsonResponse:
    """An error answered outside DRF (Django's handlers, middleware) in the same ``{"code", "detail"}`` shape."""
    return JsonResponse(
        {"code": code, "detail": detail, **extra}, status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def handler400(request, exception=None):
    """A request Django refused before any view (too many fields or files, a malformed body…): JSON on the API."""
    if request.path.startswith("/api/"):
        return json_error(request, "bad_request", _("Yêu cầu không hợp lệ."), 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error(request, "not_found", _("Không tìm thấy."), 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


#: Seconds a client is asked to wait when the database does not answer (``Retry-After``).
DATABASE_RETRY_AFTER = 5


def database_unavailable() -> bool:
    """Whether the exception being handled is the database being away (down, restarting, unreachable, or the
    connection lost mid-request), as opposed to a fault of ours."""
    from django.db import InterfaceError, OperationalError

    exc = sys.exc_info()[1]
    while exc is not None:
        if isinstance(exc, InterfaceError | OperationalError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def unavailable_response(request):
    """503 with ``Retry-After``: JSON on the API, a short page elsewhere; rendered without the database (no context
    processors, no session)."""
    if request.path.startswith("/api/"):
        response = json_error(
            request, "unavailable", _("Hệ thống tạm thời không phục vụ được; vui lòng thử lại sau ít giây."), 503
        )
    else:
        from django.template import loader

        from portal.common.security import standalone_page_policy

        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Content-Security-Policy"] = standalone_page_policy(page)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def handler500(request):
    """Django's handler of an uncaught exception. The database being away is not a fault of ours, nor of the
    client's: a 503 that says when to try again (every write is atomic, so nothing was half done)."""
    if database_unavailable():
        return unavailable_response(request)
    if request.path.startswith("/api/"):
        return json_error(request, "server_error", _("Lỗi máy chủ; sự cố đã được ghi nhận."), 500)
    from django.views.defaults import server_error

    from portal.common.security import standalone_page_policy

    response = server_error(request)
    response["Content-Security-Policy"] = standalone_page_policy(response.content.decode())
    return response
