"""The result of one integrity check (``manage.py check_integrity``; ``dossiers.selectors.integrity``,
``notifications.selectors.integrity``): what was looked at, the violations by kind with a few examples each, and
counts that only inform.

Examples name ids, codes and outbox keys — never an ID number, a phone or an address.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

#: Examples kept per kind of violation: the report stays short whatever the number.
EXAMPLES = 10


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    violations: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def add(self, kind: str, example: str, count: int = 1) -> None:
        self.violations[kind] += count
        kept = self.examples.setdefault(kind, [])
        if len(kept) < EXAMPLES:
            kept.append(example)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "ok": self.ok,
            "checked": self.checked,
            "violations": dict(self.violations),
            "examples": self.examples,
            "notes": self.notes,
        }

    def lines(self) -> list[str]:
        """The report of this check, one line each: a status line, then each kind with its examples."""
        status = "OK  " if self.ok else "FAIL"  # (đạt / không đạt)
        notes = ", ".join(f"{key} {value}" for key, value in self.notes.items())
        head = f"{status} {self.name}: {self.checked} checked / đã kiểm" + (f" ({notes})" if notes else "")
        lines = [head]
        for kind, count in sorted(self.violations.items()):
            lines.append(f"     {kind}: {count} — " + "; ".join(self.examples.get(kind, [])))
        return lines
