"""A logging filter that masks personal data (12-digit ID numbers, tax codes, phone numbers) in every record:
the message and its arguments, the traceback of a logged exception (whose last line carries the exception's
arguments) and a logged stack."""

from __future__ import annotations

import logging
import re
import traceback

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
    """Attached to every handler (``LOGGING`` in settings; Celery workers use the same configuration).

    A logged exception is formatted here, masked, and kept as the record's ``exc_text`` — which every
    ``logging.Formatter`` prints instead of formatting ``exc_info`` again — and ``exc_info`` is dropped, so that no
    handler can format the unmasked traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            message = None
        if message is not None:
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
