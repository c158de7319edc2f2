"""One database transaction per GraphQL operation, shared by every resolver of the operation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import NO_JIT, Caller, begin_as, read_as, start_as, write_as
from domain.audit.origin import NOWHERE, Origin, with_origin

T = TypeVar("T")


class Transaction:
    """One database transaction per GraphQL operation, opened on first use.

    Sibling fields resolve concurrently but share one connection, so the lock hands it to one at a time.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], caller: Caller) -> None:
        self._sessions = sessions
        self.caller = caller
        # Where the request came from, for the audit log and sign-in history the operation writes.
        self.origin: Origin = NOWHERE
        self.lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._discarded = False

    async def session(self) -> AsyncSession:
        if self._session is None:
            session = self._sessions()
            with_origin(session, self.origin)
            await start_as(session, self.caller)
            self._session = session
        return self._session

    @asynccontextmanager
    async def exclusive_session(self) -> AsyncIterator[AsyncSession]:
        """The session, held by this resolver alone until the block ends (the lock, then the session)."""
        async with self.lock:
            yield await self.session()

    async def read(self, sql: str, params: Sequence[Any]) -> Any:
        """The single value one read statement returns, as the caller.

        Inside the transaction when one is open (looking up an API key opens it); otherwise in a transaction of
        its own that has committed when this returns, so `finish` has nothing left to do.
        """
        if self._session is not None:
            connection = await self._session.connection()
            await connection.exec_driver_sql(NO_JIT)
            return (await connection.exec_driver_sql(sql, tuple(params))).scalar_one()
        bind = self._sessions.kw["bind"]
        return await read_as(bind, self.caller, sql, params)

    @property
    def opened(self) -> bool:
        """Whether the operation's transaction has begun (its session holds a connection)."""
        return self._session is not None

    async def write(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """What `work` returns, run as the caller straight through the driver in a transaction of its own,
        committed when this returns (db.tenant.write_as). Only before the operation's transaction has begun."""
        if self._session is not None:
            raise RuntimeError("the operation's transaction has begun")
        return await write_as(self._sessions.kw["bind"], self.caller, work)

    async def act_as(self, caller: Caller) -> None:
        self.caller = caller
        if self._session is not None:
            await begin_as(self._session, caller)

    def discard(self) -> None:
        """Roll back at `finish` whatever it is asked: the operation's one mutation returned a typed error."""
        self._discarded = True

    async def finish(self, *, commit: bool) -> None:
        session, self._session = self._session, None
        discarded, self._discarded = self._discarded, False
        if session is None:
            return
        try:
            if commit and not discarded:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
