"""Engines and sessions. Every URL form a user may give (postgres://, postgresql://) ends on asyncpg."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def create_engine(
    url: str, *, pool_size: int = 10, pre_ping: bool = True, recycle_seconds: int = 1800, echo: bool = False
) -> AsyncEngine:
    """A pooled asyncpg engine.

    `pre_ping` tests each connection as it leaves the pool: three round trips (BEGIN; `;`; ROLLBACK on asyncpg)
    that save the one operation that would otherwise meet a connection the server dropped (a restart, a
    failover). Without it such an operation fails once, and the pool throws away every connection older than
    the failure. `recycle_seconds` replaces connections older than that at checkout, at no per-request cost.
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=recycle_seconds,
        echo=echo,
        # asyncpg prepares every statement and keeps the last 100 per connection (SQLAlchemy's
        # prepared_statement_cache_size): the SQL text of a batched read is the same for any number of ids.
        connect_args={"server_settings": {"application_name": "rhythm"}},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False, autoflush=False)
