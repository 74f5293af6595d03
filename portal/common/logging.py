"""A logging filter that masks personal data (12-digit ID numbers, tax codes, phone numbers) in every record:
the message and its arguments, the traceback of a logged exception (whose last line carries the exception's
arguments) and a logged stack."""

from __future__ import annotations

import logging
import re
import traceback
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

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


class JsonLines(JsonFormatter):
    """One JSON object per line (production): time, level, logger, message, request id, and only the extra fields
    listed here — never the ``request`` Django attaches to its records, whose address may carry an ID number in its
    query string. Messages are masked by ``RedactPersonalData`` before they get here; the extra values are masked
    again, being text a caller chose."""

    EXTRA_FIELDS = ("status_code", "task_id", "task_name", "duration_ms")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        for field in self._required_fields:
            log_data[self._get_rename(field)] = record.__dict__.get(field)
        for field in self.EXTRA_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                log_data[field] = redact(value) if isinstance(value, str) else value
        for field in ("exc_info", "stack_info"):  # already masked (RedactPersonalData)
            if message_dict.get(field):
                log_data[field] = message_dict[field]
        log_data["time"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        if not log_data.get("request_id"):
            log_data.pop("request_id", None)
