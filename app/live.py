"""Live channels: Litestar's channels plugin, on Redis pub/sub when REDIS_URL is set (every API process hears
every message) and in memory otherwise, and the feed the subscriptions listen to.

Messages come from the `live` reaction (workers/live/actors.py). When the jobs run inside this process, it publishes
through this process's plugin; `rhythm worker` processes publish to Redis themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.channels import ChannelsPlugin, Subscriber
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from redis.asyncio import Redis

from resolvers.live.hub import LiveHub
from resolvers.live.rendering import render

#: Messages a slow subscriber may fall behind by before the oldest are dropped.
BACKLOG = 1000


class LiveChannels:
    def __init__(self, redis_url: str | None) -> None:
        # Bytes in and out: the pub/sub backend decodes channel names itself.
        self._redis = None if redis_url is None else Redis.from_url(redis_url)
        backend: ChannelsBackend = (
            MemoryChannelsBackend() if self._redis is None else OneConnectionPubSubBackend(redis=self._redis)
        )
        self.plugin = ForgetfulChannelsPlugin(
            backend=backend,
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )
        self.feed = ChannelsFeed(self.plugin)
        #: Every subscription of this process listens through it (resolvers/live/hub.py).
        self.hub = LiveHub(self.feed, render)

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Jobs that run in this process publish through this plugin, on this event loop."""
        from workers.live import publisher as live_publisher

        publisher = LoopPublisher(self.plugin, asyncio.get_running_loop())
        previous = live_publisher.install(publisher)
        try:
            yield
        finally:
            await self.hub.close()
            live_publisher.install(previous)
            if self._redis is not None:
                await self._redis.aclose()


class ForgetfulChannelsPlugin(ChannelsPlugin):
    """Litestar's channels plugin, except that a subscriber leaving costs the channels it follows, and a channel
    nobody follows any more is forgotten.

    The plugin keeps every channel it ever served (a person's channel for each person who ever subscribed) and, as
    each subscriber leaves, looks for it in every one of them: 22% of an API process's samples while 1,100
    sockets left at once in `bench.live`, quadratic in the subscribers, and a dict that only grows.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._followed: dict[Subscriber, set[str]] = {}

    async def subscribe(self, channels: str | Iterable[str], history: int | None = None) -> Subscriber:
        subscriber = await super().subscribe(channels, history)
        self._followed[subscriber] = {channels} if isinstance(channels, str) else set(channels)
        return subscriber

    async def unsubscribe(self, subscriber: Subscriber, channels: str | Iterable[str] | None = None) -> None:
        followed = self._followed.get(subscriber, set())
        leaving = set(followed) if channels is None else {channels} if isinstance(channels, str) else set(channels)
        emptied: list[str] = []
        for channel in leaving & followed:
            followers = self._channels.get(channel)
            if followers is None:
                continue
            followers.discard(subscriber)
            if not followers:
                del self._channels[channel]
                emptied.append(channel)
        followed -= leaving
        if not followed:
            self._followed.pop(subscriber, None)
            await subscriber.put(None)  # ends its stream, as the plugin's own unsubscribe does
            if subscriber.is_running:
                await subscriber.stop()
        if emptied:
            await self._backend.unsubscribe(emptied)


class OneConnectionPubSubBackend(RedisChannelsPubSubBackend):
    """Litestar's Redis pub/sub backend, its subscribes and unsubscribes one at a time.

    redis-py's asyncio PubSub takes its connection from the pool on the first SUBSCRIBE, unguarded: two
    subscriptions starting together on a fresh process (clients reconnecting after a restart) each take one, and
    the later replaces the earlier. Channels subscribed on the replaced connection stay subscribed in Redis, where
    PUBLISH counts them as heard, on a connection nothing reads; and as the plugin subscribes a channel only for
    its first subscriber, that channel stays silent in this process for as long as anyone follows it.
    """

    def __init__(self, *, redis: Redis) -> None:
        super().__init__(redis=redis)
        self._changing = asyncio.Lock()

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._changing:
            await super().subscribe(channels)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._changing:
            await super().unsubscribe(channels)


class LoopPublisher:
    """The jobs run on a thread of their own; the plugin's queues belong to the API's event loop."""

    def __init__(self, plugin: ChannelsPlugin, loop: asyncio.AbstractEventLoop) -> None:
        self._plugin = plugin
        self._loop = loop

    async def publish(self, data: bytes, channels: Sequence[str]) -> None:
        published = asyncio.run_coroutine_threadsafe(self._plugin.wait_published(data, list(channels)), self._loop)
        await asyncio.wrap_future(published)


class ChannelsFeed:
    def __init__(self, plugin: ChannelsPlugin) -> None:
        self._plugin = plugin

    @asynccontextmanager
    async def listen(self) -> AsyncIterator[ChannelsListener]:
        listener = ChannelsListener(self._plugin)
        try:
            yield listener
        finally:
            await listener.follow(())


class ChannelsListener:
    """One plugin subscriber per followed channel, merged into one stream, so channels come and go freely."""

    def __init__(self, plugin: ChannelsPlugin) -> None:
        self._plugin = plugin
        self._merged: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._followed: dict[str, tuple[Subscriber, asyncio.Task[None]]] = {}

    async def follow(self, channels: Collection[str]) -> None:
        wanted = set(channels)
        for channel in self._followed.keys() - wanted:
            subscriber, pump = self._followed.pop(channel)
            await self._plugin.unsubscribe(subscriber, channel)
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        for channel in wanted - self._followed.keys():
            subscriber = await self._plugin.subscribe(channel)
            self._followed[channel] = (subscriber, asyncio.create_task(self._pump(channel, subscriber)))

    async def _pump(self, channel: str, subscriber: Subscriber) -> None:
        async for data in subscriber.iter_events():
            if self._merged.qsize() >= BACKLOG:
                self._merged.get_nowait()
            self._merged.put_nowait((channel, data))

    def __aiter__(self) -> ChannelsListener:
        return self

    async def __anext__(self) -> tuple[str, bytes]:
        return await self._merged.get()
