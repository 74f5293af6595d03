"""An e-mail backend for tests with real worker processes: every message is one file (``<uuid>.eml``) under
``EMAIL_FILE_PATH``, so a test can count deliveries per Message-ID across processes.

``TEST_MAIL_DELAY_SECONDS`` (environment) makes each send slow: before the pause the backend leaves a marker file
(``sending-<n>-<pid>``), so a test can kill the worker while it is inside a send, before the message is accepted."""

from __future__ import annotations

import email
import os
import time
import uuid
from email import policy
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class FilePerMessageBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        delay = float(os.environ.get("TEST_MAIL_DELAY_SECONDS") or 0)
        sent = 0
        for message in email_messages:
            if delay:
                (folder / f"sending-{uuid.uuid4().hex}-{os.getpid()}").touch()
                time.sleep(delay)
            data = message.message().as_bytes()
            tmp = folder / f".{uuid.uuid4().hex}.tmp"
            tmp.write_bytes(data)
            tmp.rename(folder / f"{uuid.uuid4().hex}.eml")  # appears whole, or not at all
            sent += 1
        return sent


def read_sink(folder: Path) -> list[email.message.EmailMessage]:
    """Every message the sink holds, parsed."""
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def sending_markers(folder: Path) -> int:
    return len(list(folder.glob("sending-*")))
