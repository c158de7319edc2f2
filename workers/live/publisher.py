"""Where live messages go: the `live` reaction (workers/live/actors.py) and the notification actors publish here.

The API process that runs the jobs itself (no Redis) installs a publisher that hands the message to its own
channels plugin. A `rhythm worker` process has none, and publishes to Redis, on the very channel names the
API's Redis pub/sub backend subscribes to, so every API process hears every message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog
from redis.asyncio import Redis

from base.settings import get_settings
from domain.live.messages import LiveMessage

log = structlog.get_logger("rhythm.live")


class Publisher(Protocol):
    async def publish(self, data: bytes, channels: Sequence[str]) -> None: ...


class RedisPublisher:
    """Plain PUBLISH: Litestar's pub/sub backend subscribes to the channel names unchanged."""

    def __init__(self, url: str) -> None:
        self._url = url
        # Made on first use, on the actors' event loop, which lives as long as the worker process.
        self._client: Redis | None = None

    async def publish(self, data: bytes, channels: Sequence[str]) -> None:
        if self._client is None:
            self._client = Redis.from_url(self._url)
        async with self._client.pipeline(transaction=False) as pipeline:
            for channel in channels:
                pipeline.publish(channel, data)
            await pipeline.execute()


_installed: Publisher | None = None
_fallback: RedisPublisher | None = None


def install(publisher: Publisher | None) -> Publisher | None:
    """Publish through `publisher` in this process (None: back to Redis); returns the one it replaces."""
    global _installed
    previous, _installed = _installed, publisher
    return previous


def current_publisher() -> Publisher | None:
    global _fallback
    if _installed is not None:
        return _installed
    url = get_settings().redis_url
    if url is None:
        return None
    if _fallback is None:
        _fallback = RedisPublisher(url)
    return _fallback


async def publish(message: LiveMessage) -> None:
    """Live updates are best effort: a lost message costs a subscriber a refresh, never a retried job."""
    publisher = current_publisher()
    if publisher is None:
        return
    try:
        await publisher.publish(message.encode(), message.channels())
    except Exception:
        log.warning("live_publish_failed", event_id=str(message.id), type=message.type, exc_info=True)
