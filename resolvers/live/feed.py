"""What subscriptions need from the transport: follow named channels, read the messages that arrive, and send an
event rendered once for many as it is.

The app implements them with Litestar's channels (in memory, or Redis pub/sub across API processes) and the
WebSocket of each operation; the resolvers never see which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol


class Listener(Protocol):
    async def follow(self, channels: Collection[str]) -> None:
        """Listen to exactly these channels from now on."""

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        """The messages of the followed channels as they arrive, each with the channel it came on."""


class LiveFeed(Protocol):
    def listen(self) -> AbstractAsyncContextManager[Listener]:
        """A listener that follows nothing yet, and stops following everything when the block ends."""


class LiveSink(Protocol):
    """One subscription operation on a socket: its document as the client sent it, and a way to send a `next`
    message whose payload was rendered (and encoded) once for many subscribers."""

    @property
    def query(self) -> str: ...

    @property
    def variables(self) -> dict[str, Any] | None: ...

    @property
    def operation_name(self) -> str | None: ...

    async def send(self, payload: str) -> None:
        """Send `{"id": ..., "type": "next", "payload": <payload>}`; nothing once the operation or socket ended."""
