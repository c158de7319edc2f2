"""What subscriptions need from the transport: follow named channels, read the messages that arrive.

The app implements it with Litestar's channels (in memory, or Redis pub/sub across API processes); the
resolvers never see which.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Listener(Protocol):
    async def follow(self, channels: Collection[str]) -> None:
        """Listen to exactly these channels from now on."""

    def __aiter__(self) -> AsyncIterator[bytes]:
        """The messages of the followed channels, as they arrive."""


class LiveFeed(Protocol):
    def listen(self) -> AbstractAsyncContextManager[Listener]:
        """A listener that follows nothing yet, and stops following everything when the block ends."""
