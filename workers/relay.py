"""The outbox relay: committed events to the broker, each once or more (jobs dedupe on the event id).

It wakes on LISTEN/NOTIFY and polls as a fallback, claims a batch with a short lease (several relays skip each
other's rows), enqueues outside any transaction, then marks the batch published. A broker that is down leaves
the events unpublished; the lease lapses and the next pass sends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import ANONYMOUS, tenant_session

log = structlog.get_logger("rhythm.relay")
CHANNEL = "rhythm_outbox"


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    id: uuid.UUID
    company_id: uuid.UUID
    type: str
    # The trace of the request that wrote the event, for the jobs it causes to join.
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
    ) -> None:
        self._sessions = sessions
        self._listen_url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._batch = batch
        self._lease = lease
        self._wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        listener = await self._listen()
        try:
            while not stop.is_set():
                try:
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
        """Publish every unpublished event; the number published."""
        published = 0
        while batch := await self._claim():
            await asyncio.to_thread(self._publish, batch)
            await self._mark_published([event.id for event in batch])
            published += len(batch)
        return published

    async def _claim(self) -> list[ClaimedEvent]:
        async with tenant_session(self._sessions, ANONYMOUS) as session:
            rows = await session.execute(
                text("SELECT id, company_id, type, trace_context FROM rhythm.claim_outbox(:batch, :lease)"),
                {"batch": self._batch, "lease": self._lease},
            )
            return [
                ClaimedEvent(id=row.id, company_id=row.company_id, type=row.type, trace_context=row.trace_context)
                for row in rows
            ]

    async def _mark_published(self, ids: list[uuid.UUID]) -> None:
        async with tenant_session(self._sessions, ANONYMOUS) as session:
            await session.execute(text("SELECT rhythm.mark_published(:ids)"), {"ids": ids})
