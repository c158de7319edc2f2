"""The loop every subscription runs: register with the process's hub, then send what the fan-out rendered for it,
or re-read a message as the subscriber and yield what they may see.

A subscription holds no transaction while it waits. A message on its own path gets a short transaction of its
own, as the subscriber: the resolver re-reads the subject in it under the row-level policies, and the event's
fields resolve in it too (the dataloaders start empty for every event). It ends once the event has been sent.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from graphql import GraphQLError

from base.metrics import LIVE_RENDERS, LIVE_SENT, LIVE_SUBSCRIPTIONS
from domain.errors import NotFound
from domain.live.access import readable_companies
from domain.live.messages import LiveMessage, company_channel, user_channel
from resolvers.context import Context, Info
from resolvers.live.hub import Frame, LiveHub, LiveSubscription
from resolvers.live.rendering import shared_document
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
    #: Whether the fan-out may render its events once for many subscribers (when the selection allows it).
    shared: bool = False


Resolve = Callable[[Context, LiveMessage], Awaitable[T | None]]


async def live_events(
    info: Info, topic: Topic, only_company: uuid.UUID | None, resolve: Resolve[T]
) -> AsyncGenerator[T, None]:
    context = info.context
    hub = context.services.live
    if hub is None:
        raise GraphQLError("Live updates are not available here.", extensions={"code": "UNAVAILABLE"})
    if topic.resource is None:
        person(info)
    else:
        signed_in(info)
    # Whatever the operation opened before (authenticating an API key) must not stay open while it waits.
    await _end_event(context)
    subscription = LiveSubscription(
        caller=context.caller,
        area=topic.area,
        resource=topic.resource,
        services=context.services,
        shared=shared_document(info, resolve) if topic.shared else None,
    )
    async with hub.joined(subscription), _counted():
        try:
            await _follow(context, hub, subscription, topic, only_company, first=True)
        finally:
            await _end_event(context)
        while True:
            item = await subscription.next()
            if isinstance(item, Frame):
                assert context.live_sink is not None
                await context.live_sink.send(item.payload)
                LIVE_SENT.labels("shared").inc()
                continue
            try:
                if topic.resource is not None and _concerns_viewer(context, item):
                    # The viewer joined or left a company: follow the companies they may read now.
                    await _follow(context, hub, subscription, topic, only_company)
                event = await resolve(context, item) if item.area == topic.area else None
                if event is not None:
                    LIVE_RENDERS.labels("own").inc()
                    LIVE_SENT.labels("own").inc()
                    yield event
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
    context: Context,
    hub: LiveHub,
    subscription: LiveSubscription,
    topic: Topic,
    only_company: uuid.UUID | None,
    *,
    first: bool = False,
) -> None:
    channels = {company_channel(company_id) for company_id in await _companies(context, topic, only_company, first)}
    if context.caller.user_id is not None:
        channels.add(user_channel(context.caller.user_id))
    await hub.follow(subscription, channels)


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
