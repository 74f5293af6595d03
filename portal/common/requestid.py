"""One id per request, carried from the proxy through Django into the Celery tasks the request queues.

* nginx names every request (``$request_id``) and passes it as ``X-Request-ID`` (``deploy/nginx.conf``); without a
  proxy (``make run``, tests) the middleware makes one. A value that is not 8–64 letters, digits, ``-`` or ``_`` is
  replaced, so that a client cannot write anything into the logs through this header.
* The id is in a context variable for the time of the request: every log record gets it (``RequestIdFilter``), the
  answer carries it back (``X-Request-ID``), and every task published meanwhile gets it as a message header
  (``before_task_publish`` below), which the worker puts back in the context variable while the task runs — its log
  lines carry the id of the request that queued it. A task queued by beat or by another task with no request has
  none of its own: it gets ``task:<task id>``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.dispatch import receiver

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
TASK_HEADER = "portal_request_id"
_VALID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def valid_or_new(value: str | None) -> str:
    return value if value and _VALID.match(value) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost middleware: the id exists before anything else logs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = valid_or_new(request.META.get(META_KEY))
        request.request_id = request_id
        # kept until the response is closed (request_finished below): Django logs a 4xx/5xx answer after the
        # middlewares have returned
        current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished)
def _request_finished(**kwargs) -> None:
    current.set("")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current.get()
        return True


@before_task_publish.connect
def _carry_to_task(headers=None, **kwargs) -> None:
    request_id = current.get()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


_task_tokens: dict[str, contextvars.Token] = {}


@task_prerun.connect
def _enter_task(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task is not None else None
    if not request_id and task is not None:
        request_id = (getattr(task.request, "headers", None) or {}).get(TASK_HEADER)
    # an eager task runs inside the request that queued it, and keeps its id
    _task_tokens[task_id] = current.set(request_id or current.get() or f"task:{task_id}")


@task_postrun.connect
def _leave_task(task_id=None, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            current.reset(token)
        except ValueError:  # set in another context (eager tasks run inside the request's own)
            current.set("")
