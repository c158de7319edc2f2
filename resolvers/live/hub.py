"""One listener per API process for all its live subscriptions, and the fan-out of each event.

Every subscription on the process registers here with the channels it follows; the hub follows their union once
(one plugin subscriber per channel, not one per subscription) and hands each message to the subscriptions that
follow the channel it came on. A subscription whose selection is company-wide (resolvers/live/sharing.py) is
served by the fan-out: one statement (`rhythm.live_readers`) decides, under the policies' own function, which of
the event's subscribers may read it now and with which role; each group of the same document, variables, role (or
API key scopes) gets the event rendered once, as one of its members narrowed to the event's company, and every
member is sent that text. Any other subscription, or an event whose shared rendering failed, takes its own path:
the subscription re-reads the event as its subscriber alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Hashable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from graphql import DocumentNode, GraphQLSchema
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.memory import give_back
from db.tenant import ANONYMOUS, Caller
from domain.live.access import API_KEY, ReaderContext, readers
from domain.live.messages import LiveMessage
from resolvers.live.feed import Listener, LiveFeed
from resolvers.recent import Recent
from resolvers.transaction import Transaction

log = structlog.get_logger("rhythm.live")

#: Items a slow subscriber may fall behind by before the oldest are dropped.
BACKLOG = 1000
#: Subscriptions that end before memory is given back (base/memory.py), and the pause after the last of them.
LEFT_BEFORE_GIVING_BACK = 100
GIVE_BACK_AFTER_SECONDS = 2.0
#: Messages remembered with the channels they came on, so one arriving again (on a second channel, or
#: redelivered) reaches nobody twice.
REMEMBERED = 2048


class HasSessions(Protocol):
    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]: ...


@dataclass(frozen=True, slots=True)
class SharedDocument:
    """What the fan-out needs to render a subscription's events: its document, variables and event resolver."""

    schema: GraphQLSchema
    document: DocumentNode
    variables: dict[str, Any] | None
    operation_name: str | None
    #: The event (a `TaskEvent`, ...) a message becomes, read in the given context; None when it shows nothing.
    resolve: Callable[[Any, LiveMessage], Awaitable[Any]]
    #: Subscriptions with equal keys render an event alike (given the same role or scopes).
    key: Hashable


@dataclass(frozen=True, slots=True)
class Frame:
    """An event rendered once for a group: the JSON text of a `next` message's payload."""

    payload: str


#: What a group's rendering gives: the frame, None when the event shows nothing to this group, or FAILED.
FAILED = object()
Render = Callable[[LiveMessage, "LiveSubscription"], Awaitable[object]]


class LiveSubscription:
    """One subscription on this process: who, on which topic, what it follows, and what it has to send."""

    __slots__ = ("_ready", "area", "caller", "channels", "inbox", "resource", "services", "shared")

    def __init__(
        self, *, caller: Caller, area: str, resource: str | None, services: HasSessions, shared: SharedDocument | None
    ) -> None:
        self.caller = caller
        self.area = area
        self.resource = resource
        self.services = services
        #: Set when the fan-out may serve it.
        self.shared = shared
        self.channels: frozenset[str] = frozenset()
        self.inbox: deque[LiveMessage | Frame] = deque(maxlen=BACKLOG)
        self._ready = asyncio.Event()

    def offer(self, item: LiveMessage | Frame) -> None:
        self.inbox.append(item)
        self._ready.set()

    async def next(self) -> LiveMessage | Frame:
        while not self.inbox:
            self._ready.clear()
            await self._ready.wait()
        return self.inbox.popleft()

    def served_by_fan_out(self, message: LiveMessage) -> bool:
        return self.shared is not None and message.area == self.area and message.user_id is None

    def wants(self, message: LiveMessage) -> bool:
        """Its own topic, or a change to the subscriber's own memberships (the companies it follows change)."""
        if message.area == self.area:
            return True
        viewer = self.caller.user_id
        return (
            self.resource is not None
            and message.area == "membership"
            and viewer is not None
            and (message.subject_id == viewer)
        )

    def group_key(self, role: str) -> Hashable:
        assert self.shared is not None
        scopes = ReaderContext.of(self.caller).api_scopes if role == API_KEY else ""
        return (self.shared.key, role, scopes)


class LiveHub:
    def __init__(self, feed: LiveFeed, render: Render) -> None:
        self._feed = feed
        self._render = render
        self._followers: dict[str, set[LiveSubscription]] = {}
        self._arrived: Recent[uuid.UUID, set[str]] = Recent(REMEMBERED)
        self._changing = asyncio.Lock()
        self._stack: AsyncExitStack | None = None
        self._listener: Listener | None = None
        self._task: asyncio.Task[None] | None = None
        self._left = 0
        self._giving_back: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def joined(self, subscription: LiveSubscription) -> AsyncIterator[LiveSubscription]:
        """The subscription, registered until the block ends (cancelled or not), then forgotten entirely."""
        try:
            yield subscription
        finally:
            await asyncio.shield(self.follow(subscription, ()))

    async def follow(self, subscription: LiveSubscription, channels: Collection[str]) -> None:
        """Exactly these channels for `subscription` from now on."""
        wanted = frozenset(channels)
        async with self._changing:
            for channel in subscription.channels - wanted:
                followers = self._followers.get(channel)
                if followers is not None:
                    followers.discard(subscription)
                    if not followers:
                        del self._followers[channel]
            for channel in wanted - subscription.channels:
                self._followers.setdefault(channel, set()).add(subscription)
            if subscription.channels and not wanted:
                self._forget(subscription)
            subscription.channels = wanted
            if self._followers and self._listener is None:
                await self._start()
            if self._listener is not None:
                await self._listener.follow(self._followers.keys())

    def _forget(self, subscription: LiveSubscription) -> None:
        """A subscription ended: what it had queued goes, and after many have ended, memory goes back."""
        subscription.inbox.clear()
        self._left += 1
        if (self._left >= LEFT_BEFORE_GIVING_BACK or not self._followers) and self._giving_back is None:
            self._left = 0
            self._giving_back = asyncio.create_task(self._give_back())

    async def _give_back(self) -> None:
        try:
            # Subscribers leave together (a tab closed, a deploy): collect once they are gone, not for each.
            await asyncio.sleep(GIVE_BACK_AFTER_SECONDS)
            give_back()
        finally:
            self._giving_back = None

    async def _start(self) -> None:
        self._stack = AsyncExitStack()
        self._listener = await self._stack.enter_async_context(self._feed.listen())
        self._task = asyncio.create_task(self._run(self._listener))

    async def close(self) -> None:
        if self._giving_back is not None:
            self._giving_back.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._stack is not None:
            await self._stack.aclose()
        self._task = self._stack = self._listener = None

    async def _run(self, listener: Listener) -> None:
        async for channel, data in listener:
            try:
                await self.dispatch(channel, data)
            except Exception:
                log.exception("live_dispatch_failed", channel=channel)

    async def dispatch(self, channel: str, data: bytes) -> None:
        message = LiveMessage.decode(data)
        if message is None:
            return
        arrived = self._arrived.get_or_make(message.id, set)
        assert arrived is not None
        if channel in arrived:
            return
        earlier = frozenset(arrived)
        arrived.add(channel)
        fanned_out: list[LiveSubscription] = []
        for subscription in list(self._followers.get(channel, ())):
            if subscription.channels & earlier or not subscription.wants(message):
                continue
            if subscription.served_by_fan_out(message):
                fanned_out.append(subscription)
            else:
                subscription.offer(message)
        if fanned_out:
            await self._fan_out(message, fanned_out)

    async def _fan_out(self, message: LiveMessage, subscriptions: list[LiveSubscription]) -> None:
        by_resource: dict[str | None, list[LiveSubscription]] = {}
        for subscription in subscriptions:
            by_resource.setdefault(subscription.resource, []).append(subscription)
        for resource, members in by_resource.items():
            assert resource is not None
            for group in (await self._readable_groups(message, resource, members)).values():
                rendered = await self._render(message, group[0])
                for subscription in group:
                    if isinstance(rendered, Frame):
                        subscription.offer(rendered)
                    elif rendered is FAILED:
                        # Each subscriber re-reads it alone, and gets its own answer (or its own error).
                        subscription.offer(message)

    async def _readable_groups(
        self, message: LiveMessage, resource: str, subscriptions: list[LiveSubscription]
    ) -> dict[Hashable, list[LiveSubscription]]:
        """The subscriptions that may read the event now, grouped by what they would see of it."""
        contexts = list(dict.fromkeys(ReaderContext.of(subscription.caller) for subscription in subscriptions))
        transaction = Transaction(subscriptions[0].services.sessions, ANONYMOUS)
        try:
            async with transaction.exclusive_session() as session:
                roles = dict(zip(contexts, await readers(session, resource, message.company_id, contexts), strict=True))
        finally:
            await transaction.finish(commit=False)
        groups: dict[Hashable, list[LiveSubscription]] = {}
        for subscription in subscriptions:
            role = roles[ReaderContext.of(subscription.caller)]
            if role is not None:
                groups.setdefault(subscription.group_key(role), []).append(subscription)
        return groups
