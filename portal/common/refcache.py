"""Reference rows kept per process while the tables under them do not change.

Filing and receiving read the same few reference rows again and again: the reception centre of an agency code, the
commune committee that decides commune-level procedures, the version of a procedure in force today. They change
when an administrator edits them or a catalogue is imported — rarely — and they are read on every request.

A :class:`ReferenceCache` keeps what its loaders returned, per process, under a **fingerprint** of its tables: the
stamp of the last write to each, which a statement-level trigger on each table draws from a sequence
(``portal.ReferenceVersion``, migration ``portal/0002``). Any insert, update, delete or truncate, through any path —
the admin, ``bulk_create``, ``QuerySet.update()``, raw SQL, ``load_communes`` — stamps it, in the writer's
transaction, so that other processes see the new stamp exactly when they can see the new rows; a sequence never
gives a number twice, so a write rolled back and a later write never leave the same stamp. The fingerprint is read
at most once every ``REFERENCE_CACHE_CHECK_SECONDS`` (default 1 s) per cache and process, so a change is seen within
that time; when it has changed, everything the cache holds is dropped.

PostgreSQL only (elsewhere there is no cheap fingerprint, and every read goes to the database); off when
``REFERENCE_CACHE`` is false (the test suite turns it off, except in the tests of the cache itself).

The cached objects are shared by every request of the process: treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.db import connection

_MISSING = object()
#: Every cache made, so that all can be dropped at once (``clear_all``).
_CACHES: list[ReferenceCache] = []


_FINGERPRINT = (
    """SELECT string_agg("table" || ':' || stamp::text, ',' ORDER BY "table") """
    """FROM portal_referenceversion WHERE "table" = ANY(%s)"""
)


def tables_fingerprint(tables: list[str]) -> str:
    """The stamps of the last writes to ``tables`` (``portal.ReferenceVersion``), as one string."""
    with connection.cursor() as cursor:
        cursor.execute(_FINGERPRINT, [sorted(tables)])
        return cursor.fetchone()[0] or ""


class ReferenceCache:
    """``get(key, loader)``: the value ``loader()`` gave for ``key``, kept while ``models``' tables are unchanged."""

    def __init__(self, name: str, models: Callable[[], list], *, max_entries: int = 4096):
        self.name = name
        self._models = models  # a callable: the models are not loaded when the module is imported
        self.max_entries = max_entries
        self._entries: dict[Hashable, Any] = {}
        self._fingerprint: str | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        _CACHES.append(self)

    @staticmethod
    def enabled() -> bool:
        return connection.vendor == "postgresql" and getattr(settings, "REFERENCE_CACHE", True)

    def _current(self) -> None:
        """Drop everything when the tables changed (read at most once per check interval)."""
        now = time.monotonic()
        if now - self._checked < getattr(settings, "REFERENCE_CACHE_CHECK_SECONDS", 1.0):
            return
        fingerprint = tables_fingerprint([model._meta.db_table for model in self._models()])
        with self._lock:
            if fingerprint != self._fingerprint:
                self._entries = {}
                self._fingerprint = fingerprint
            self._checked = now

    def get(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        if not self.enabled():
            return loader()
        self._current()
        value = self._entries.get(key, _MISSING)
        if value is _MISSING:
            fingerprint = self._fingerprint
            value = loader()
            with self._lock:
                # kept only if the tables were not seen to change while it was loaded; full: start again (keys
                # holding a day, like the version in force on a date, would otherwise fill it for good)
                if fingerprint == self._fingerprint:
                    if len(self._entries) >= self.max_entries:
                        self._entries = {}
                    self._entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries = {}
            self._fingerprint = None
            self._checked = float("-inf")


def clear_all() -> None:
    """Drop what every reference cache of this process holds."""
    for cache in _CACHES:
        cache.clear()
