"""A graphql-transport-ws client on the `websockets` package, as a browser's GraphQL client would speak it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.waiting import PATIENCE_SECONDS

PROTOCOL = Subprotocol("graphql-transport-ws")

Payload = dict[str, Any]


class Socket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        #: Every message received, also those `next_where` skipped, for assertions about what never came.
        self.history: list[Payload] = []

    async def send(self, message: Payload) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, seconds: float) -> Payload:
        """The next message other than a ping (answered); TimeoutError when none comes in time."""
        while True:
            message: Payload = json.loads(await asyncio.wait_for(self.connection.recv(), seconds))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            self.history.append(message)
            return message

    async def subscribe(self, operation_id: str, query: str, variables: Payload | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": "subscribe", "payload": payload})

    async def next_where(self, condition: Callable[[Payload], bool], seconds: float = PATIENCE_SECONDS) -> Payload:
        """The `data` of the first `next` that meets `condition`; earlier ones are skipped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            message = await self.receive(max(deadline - loop.time(), 0.001))
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message
            data: Payload = message["payload"]["data"]
            if condition(data):
                return data

    async def settle(self, seconds: float = 1.0) -> list[Payload]:
        """Everything received so far, after waiting `seconds` for stragglers."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        with contextlib.suppress(TimeoutError):
            while (left := deadline - loop.time()) > 0:
                await self.receive(left)
        return self.history


@asynccontextmanager
async def socket(
    url: str, payload: Payload | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[Socket]:
    """A connection that `connection_init` acknowledged."""
    async with connect(
        url, subprotocols=[PROTOCOL], additional_headers=headers, open_timeout=PATIENCE_SECONDS
    ) as connection:
        opened = Socket(connection)
        await opened.send({"type": "connection_init", "payload": payload or {}})
        acknowledged = await opened.receive(PATIENCE_SECONDS)
        assert acknowledged["type"] == "connection_ack", acknowledged
        yield opened


def bearer(token: str) -> Payload:
    return {"authorization": f"Bearer {token}"}


async def refusal(url: str, payload: Payload | None, *, protocol: str = PROTOCOL) -> tuple[int, str]:
    """The close code and reason of a connection the server ends after `connection_init`."""
    async with connect(url, subprotocols=[Subprotocol(protocol)], open_timeout=PATIENCE_SECONDS) as connection:
        with contextlib.suppress(ConnectionClosed):
            await connection.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
            while True:
                await asyncio.wait_for(connection.recv(), PATIENCE_SECONDS)
        assert connection.close_code is not None
        return connection.close_code, connection.close_reason or ""
