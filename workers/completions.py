"""Completions of `events.dispatch` jobs, recorded in groups.

Recording an event completed is one more transaction per event (begin, the tenant's settings, the update,
commit): about a sixth of what a `task.created` event costs the database with a webhook subscribed. The jobs of a
worker process share one event loop, so while one completion is being written, those that finish meanwhile wait
and go together in the next transaction. Each job still returns only once its own completion committed; a worker
that dies before that leaves the event open, and the relay dispatches it again.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import ANONYMOUS, tenant_session
from domain.events.jobs import complete
from workers import runtime

#: At most this many in one statement.
BATCH = 500


class Completions:
    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]] = runtime.sessions) -> None:
        self._sessions = sessions
        #: How many transactions recorded completions so far.
        self.writes = 0
        self._waiting: list[tuple[uuid.UUID, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, event_id: uuid.UUID) -> None:
        """Return once the event is recorded completed (with others that finished meanwhile)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((event_id, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                async with tenant_session(self._sessions(), ANONYMOUS) as session:
                    await complete(session, [event_id for event_id, _ in group])
                self.writes += 1
            except Exception as error:
                for _, done in group:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Completions] = weakref.WeakKeyDictionary()


async def record_completed(event_id: uuid.UUID) -> None:
    """Record through the group of the running loop (the actors' loop in a worker process)."""
    loop = asyncio.get_running_loop()
    completions = _by_loop.get(loop)
    if completions is None:
        completions = _by_loop[loop] = Completions()
    await completions.record(event_id)
