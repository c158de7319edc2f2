"""The one choke point for tenant scoping, used by the API and workers alike.

Each unit of work runs in one transaction whose first statement switches to the `rhythm_app` role and names
the caller with transaction-local settings, so the policies (not Python) decide what the caller sees. The
settings vanish at commit or rollback, so a pooled connection never carries a caller into the next request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import greenlet_spawn

from db import outbox_wake
from db.engine import ended_by_the_server
from db.models.credentials import ApiScope

APP_ROLE = "rhythm_app"

T = TypeVar("T")

# The role and the caller's settings, the first statement of a session's transaction. Sent as SQL text through
# the driver: SQLAlchemy's compile and bind steps for a text() statement cost more CPU than the round trip.
_SET_CALLER = (
    "SELECT set_config('role', $1, true), set_config('rhythm.user_id', $2, true),"
    " set_config('rhythm.company_id', $3, true), set_config('rhythm.api_company_id', $4, true),"
    " set_config('rhythm.api_scopes', $5, true), set_config('rhythm.second_factor', $6, true)"
)
# The same settings for a short read sent straight through the driver; with JIT off, which only slows these
# reads down (compiling a large statement can take longer than running it).
_SET_CALLER_POSITIONAL = _SET_CALLER + ", set_config('jit', 'off', true)"
# A driver-direct write also says it wakes the outbox relays after its COMMIT (db/outbox_wake.py), so its events'
# trigger sends no NOTIFY, which would hold a database-wide lock until the commit is flushed.
_WAKES_AFTER_COMMIT = f", set_config('{outbox_wake.WOKEN_AFTER_COMMIT}', 'on', true)"
NO_JIT = "SELECT set_config('jit', 'off', true)"
_SETTING_NAMES = ("role", "user_id", "company_id", "api_company_id", "api_scopes", "second_factor")


# Scopes only workers hold: the api_keys table admits the public ApiScope values alone.
WORKER_SCOPES = frozenset(
    {scope.value for scope in ApiScope}
    | {
        "accounts:write",
        "ai:read",
        "ai:write",
        "events:read",
        "jobs:write",
        "notifications:write",
        "schedules:read",
        "schedules:write",
        "webhooks:read",
        "webhooks:write",
    }
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who runs a transaction: a person, an integrator's API key, a worker acting for one company, or nobody."""

    user_id: uuid.UUID | None = None
    # A person may narrow a request to one company; an API key and a worker are always limited to theirs.
    company_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    api_scopes: frozenset[str] = field(default_factory=frozenset)
    is_worker: bool = False
    # A person's sign-in session (refresh-token family), named by their access token: which one is "this device".
    session_id: uuid.UUID | None = None
    # The person's session passed a second factor: companies that require one are reachable from it.
    second_factor: bool = False

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.api_key_id is None and not self.is_worker

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    @property
    def acts_for_company(self) -> bool:
        return self.is_api_key or self.is_worker


def worker_for(company_id: uuid.UUID) -> Caller:
    """A background job's caller: everything a job needs inside one company, nothing outside it."""
    return Caller(company_id=company_id, api_scopes=WORKER_SCOPES, is_worker=True)


ANONYMOUS = Caller()


def caller_settings(caller: Caller) -> dict[str, str]:
    def text_of(value: uuid.UUID | None) -> str:
        return "" if value is None else str(value)

    return {
        "role": APP_ROLE,
        "user_id": text_of(caller.user_id),
        "company_id": "" if caller.acts_for_company else text_of(caller.company_id),
        "api_company_id": text_of(caller.company_id) if caller.acts_for_company else "",
        "api_scopes": " ".join(sorted(caller.api_scopes)) if caller.acts_for_company else "",
        "second_factor": "on" if caller.second_factor and caller.user_id is not None else "",
    }


async def begin_as(session: AsyncSession, caller: Caller) -> None:
    """Start the session's transaction as `caller`: one round trip sets the role and every setting.

    Called again inside the transaction it switches the caller, which is how login and signup continue
    as the person they just authenticated.
    """
    settings = caller_settings(caller)
    connection = await session.connection()
    await connection.exec_driver_sql(_SET_CALLER, tuple(settings[name] for name in _SETTING_NAMES))
    session.info["caller"] = caller


async def start_as(session: AsyncSession, caller: Caller) -> None:
    """Begin a transaction on a session that has none yet, as `caller`.

    The caller settings are the transaction's first statement, so nothing has happened yet when it fails: on a
    pooled connection the server dropped (a restart the pool had not heard of), it runs once more on a fresh
    connection. The pool has then also marked every connection older than the failure for replacement, so the
    transactions after this one do not meet the same fate. Any other failure, or a second one, is raised.
    """
    try:
        await begin_as(session, caller)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        await session.rollback()
        await begin_as(session, caller)


def caller_of(session: AsyncSession) -> Caller:
    """The caller the session's transaction runs as."""
    caller = session.info.get("caller")
    return caller if isinstance(caller, Caller) else ANONYMOUS


@asynccontextmanager
async def tenant_session(sessions: async_sessionmaker[AsyncSession], caller: Caller) -> AsyncIterator[AsyncSession]:
    """A transaction as `caller` that commits when the block succeeds and rolls back when it raises."""
    async with sessions() as session:
        await start_as(session, caller)
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# The caller settings as literals, for BEGIN and the settings in one message (simple query protocol, which takes
# no parameters). Only values of these characters are written into the text (role, ids, scope names, "on"), so
# no quoting rule of the server's (standard_conforming_strings, the client encoding) can matter; a value of any
# other character takes the parameterised statement instead.
_LITERAL = re.compile(r"[A-Za-z0-9_:. -]*")
# The configuration parameters the caller settings set, in the order of `_SETTING_NAMES`.
_PARAMETERS = tuple(name if name == "role" else f"rhythm.{name}" for name in _SETTING_NAMES)


def _begin_as_text(values: Sequence[str], *, writes: bool) -> str | None:
    """BEGIN and the caller settings as one simple query, or None when a value is not a plain literal."""
    if not all(_LITERAL.fullmatch(value) for value in values):
        return None
    settings = ", ".join(
        f"set_config('{name}', '{value}', true)" for name, value in zip(_PARAMETERS, values, strict=True)
    )
    return f"BEGIN; SELECT {settings}, set_config('jit', 'off', true){_WAKES_AFTER_COMMIT if writes else ''}"


async def read_as(engine: AsyncEngine, caller: Caller, sql: str, params: Sequence[Any]) -> Any:
    """The single value `sql` reads, in a transaction of its own as `caller`.

    A pooled connection, straight through the driver: BEGIN with the caller settings in one message, the
    statement, COMMIT; three round trips. The ORM session would cost about as much CPU again as the rest of a
    small read. The settings are transaction-local, so they end with the transaction: at COMMIT, at the
    ROLLBACK a failure gets, or when a broken connection is closed.
    """

    async def read(driver: asyncpg.Connection) -> Any:
        return await driver.fetchval(sql, *params)

    # A read changes nothing, so it may run again after a pooled connection broke.
    return await _as_caller(engine, caller, read, writes=False)


class CommitUnknown(Exception):
    """COMMIT was sent and failed or got no answer: the transaction may have landed or not. The driver's error is
    the cause."""


async def write_as(engine: AsyncEngine, caller: Caller, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """What `work` returns, run on a pooled connection straight through the driver in a transaction of its own as
    `caller`, committed once `work` returns: BEGIN with the caller settings in one message, `work`'s statements,
    COMMIT. The events it writes send no NOTIFY from its transaction: once COMMIT succeeded, it wakes the outbox
    relays itself (db/outbox_wake.py).

    When `work` or a statement fails, the transaction is rolled back (or its connection closed) and the error
    raised: nothing was written. When COMMIT itself fails, CommitUnknown, and nothing runs again.
    """
    # A pooled connection that broke before COMMIT was sent (a server restart the pool had not heard of) took
    # the transaction with it, so nothing was written and the work may run again, as `start_as` does for a session.
    return await _as_caller(engine, caller, work, writes=True)


async def _as_caller(
    engine: AsyncEngine, caller: Caller, work: Callable[[asyncpg.Connection], Awaitable[T]], *, writes: bool
) -> T:
    """`work` in a transaction of its own as `caller`; once more, on a fresh connection, after a pooled one broke
    (failing to connect at all raises OSError, and is not retried)."""
    settings = caller_settings(caller)
    values = [settings[name] for name in _SETTING_NAMES]
    try:
        return await _on_pooled(engine, values, work, writes=writes)
    except (asyncpg.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError):
        return await _on_pooled(engine, values, work, writes=writes)


async def _on_pooled(
    engine: AsyncEngine, values: list[str], work: Callable[[asyncpg.Connection], Awaitable[T]], *, writes: bool
) -> T:
    # The pool's own connection, without SQLAlchemy's Connection around it (nothing here runs through it).
    pooled = await engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert isinstance(driver, asyncpg.Connection)
        try:
            result = await _in_transaction(driver, values, work, writes=writes)
        except BaseException as error:
            broken = (asyncpg.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError, OSError)
            if isinstance(error, broken) or driver.is_closed():
                # The connection broke (or was closed for a transaction it could not end): out of the pool.
                await greenlet_spawn(pooled.invalidate, error if isinstance(error, Exception) else None)
            raise
    finally:
        await greenlet_spawn(pooled.close)
    if writes:
        outbox_wake.committed(engine)
    return result


async def _in_transaction(
    driver: asyncpg.Connection, values: list[str], work: Callable[[asyncpg.Connection], Awaitable[T]], *, writes: bool
) -> T:
    if driver.is_in_transaction():
        # A transaction left open would keep these settings past this read: never on a pooled connection.
        raise asyncpg.InterfaceError("a pooled connection is inside a transaction")
    begin = _begin_as_text(values, writes=writes)
    try:
        if begin is None:
            await driver.execute("BEGIN")
            await driver.fetchrow(_SET_CALLER_POSITIONAL + (_WAKES_AFTER_COMMIT if writes else ""), *values)
        else:
            await driver.execute(begin)
        result = await work(driver)
    except BaseException as error:
        # As the driver's own transaction block: roll back whatever failed (a statement error, a cancelled
        # read), unless the connection is gone, which ends the transaction anyway.
        _end_or_terminate(driver, await _rolled_back(driver))
        if ended_by_the_server(error):
            raise _ended(error) from error
        raise
    try:
        await driver.execute("COMMIT")
    except BaseException as error:
        if ended_by_the_server(error):
            # The server ended the backend, and its transaction, before COMMIT left: nothing landed, and the
            # work may run again on a fresh connection.
            driver.terminate()
            raise _ended(error) from error
        # An open transaction must not stay on a pooled connection; whether this one landed, nobody knows here.
        _end_or_terminate(driver, not driver.is_in_transaction())
        if writes and isinstance(error, Exception):
            raise CommitUnknown("COMMIT failed") from error
        raise
    return result


def _ended(error: BaseException) -> asyncpg.exceptions.ConnectionDoesNotExistError:
    return asyncpg.exceptions.ConnectionDoesNotExistError(f"the server ended the connection: {error}")


async def _rolled_back(driver: asyncpg.Connection) -> bool:
    """Whether the connection is out of its transaction (closed, or rolled back now)."""
    if driver.is_closed() or not driver.is_in_transaction():
        return True
    try:
        await driver.execute("ROLLBACK")
    except Exception:
        return False
    return True


def _end_or_terminate(driver: asyncpg.Connection, ended: bool) -> None:
    if not ended and not driver.is_closed():
        driver.terminate()  # a transaction that could not end must not stay on a pooled connection
