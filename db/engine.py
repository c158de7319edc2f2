"""Engines and sessions. Every URL form a user may give (postgres://, postgresql://) ends on asyncpg."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.pool_metrics import TimedPool

# Connecting to an address that drops packets would otherwise wait asyncpg's 60 s before the caller hears.
CONNECT_TIMEOUT_SECONDS = 5.0

# SQLSTATE classes and codes that say the server is not there for us right now, not that the statement is wrong:
# 08 connection exceptions; 57P01-57P03 admin shutdown, crash shutdown, cannot connect now (starting, stopping,
# recovering); 53300 too many connections.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})

# What asyncpg raises for any operation on a connection whose protocol met an error message outside a statement:
# the server's FATAL as it ends the backend (a shutdown, `pg_terminate_backend`, an idle timeout), read before
# the close that follows it. State 2 is asyncpg's "consume until ReadyForQuery", which never comes; the
# operation was refused before anything was sent.
_ENDED_BY_THE_SERVER = "another operation (2) is in progress"


def async_url(url: str) -> str:
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    pre_ping: bool = True,
    recycle_seconds: int = 1800,
    echo: bool = False,
    statement_timeout_ms: int | None = None,
    connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
) -> AsyncEngine:
    """A pooled asyncpg engine: up to twice `pool_size` connections, opened as needed and kept.

    A connection the server closed (a restart, a failover, an idle timeout) is known to asyncpg as soon as the
    event loop reads the close, so checkout hands it over only if it is still open: no round trip. One the
    server dropped without a word is caught by the first statement of the transaction, which db/tenant.py
    retries once on a fresh connection. `pre_ping` adds a real test at checkout instead (three round trips:
    BEGIN; `;`; ROLLBACK on asyncpg). `recycle_seconds` replaces connections older than that at checkout.

    `statement_timeout_ms` makes the server cancel any statement of this engine's connections that runs longer:
    the API sets it from its operation budget; workers, whose jobs may run longer, do not.
    """
    server_settings = {"application_name": "rhythm"}
    if statement_timeout_ms is not None:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    engine = create_async_engine(
        async_url(url),
        # Up to twice `pool_size` connections, each kept once opened. A pool of `pool_size` with as many again as
        # overflow closed an overflow connection as it came back while the pool was full, so a process serving
        # more concurrent requests than `pool_size` started and ended a PostgreSQL backend every few hundred
        # requests (8 to 14 in each 5-second run of 16 clients on 2 processes; none since).
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_pre_ping=pre_ping,
        pool_recycle=recycle_seconds,
        echo=echo,
        # Times each checkout's wait for a connection (rhythm_db_pool_wait_seconds).
        poolclass=TimedPool,
        # asyncpg prepares every statement and keeps the last 100 per connection (SQLAlchemy's
        # prepared_statement_cache_size): the SQL text of a batched read is the same for any number of ids.
        connect_args={"server_settings": server_settings, "timeout": connect_timeout_seconds},
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def ended_by_the_server(error: BaseException) -> bool:
    """Whether asyncpg refused an operation because the server has ended the connection (its FATAL read, the
    close not yet): nothing of the operation was sent, and the backend's transaction ended with it."""
    return isinstance(error, asyncpg.exceptions.InternalClientError) and _ENDED_BY_THE_SERVER in str(error)


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    driver = getattr(dbapi_connection, "driver_connection", None)
    if isinstance(driver, asyncpg.Connection) and driver.is_closed():
        # The pool discards this connection and checks out another (a fresh one if need be).
        raise exc.DisconnectionError("the server closed this pooled connection")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says PostgreSQL cannot be reached now, rather than that a statement
    failed: a caller may retry later."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _says_unavailable(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(error, (asyncpg.PostgresConnectionError, asyncpg.exceptions.ConnectionDoesNotExistError)):
        return True
    if isinstance(error, asyncpg.PostgresError):
        state = str(getattr(error, "sqlstate", "") or "")
        return state.startswith("08") or state in _UNAVAILABLE_STATES
    if isinstance(error, asyncpg.InterfaceError):
        return "connection is closed" in str(error) or "connection was closed" in str(error)
    if ended_by_the_server(error):
        return True
    # Refused, reset, a socket file gone with the server, a DNS failure, a connect timeout.
    return isinstance(error, OSError) and not isinstance(error, (PermissionError, IsADirectoryError))


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, autoflush=False)
