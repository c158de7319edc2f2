"""A real HTTP receiver on loopback, in a thread: it records every delivery, answers with a status the test
chooses, dedupes by `webhook-id` the way an integrator should, and can go down and come back on its port."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import standardwebhooks.webhooks
from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]
    at: float

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A sender that gave up (a timeout) resets its connection: expected here, not worth a traceback.
        return


class Receiver:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.answer = Answer()
        self.received: list[Received] = []
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender died mid-request (a test kills workers): an incomplete request is no delivery.
                    self.close_connection = True
                    return
                receiver._record(Received(body, {k.lower(): v for k, v in self.headers.items()}, time.time()))
                answer = receiver.answer
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)
            self.counts[received.webhook_id] += 1

    def unique(self) -> int:
        with self._lock:
            return len(self.counts)

    def for_event(self, event_type: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if f'"type":"{event_type}"' in r.body.decode()]


def verify_at(secret: str, received: Received, at: datetime) -> Any:
    """`Webhook(secret).verify(...)` as a receiver whose clock reads `at` would run it."""

    class Clock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return at

    with mock.patch.object(standardwebhooks.webhooks, "datetime", Clock):
        return Webhook(secret).verify(received.body, received.headers)
