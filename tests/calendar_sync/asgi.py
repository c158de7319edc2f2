"""A very small ASGI toolkit for the fake providers: a router on method and path pattern, JSON and form bodies.
tests/loopback.py serves it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else {}

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None

    def encoded(self) -> tuple[bytes, str]:
        if self.text is not None:
            return self.text.encode(), "text/plain"
        if self.body is None:
            return b"", "application/json"
        return orjson.dumps(self.body), "application/json"


Handler = Callable[[Request], Response]


class Router:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.before: Callable[[Request], Response | None] | None = None

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

        def register(handler: Handler) -> Handler:
            self.routes.append((method, regex, handler))
            return handler

        return register

    def handle(self, request: Request) -> Response:
        for method, regex, handler in self.routes:
            matched = regex.match(request.path)
            if matched and method == request.method:
                request.params = matched.groupdict()
                if self.before is not None and not request.path.startswith("/_admin"):
                    early = self.before(request)
                    if early is not None:
                        return early
                return handler(request)
        return Response(404, {"error": {"code": 404, "message": f"no route {request.method} {request.path}"}})

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query={key: values[0] for key, values in parse_qs(scope["query_string"].decode()).items()},
            headers={name.decode().lower(): value.decode() for name, value in scope["headers"]},
            body=body,
        )
        response = self.handle(request)
        payload, content_type = response.encoded()
        headers = [(b"content-type", content_type.encode())]
        headers += [(name.lower().encode(), value.encode()) for name, value in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
