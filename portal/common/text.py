"""Vietnamese text helpers: normalisation at the edge and diacritic-insensitive folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z.]+")


def nfc(value: str) -> str:
    """NFC-normalise and collapse whitespace: what every text input becomes at the edge."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def fold(value: str) -> str:
    """Lower-case, strip diacritics (đ → d), keep letters, digits and dots, single spaces.

    ``fold("Xã Thanh Thuỷ") == fold("xa thanh thủy") == fold("XA THANH THUY") == "xa thanh thuy"``
    """
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", stripped.lower())).strip()


def names_nothing(value: str) -> bool:
    """A value no row can hold: it has a NUL character, which PostgreSQL refuses in a query (a 500 where an unknown
    name is a 400 or a 404). Such a value is answered as unknown, without asking the database."""
    return "\x00" in value
