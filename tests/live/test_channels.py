"""The live channels on Redis, in one process: every listener hears its channels, also those that start together
on a fresh process."""

from __future__ import annotations

import asyncio
import uuid

from litestar import Litestar
from redis.asyncio import Redis

from app.live import LiveChannels
from domain.live.messages import company_channel, user_channel
from tests.waiting import PATIENCE_SECONDS


async def test_listeners_that_start_together_on_a_fresh_process_each_hear_their_channels(redis_url: str) -> None:
    people = [uuid.uuid4() for _ in range(4)]
    channels = {person: [user_channel(person), company_channel(uuid.uuid4())] for person in people}
    live = LiveChannels(redis_url)
    publisher = Redis.from_url(redis_url)
    try:
        async with (
            live.lifespan(Litestar()),
            live.plugin,
            live.feed.listen() as first,
            live.feed.listen() as second,
            live.feed.listen() as third,
            live.feed.listen() as fourth,
        ):
            listeners = dict(zip(people, [first, second, third, fourth], strict=True))
            # Nothing subscribed yet in this process: the listeners' first subscriptions race each other.
            await asyncio.gather(*(listeners[person].follow(channels[person]) for person in people))
            for person in people:
                for channel in channels[person]:
                    await publisher.publish(channel, channel.encode())

            for person in people:
                messages = [await asyncio.wait_for(anext(listeners[person]), PATIENCE_SECONDS) for _ in range(2)]
                heard = {data.decode() for _, data in messages}
                assert heard == set(channels[person])
    finally:
        await publisher.aclose()


async def test_a_channel_nobody_follows_any_more_is_forgotten_and_the_followed_ones_still_carry() -> None:
    stays = user_channel(uuid.uuid4())
    company = company_channel(uuid.uuid4())
    live = LiveChannels(None)
    async with live.plugin, live.feed.listen() as staying:
        await staying.follow([stays, company])
        for _ in range(50):
            async with live.feed.listen() as passing:
                await passing.follow([user_channel(uuid.uuid4()), company])
        # Fifty people came and went: their own channels are gone, the channels still followed are kept.
        assert set(live.plugin._channels) == {stays, company}
        await live.plugin.wait_published(b"still here", [stays])
        await live.plugin.wait_published(b"everyone", [company])
        heard = {await asyncio.wait_for(anext(staying), PATIENCE_SECONDS) for _ in range(2)}
        assert heard == {(stays, b"still here"), (company, b"everyone")}
