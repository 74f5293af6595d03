"""``.env.example`` read as the processes read it: ``NAME=value`` lines, surrounding quotes removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def env_example(*, commented: bool = False) -> dict[str, str]:
    """The variables set in ``.env.example``; with ``commented``, also those shown commented out (``# NAME=…``:
    optional ones, e.g. the S3 storage's)."""
    values = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line.strip())
        if match and (commented or not match.group(1)):
            values[match.group(2)] = _unquote(match.group(3))
    return values
