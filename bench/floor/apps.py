"""The two Python servers of the floor bench: each reads a POSTed body and answers a fixed GraphQL result, the
size of Rhythm's answer to a rename. Nothing else: no context, no token, no database."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, post
from litestar.enums import ScopeType
from litestar.response import Response
from litestar.types import HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

ANSWER = (
    b'{"data":{"updateTask":{"id":"VGFzazo1ZjQ2YjBkZS0wYjM4LTRkNGMtOWUzYi0xYjJjM2Q0ZTVmNjc=","title":"Renamed 7"}}}'
)
_START: HTTPResponseStartEvent = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())],
}
_BODY: HTTPResponseBodyEvent = {"type": "http.response.body", "body": ANSWER, "more_body": False}


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI with nothing between uvicorn and the answer."""
    if scope["type"] != ScopeType.HTTP:
        return
    more = True
    while more:
        message = await receive()
        more = bool(message.get("more_body", False))
    await send(_START)
    await send(_BODY)


@post("/graphql", status_code=200)
async def _answer(request: Request[Any, Any, Any]) -> Response[bytes]:
    await request.body()
    return Response(ANSWER, media_type="application/json")


# Litestar's routing, request and response objects, with one route and no middleware or dependency.
routed = Litestar([_answer])
