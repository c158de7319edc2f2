"""The outbox relay: committed events to the broker until their reactions completed (jobs dedupe on the event id).

It wakes on LISTEN/NOTIFY (or directly, when a writer of its own process wakes it after committing:
db/outbox_wake.py) and polls as a fallback, claims a batch with a short lease (several relays skip each
other's rows), enqueues outside any transaction, then holds the batch for the reaction lease. An event is done
when `events.dispatch` records its reactions completed, not when the broker took its message: once the hold
lapses on an event still open (the broker lost the message, or the worker running it died), the next claim takes
it again, so the relay is also the reconciler. A broker that is down leaves the claim to lapse the same way.
An event dispatched `max_dispatches` times without completing is given up and recorded as a dead letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import outbox_wake
from db.tenant import ANONYMOUS, tenant_session, worker_for
from domain.dead_letters import service as dead_letters
from workers.loop_runs import loop_pass

log = structlog.get_logger("rhythm.relay")
CHANNEL = "rhythm_outbox"


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    id: uuid.UUID
    company_id: uuid.UUID
    type: str
    #: How many times it was handed to the broker before this claim.
    dispatches: int = 0
    #: The trace of the request that wrote the event, for the jobs it causes to join.
    trace_context: dict[str, str] | None = None


Publish = Callable[[Sequence[ClaimedEvent]], None]


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        database_url: str,
        publish: Publish,
        *,
        poll_seconds: float = 2.0,
        batch: int = 200,
        lease: timedelta = timedelta(seconds=30),
        reaction_lease: timedelta = timedelta(seconds=60),
        max_dispatches: int = 8,
    ) -> None:
        self._sessions = sessions
        self._listen_url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._lease = lease
        self._reaction_lease = reaction_lease
        self._max_dispatches = max_dispatches
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        listener = await self._listen()
        try:
            # Writers of this process that skip NOTIFY wake this relay directly once committed (db/outbox_wake.py).
            with outbox_wake.relay_running(self._wake.set):
                while not stop.is_set():
                    try:
                        with loop_pass("outbox_relay"):
                            await self.drain()
                    except Exception:
                        log.exception("relay_pass_failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wait(stop), self._poll_seconds)
                    self._wake.clear()
        finally:
            if listener is not None:
                await listener.close()

    async def _wait(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            connection = await asyncpg.connect(self._listen_url)
            await connection.add_listener(CHANNEL, lambda *_: self._wake.set())
            return connection
        except (OSError, asyncpg.PostgresError):
            log.warning("relay_listen_unavailable", fallback="polling")
            return None

    async def drain(self) -> int:
        """Dispatch every event that is new or whose hold lapsed; the number dispatched."""
        dispatched = 0
        while batch := await self._claim():
            spent = [event for event in batch if event.dispatches >= self._max_dispatches]
            due = [event for event in batch if event.dispatches < self._max_dispatches]
            if spent:
                await self._give_up(spent)
            if due:
                await asyncio.to_thread(self._publish, due)
                await self._mark_dispatched([event.id for event in due])
            dispatched += len(due)
        return dispatched

    async def _claim(self) -> list[ClaimedEvent]:
        async with tenant_session(self._sessions, ANONYMOUS) as session:
            rows = await session.execute(
                text("SELECT id, company_id, type, dispatches, trace_context FROM rhythm.claim_outbox(:batch, :lease)"),
                {"batch": self._batch, "lease": self._lease},
            )
            return [
                ClaimedEvent(
                    id=row.id,
                    company_id=row.company_id,
                    type=row.type,
                    dispatches=row.dispatches,
                    trace_context=row.trace_context,
                )
                for row in rows
            ]

    async def _mark_dispatched(self, ids: list[uuid.UUID]) -> None:
        async with tenant_session(self._sessions, ANONYMOUS) as session:
            await session.execute(
                text("SELECT rhythm.mark_dispatched(:ids, :lease)"), {"ids": ids, "lease": self._reaction_lease}
            )

    async def _give_up(self, events: Sequence[ClaimedEvent]) -> None:
        """Record each event as a dead letter of its company (owners may replay it), then stop dispatching it."""
        now = datetime.now(UTC)
        for event in events:
            async with tenant_session(self._sessions, worker_for(event.company_id)) as session:
                await dead_letters.record(session, given_up(event, now))
            log.warning("event_given_up", event_id=str(event.id), type=event.type, dispatches=event.dispatches)
        async with tenant_session(self._sessions, ANONYMOUS) as session:
            await session.execute(text("SELECT rhythm.give_up_events(:ids)"), {"ids": [event.id for event in events]})


def dispatch_message(event: ClaimedEvent) -> dict[str, object]:
    """The `events.dispatch` message of an event, as the broker and a dead letter's replay carry it."""
    return {
        "queue_name": "events",
        "actor_name": "events.dispatch",
        "args": [str(event.id), str(event.company_id)],
        "kwargs": {},
        "options": {},
    }


def given_up(event: ClaimedEvent, now: datetime) -> dead_letters.GivenUp:
    return dead_letters.GivenUp(
        company_id=event.company_id,
        queue="events",
        actor="events.dispatch",
        message_id=str(event.id),
        broker_message_id=None,
        message=dispatch_message(event),
        reason=f"Dispatched {event.dispatches} times without its reactions completing ({event.type}).",
        attempts=event.dispatches,
        failed_at=now,
    )
