"""The working calendar as the administrator configured it: sessions and exceptions from the database.

:func:`working_calendar` returns a :class:`procedures.worktime.WorkingCalendar` built from the
``WorkingSession`` rows and the ``CalendarException`` rows. It is built once per process and kept until the
administrator changes a row: a save or a delete of either model (the admin, ``loaddata``, a script through the ORM)
replaces a shared version stamp in the Django cache once the transaction commits, and every process — web workers,
Celery workers — rebuilds on its next call. Checking the stamp costs one cache read per call, so take the calendar once
per request or task and pass it down to the hot loops.

Writes that bypass model signals (``QuerySet.update()``, raw SQL) must call :func:`calendar_invalidate` themselves.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from procedures.models import CalendarException, CalendarExceptionKind, WorkingSession
from procedures.worktime import DEFAULT_SESSIONS, WorkingCalendar

logger = logging.getLogger(__name__)

VERSION_KEY = "procedures:working-calendar:version"

# (version stamp, calendar) of this process; replaced as a whole, so a reader never sees half of it.
_memo: tuple[str, WorkingCalendar] | None = None


def calendar_from_db() -> WorkingCalendar:
    """Build the calendar from the database now (two small queries), without any caching.

    With no session rows, or with sessions that overlap, the default sessions (07:00–11:30, 13:30–17:00) are used
    and an error is logged: a broken configuration must not stop every appointment from being computed.
    """
    sessions = tuple(WorkingSession.objects.order_by("start", "end").values_list("start", "end"))
    days_off: set = set()
    working_days: set = set()
    for day, kind in CalendarException.objects.values_list("date", "kind"):
        if kind == CalendarExceptionKind.DAY_OFF:
            days_off.add(day)
        elif kind == CalendarExceptionKind.WORKING_DAY:
            working_days.add(day)
        else:
            logger.error("calendar exception on %s has an unknown kind %r; ignored", day, kind)
    if not sessions:
        logger.error("no working session is configured; using the default sessions")
        sessions = DEFAULT_SESSIONS
    try:
        return WorkingCalendar(
            sessions=sessions, extra_days_off=frozenset(days_off), extra_working_days=frozenset(working_days)
        )
    except ValueError:
        logger.exception("the configured working sessions are invalid; using the default sessions")
        return WorkingCalendar(
            sessions=DEFAULT_SESSIONS, extra_days_off=frozenset(days_off), extra_working_days=frozenset(working_days)
        )


def _current_version() -> str | None:
    """The stamp of the calendar in force, or ``None`` when the cache cannot be read (Redis down): then the calendar is
    read from the database on every call — slower, never stale, and never an error for the step that needs it."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception:
        logger.warning(
            "the calendar's version stamp is unreadable (cache down); reading the calendar from the database"
        )
        return None
    return version


def working_calendar() -> WorkingCalendar:
    """The working calendar in force: cached per process, rebuilt after any administrator change."""
    global _memo
    version = _current_version()
    memo = _memo
    if version is not None and memo is not None and memo[0] == version:
        return memo[1]
    built = calendar_from_db()
    if version is not None:  # with no usable cache (DummyCache) never keep a copy that nobody could invalidate
        _memo = (version, built)
    return built


def calendar_version_bump() -> None:
    """Invalidate now, in every process: a new version stamp, and this process forgets its copy.

    Not transaction-aware: use :func:`calendar_invalidate` after writes, this one in tests and maintenance scripts.
    """
    global _memo
    _memo = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def calendar_invalidate() -> None:
    """Invalidate once the current transaction commits (at once outside a transaction; never on rollback).

    Bumping before the commit would let another process rebuild from the old rows under the new stamp.
    """
    transaction.on_commit(calendar_version_bump, robust=True)


@receiver(post_save, sender=WorkingSession, dispatch_uid="procedures.calendar.session_saved")
@receiver(post_delete, sender=WorkingSession, dispatch_uid="procedures.calendar.session_deleted")
@receiver(post_save, sender=CalendarException, dispatch_uid="procedures.calendar.exception_saved")
@receiver(post_delete, sender=CalendarException, dispatch_uid="procedures.calendar.exception_deleted")
def _calendar_changed(sender, **kwargs) -> None:
    """Cache invalidation only: an edited session or exception makes every process rebuild the calendar."""
    calendar_invalidate()
