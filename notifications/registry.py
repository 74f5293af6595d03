"""Hooks by which the apps above this one plug into delivery, without this app importing them.

* an **attachment** provider, by name: ``fn(notification) -> (filename, bytes, mimetype) | None`` (the dossiers app
  registers ``"receipt"``: form 01 as a PDF);
* a **guard**, by kind: ``fn(notification) -> bool``, asked just before a row is sent; ``False`` cancels the row
  instead (a reminder whose due moment has moved since it was written).
"""

from __future__ import annotations

from collections.abc import Callable

ATTACHMENTS: dict[str, Callable] = {}
GUARDS: dict[str, Callable] = {}


def register_attachment(name: str, provider: Callable) -> None:
    ATTACHMENTS[name] = provider


def register_guard(kinds, guard: Callable) -> None:
    for kind in kinds:
        GUARDS[str(kind)] = guard
