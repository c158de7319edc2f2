"""What every resolver reaches through `info.context`: the caller, one transaction, and the loaders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.litestar.controller import BaseContext

from db.tenant import ANONYMOUS, NO_JIT, Caller, begin_as, read_as
from domain.auth.passwords import Passwords
from domain.auth.tokens import TokenConfig
from domain.calendar_sync.context import ConsentConfig
from domain.jobs.queues import QueueReader

if TYPE_CHECKING:
    from resolvers.live.feed import LiveFeed
    from resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Services:
    """Built once per process by the app and shared by every request."""

    sessions: async_sessionmaker[AsyncSession]
    tokens: TokenConfig
    passwords: Passwords
    max_page_size: int
    # Tests and local development post webhooks to loopback receivers; production refuses private targets.
    webhooks_allow_private_targets: bool = False
    # Where subscriptions listen for committed changes; None where nothing publishes them.
    live: LiveFeed | None = None
    # The broker's queue figures, for platform administrators; None where no broker is known.
    queues: QueueReader | None = None
    # Calendar consent (token keys, OAuth apps); None where calendar sync is not set up.
    calendar_consent: ConsentConfig | None = None


class Transaction:
    """One database transaction per GraphQL operation, opened on first use.

    Sibling fields resolve concurrently but share one connection, so the lock hands it to one at a time.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], caller: Caller) -> None:
        self._sessions = sessions
        self.caller = caller
        self.lock = asyncio.Lock()
        self._session: AsyncSession | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            session = self._sessions()
            await session.begin()
            await begin_as(session, self.caller)
            self._session = session
        return self._session

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

    async def act_as(self, caller: Caller) -> None:
        self.caller = caller
        if self._session is not None:
            await begin_as(self._session, caller)

    async def finish(self, *, commit: bool) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if commit:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()


class Context(BaseContext, kw_only=True):
    services: Services
    transaction: Transaction
    request_id: str
    loaders: Any = None
    # A websocket's `connection_init` payload, which carries its credentials (app/websocket.py).
    connection_params: dict[str, Any] | None = None

    @property
    def caller(self) -> Caller:
        return self.transaction.caller

    def get_loaders(self) -> Loaders:
        if self.loaders is None:
            from resolvers.loaders import Loaders

            self.loaders = Loaders(self.transaction)
        return self.loaders  # type: ignore[no-any-return]


def new_context(services: Services, request_id: str, caller: Caller = ANONYMOUS) -> Context:
    return Context(services=services, transaction=Transaction(services.sessions, caller), request_id=request_id)


Info: TypeAlias = strawberry.Info[Context, None]
