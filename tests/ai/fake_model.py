"""A small OpenAI-compatible server on loopback, in a thread: `/v1/chat/completions` with JSON answers or
SSE streams (usage in the last chunk), and the failures a real endpoint has (429 with Retry-After, 500, a slow
answer, malformed JSON). It records every prompt it receives."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: a status, a JSON content (or raw text), a delay, extra headers."""

    content: Any = None
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    raw: str | None = None
    tokens_in: int = 40
    tokens_out: int = 20


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class FakeModel:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.default = Reply(content={"tasks": []})
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: QuietServer | None = None
        # Run in the server's thread while a request is being answered (a test looks at the database meanwhile).
        self.during: Callable[[], None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def prompts(self) -> list[str]:
        """Every message text received so far, joined per request."""
        with self._lock:
            return [" ".join(str(m.get("content", "")) for m in r.get("messages", [])) for r in self.requests]

    def reset(self, default: Reply | None = None, *script: Reply) -> None:
        with self._lock:
            self.during = None
            self.requests.clear()
            self.script = deque(script)
            self.default = default or Reply(content={"tasks": []})

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            return self.script.popleft() if self.script else self.default

    def start(self) -> FakeModel:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                reply = fake._next(body)
                if fake.during is not None:
                    fake.during()
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    self._send(reply.status, json.dumps({"error": {"message": "scripted", "type": "x"}}), reply)
                elif body.get("stream"):
                    self._stream(reply, body)
                else:
                    self._send(200, json.dumps(_completion(reply, body)), reply)

            def _send(self, status: int, text: str, reply: Reply, kind: str = "application/json") -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                words = str(reply.content).split(" ")
                for index, word in enumerate(words):
                    piece = word if index == 0 else f" {word}"
                    self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                    time.sleep(0.01)
                self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if body.get("stream_options", {}).get("include_usage"):
                    self._event({"choices": [], "usage": _usage(reply)})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _event(self, chunk: dict[str, Any]) -> None:
                chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                         **chunk}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

        self._server = QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.tokens_in,
        "completion_tokens": reply.tokens_out,
        "total_tokens": reply.tokens_in + reply.tokens_out,
    }


def _completion(reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
    content = reply.raw if reply.raw is not None else json.dumps(reply.content)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": _usage(reply),
    }
