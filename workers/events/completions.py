"""Completions of `events.dispatch` jobs, recorded in groups, beside the jobs rather than inside them.

Recording an event completed is one more transaction per event (begin, the tenant's settings, the update,
commit): about a sixth of what a `task.created` event costs the database with a webhook subscribed, and a job
that waited for it would hold its worker thread that much longer. The jobs of a worker process share one event
loop: each hands its event here and returns, and one writer records every completion handed meanwhile in one
transaction. A completion that is never written (the process died first, the database was down) leaves its event
open: the relay dispatches it again once its lease lapses, and the repeat finds every reaction done already.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import ANONYMOUS, tenant_session
from domain.events.outbox import complete
from workers import runtime

log = structlog.get_logger("rhythm.events")
#: At most this many in one statement.
BATCH = 500


class Completions:
    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]] = runtime.sessions) -> None:
        self._sessions = sessions
        self._waiting: list[uuid.UUID] = []
        self._writer: asyncio.Task[None] | None = None
        #: How many transactions recorded completions so far.
        self.writes = 0

    def hand(self, event_id: uuid.UUID) -> None:
        """Record the event completed soon, with the others handed meanwhile (call on the loop)."""
        self._waiting.append(event_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write())

    async def written(self) -> None:
        """Wait until everything handed so far is written (or failed)."""
        while self._writer is not None and not self._writer.done():
            await self._writer

    async def _write(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                async with tenant_session(self._sessions(), ANONYMOUS) as session:
                    await complete(session, group)
                self.writes += 1
            except Exception:
                log.warning("events_completion_not_recorded", events=len(group), exc_info=True)


_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Completions] = weakref.WeakKeyDictionary()


def hand_completed(event_id: uuid.UUID) -> None:
    """Hand to the writer of the running loop (the actors' loop in a worker process)."""
    loop = asyncio.get_running_loop()
    completions = _by_loop.get(loop)
    if completions is None:
        completions = _by_loop[loop] = Completions()
    completions.hand(event_id)
