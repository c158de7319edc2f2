"""Subscribers as browsers would be: one WebSocket each, `graphql-transport-ws`, a token in `connection_init`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")

TASK_EVENTS = """
subscription {
  taskEvents { type taskId task { id title status company { name } createdBy { id } } }
}
"""


@dataclass(eq=False)
class Subscriber:
    token: str
    #: taskId -> the arrival times of its events (more than one: a duplicate).
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    errors: list[object] = field(default_factory=list)
    connection: ClientConnection | None = None
    reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        self.connection = await connect(url, subprotocols=[PROTOCOL], open_timeout=120, max_queue=None)
        credentials = {"authorization": f"Bearer {self.token}"}
        await self.connection.send(json.dumps({"type": "connection_init", "payload": credentials}))
        acknowledged = json.loads(await asyncio.wait_for(self.connection.recv(), 120))
        if acknowledged["type"] != "connection_ack":
            raise RuntimeError(f"not acknowledged: {acknowledged}")
        payload = {"query": TASK_EVENTS, "variables": {}}
        await self.connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.connection is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.connection:
                arrived = time.time()
                message = json.loads(raw)
                if message["type"] == "ping":
                    await self.connection.send(json.dumps({"type": "pong"}))
                    continue
                payload = message.get("payload") or {}
                if message["type"] != "next" or payload.get("errors"):
                    self.errors.append(message)
                    continue
                event = payload["data"]["taskEvents"]
                self.arrivals.setdefault(event["taskId"], []).append(arrived)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()


async def open_all(subscribers: list[Subscriber], url: str, at_once: int = 100) -> None:
    """In waves of `at_once`, as clients reconnecting after a deploy would."""
    for start in range(0, len(subscribers), at_once):
        await asyncio.gather(*(subscriber.open(url) for subscriber in subscribers[start : start + at_once]))


async def close_all(subscribers: list[Subscriber]) -> None:
    await asyncio.gather(*(subscriber.close() for subscriber in subscribers))
