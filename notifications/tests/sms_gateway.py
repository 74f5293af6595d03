"""A small SMS gateway for tests: stdlib ``http.server`` in a thread on 127.0.0.1 (port 0), recording each request
and answering with the statuses the test sets, after the delay it sets. Used with
``notifications.channels.sms.HttpGatewayBackend`` (see :func:`gateway_settings`)."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-token-3f9c"


@dataclass
class Gateway:
    """What the gateway received (``requests``: path, headers, body), and how it answers: ``answers`` (statuses, in
    turn), then ``status``, after ``delay`` seconds — or once ``hold`` is set."""

    url: str = ""
    status: int = 200
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[dict] = field(default_factory=list)
    #: when set, each answer waits for this event (at most 10 s): a test holds the answer back until it says so
    hold: threading.Event | None = None

    def answer(self) -> int:
        return self.answers.pop(0) if self.answers else self.status


def _handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            gateway.requests.append({"path": self.path, "headers": self.headers, "body": body})
            status = gateway.answer()
            if gateway.delay:
                time.sleep(gateway.delay)
            if gateway.hold is not None:
                gateway.hold.wait(timeout=10)
            reply = json.dumps({"id": len(gateway.requests), "status": status}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                pass

        def log_message(self, format, *args):
            pass

    return Handler


@contextlib.contextmanager
def serve() -> Iterator[Gateway]:
    gateway = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_port}/v1/sms"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


def gateway_settings(settings, gateway: Gateway) -> None:
    """Send SMS through ``HttpGatewayBackend`` to ``gateway``: 0.5 s timeout, 3 attempts, 30 s first back-off."""
    settings.SMS_BACKEND = "notifications.channels.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = TOKEN
    settings.SMS_SENDER = "DVCPHUTHO"
    settings.SMS_TIMEOUT_SECONDS = 0.5
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_BACKOFF_BASE_SECONDS = 30
    settings.NOTIFY_BACKOFF_MAX_SECONDS = 3600


def closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
