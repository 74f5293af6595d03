"""A logging filter that masks personal data (12-digit ID numbers, tax codes, phone numbers) in every record."""

from __future__ import annotations

import logging
import re

# CCCD (12 digits), old CMND (9 digits), tax codes (10 or 13 digits with dash), Vietnamese phones (+84/0 + 9 digits)
_PATTERNS = [
    re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9}(?!\d)"),
    re.compile(r"(?<!\d)\d{10}-\d{3}(?!\d)"),
    re.compile(r"(?<!\d)\d{9,13}(?!\d)"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub("[đã ẩn]", text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
