"""E-mail through Django's e-mail backends, one connection per batch.

Each message carries a ``Message-ID`` derived from its outbox row's dedupe key: a message re-sent after a crash
between the server's acceptance and the row's commit has the same identity, and mail systems show it once."""

from __future__ import annotations

import hashlib
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from notifications.channels import Outgoing, PermanentError, TransientError

logger = logging.getLogger(__name__)

#: SMTP answers that no retry can change: the server refused the recipient, the sender or the content.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or "dichvucong.phutho.local"
    return f"<{digest}@{domain}>"


class EmailChannel:
    def __init__(self):
        self.connection = None

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False)
        try:
            self.connection.open()
        except OSError as exc:
            self.connection = None
            raise TransientError(f"e-mail server unreachable: {type(exc).__name__}") from exc

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # closing a broken connection: nothing left to do
                logger.debug("e-mail connection closed with an error", exc_info=True)
            self.connection = None

    def send(self, outgoing: Outgoing) -> None:
        if self.connection is None:
            self.open()
        message = EmailMessage(
            outgoing.subject,
            outgoing.body,
            None,
            [outgoing.to],
            connection=self.connection,
            headers={"Message-ID": message_id(outgoing.key), "Content-Language": outgoing.language},
        )
        for name, content, mimetype in outgoing.attachments:
            message.attach(name, content, mimetype)
        try:
            message.send(fail_silently=False)
        except PERMANENT as exc:
            raise PermanentError(f"e-mail refused: {type(exc).__name__} {getattr(exc, 'smtp_code', '')}") from exc
        except OSError as exc:  # smtplib.SMTPException is an OSError: connection lost, timeout, 4xx
            self.close()
            raise TransientError(f"e-mail not sent: {type(exc).__name__}") from exc
