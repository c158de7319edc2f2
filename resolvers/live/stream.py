"""The loop every subscription runs: listen, re-read each message as the subscriber, yield what they may see.

A subscription holds no transaction while it waits. Each message gets a short one of its own, as the
subscriber: the resolver re-reads the subject in it under the row-level policies, and the event's fields
resolve in it too (the dataloaders start empty for every event). It ends once the event has been sent.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from graphql import GraphQLError

from base.metrics import LIVE_SUBSCRIPTIONS
from domain.errors import NotFound
from domain.live.access import readable_companies
from domain.live.messages import LiveMessage, company_channel, user_channel
from resolvers.context import Context, Info
from resolvers.live.feed import Listener
from resolvers.mutation import person, signed_in

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Topic:
    #: The events' area: `task` for `task.created`.
    area: str
    #: What the subscriber must be allowed to read, as the policies name it (`rhythm.company_ids`). None for
    #: events meant for the subscriber alone (their notifications): those travel on the person's own channel
    #: only, so no company channel is followed, and only a person (not an API key) may subscribe.
    resource: str | None


Resolve = Callable[[Info, LiveMessage], Awaitable[T | None]]


class Recent:
    """Event ids seen lately: an event can arrive twice (on two channels, or redelivered), and shows once."""

    def __init__(self, size: int = 512) -> None:
        self._order: deque[uuid.UUID] = deque(maxlen=size)
        self._ids: set[uuid.UUID] = set()

    def first(self, event_id: uuid.UUID) -> bool:
        if event_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(event_id)
        self._ids.add(event_id)
        return True


async def live_events(
    info: Info, topic: Topic, only_company: uuid.UUID | None, resolve: Resolve[T]
) -> AsyncGenerator[T, None]:
    context = info.context
    feed = context.services.live
    if feed is None:
        raise GraphQLError("Live updates are not available here.", extensions={"code": "UNAVAILABLE"})
    if topic.resource is None:
        person(info)
    else:
        signed_in(info)
    # Whatever the operation opened before (authenticating an API key) must not stay open while it waits.
    await _end_event(context)
    async with feed.listen() as listener, _counted():
        try:
            await _follow(context, listener, topic, only_company, first=True)
        finally:
            await _end_event(context)
        recent = Recent()
        async for data in listener:
            message = LiveMessage.decode(data)
            if message is None or not recent.first(message.id):
                continue
            try:
                if topic.resource is not None and _concerns_viewer(context, message):
                    # The viewer joined or left a company: follow the companies they may read now.
                    await _follow(context, listener, topic, only_company)
                item = await resolve(info, message) if message.area == topic.area else None
                if item is not None:
                    yield item
            finally:
                await _end_event(context)


@asynccontextmanager
async def _counted() -> AsyncIterator[None]:
    LIVE_SUBSCRIPTIONS.inc()
    try:
        yield
    finally:
        LIVE_SUBSCRIPTIONS.dec()


def _concerns_viewer(context: Context, message: LiveMessage) -> bool:
    viewer = context.caller.user_id
    return viewer is not None and message.area == "membership" and message.subject_id == viewer


async def _follow(
    context: Context, listener: Listener, topic: Topic, only_company: uuid.UUID | None, *, first: bool = False
) -> None:
    channels = {company_channel(company_id) for company_id in await _companies(context, topic, only_company, first)}
    if context.caller.user_id is not None:
        channels.add(user_channel(context.caller.user_id))
    await listener.follow(channels)


async def _companies(context: Context, topic: Topic, only_company: uuid.UUID | None, first: bool) -> set[uuid.UUID]:
    """The companies whose channels to follow: those whose `topic.resource` the subscriber may read now."""
    if topic.resource is None:
        return set()
    async with context.transaction.exclusive_session() as session:
        companies = await readable_companies(session, topic.resource)
    if only_company is not None:
        if first and only_company not in companies:
            raise NotFound("No such Company.")
        companies &= {only_company}
    return companies


async def _end_event(context: Context) -> None:
    await context.transaction.finish(commit=False)
    context.loaders = None
