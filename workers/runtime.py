"""Database access for actors: one engine per worker process, made on the actors' event loop when first used."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.settings import Settings, get_settings
from db.engine import create_engine, create_sessionmaker
from db.pool_metrics import watch_pool
from db.tenant import Caller, tenant_session, worker_for

#: Loops on the actors' event loop beside them that take connections from the same pool: the outbox relay, the
#: webhook dispatcher, the reminders, the dead-letter replayer and the writer of completed events.
BACKGROUND_LOOPS = 5

_database_url: str | None = None
_sessions: async_sessionmaker[AsyncSession] | None = None
_settings: Settings | None = None
_threads = 4


def configure(database_url: str, settings: Settings | None = None) -> None:
    """Name the database (and the settings) for this process's actors (the API does, when it runs them in process)."""
    global _database_url, _sessions, _settings
    _database_url, _sessions, _settings = database_url, None, settings


def size_pool_for(threads: int) -> None:
    """Keep a connection for each worker thread (an actor holds one at a time) and each background loop. A pool
    smaller than that opens a connection past it for a transaction and closes it after: a new server process,
    a login and every statement prepared again, for most deliveries under load."""
    global _threads, _sessions
    _threads, _sessions = threads, None


def settings() -> Settings:
    return _settings or get_settings()


def database_url() -> str:
    url = _database_url or get_settings().database_url
    if not url:
        raise RuntimeError("Workers need DATABASE_URL.")
    return url


def sessions() -> async_sessionmaker[AsyncSession]:
    global _sessions
    if _sessions is None:
        config = settings()
        engine = create_engine(
            database_url(),
            pool_size=_threads + BACKGROUND_LOOPS,
            pre_ping=config.database_pool_pre_ping,
            recycle_seconds=config.database_pool_recycle_seconds,
        )
        watch_pool(engine)
        _sessions = create_sessionmaker(engine)
    return _sessions


@asynccontextmanager
async def acting_for(company_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
    """A transaction as a worker of `company_id`, through the same tenant function as the API."""
    async with tenant_session(sessions(), worker_for(company_id)) as session:
        yield session


@asynccontextmanager
async def acting_as(caller: Caller) -> AsyncIterator[AsyncSession]:
    async with tenant_session(sessions(), caller) as session:
        yield session
