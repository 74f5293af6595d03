"""SMS backends. Phones are personal data: no backend writes one to a log (the console backend masks it).

``HttpGatewayBackend`` posts one JSON message per SMS to ``SMS_GATEWAY_URL``::

    POST {SMS_GATEWAY_URL}
    Authorization: Bearer {SMS_GATEWAY_TOKEN}
    Idempotency-Key: {the outbox row's key}
    {"to": "0912345678", "from": "{SMS_SENDER}", "text": "...", "reference": "{the outbox row's key}"}

A 2xx answer is success; a 5xx, a timeout or a refused connection is transient (retried with back-off by the outbox);
any other answer (4xx: bad number, bad token) is permanent. The same key on a re-send lets the gateway drop a
duplicate."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notifications.channels import Outgoing, PermanentError, TransientError
from portal.common.logging import redact


class HttpGatewayBackend:
    def __init__(self):
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_TIMEOUT_SECONDS
        if not self.url.startswith(("https://", "http://")):
            raise PermanentError("SMS_GATEWAY_URL must be an http(s) URL")

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, outgoing: Outgoing) -> None:
        body = json.dumps(
            {"to": outgoing.to, "from": self.sender, "text": outgoing.body, "reference": outgoing.key},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (an http(s) URL from settings, checked in __init__)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": outgoing.key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (checked in __init__)
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise TransientError(f"SMS gateway answered {exc.code}") from exc
            raise PermanentError(f"SMS gateway refused the message ({exc.code})") from exc
        except TimeoutError as exc:
            raise TransientError("SMS gateway timed out") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout, ConnectionError, OSError)):
                raise TransientError(f"SMS gateway unreachable: {type(exc.reason).__name__}") from exc
            raise PermanentError(f"SMS gateway URL error: {type(exc.reason).__name__}") from exc


class ConsoleBackend:
    """Development: print the SMS (the phone masked) to standard output."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, outgoing: Outgoing) -> None:
        sys.stdout.write(redact(f"SMS to {outgoing.to}: {outgoing.body}") + "\n")
        sys.stdout.flush()


class FileBackend:
    """Development, tests and the fault drill: the gateway's stand-in. Each SMS is appended as a JSON line to
    ``SMS_FILE_PATH`` (a sink, not a log).

    Like the gateway, it honours the ``Idempotency-Key``: a message whose key is already in the sink is written with
    ``"duplicate": true`` — the record of a request the gateway answered but did not deliver again. The outbox sends
    a row again only when its "sent" was not recorded: PostgreSQL went away between the gateway's answer and the
    commit (the fault drill restarts it under load), so the row stayed pending and the re-dispatcher brought it back.
    ``notifications.selectors.integrity`` counts what reached the phone (the lines without the mark) and the resends
    dropped.

    The key check is exact across processes: the file is locked (``flock``) while it is read and appended; each
    process remembers the keys it read and where it stopped, and reads only the lines added since."""

    _seen: dict[str, tuple[int, int, set[str]]] = {}  # path -> (inode, bytes read, keys in them), per process

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def send(self, outgoing: Outgoing) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "to": outgoing.to, "text": outgoing.body, "key": outgoing.key}
        with path.open("ab+") as sink:
            fcntl.flock(sink.fileno(), fcntl.LOCK_EX)  # released when the file is closed
            keys = self._keys(path, sink)
            if outgoing.key in keys:
                line["duplicate"] = True
            sink.seek(0, os.SEEK_END)
            sink.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
            sink.flush()
            keys.add(outgoing.key)
            self._seen[str(path)] = (os.fstat(sink.fileno()).st_ino, sink.tell(), keys)

    def _keys(self, path: Path, sink) -> set[str]:
        """The keys in the sink: those remembered, and those of the lines written since (by any process)."""
        inode, read, keys = self._seen.get(str(path), (0, 0, set()))
        status = os.fstat(sink.fileno())
        if status.st_ino != inode or status.st_size < read:  # another file, or emptied: read it all
            read, keys = 0, set()
        sink.seek(read)
        keys.update(message.get("key") for message in sink_messages(sink))
        return keys


def sink_messages(lines: Iterable[bytes | str]) -> Iterator[dict]:
    """The messages of a ``FileBackend`` sink's lines: whole lines only (one being written is read next time)."""
    for raw in lines:
        end = b"\n" if isinstance(raw, bytes) else "\n"
        if raw.endswith(end) and raw.strip():
            yield json.loads(raw)
