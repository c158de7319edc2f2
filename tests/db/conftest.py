"""Fixtures of the database layer's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db import outbox_wake
from db.engine import create_engine
from tests.db.pooled import DROP_PROBE, PROBE


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool that hands out one connection again and again, while nothing else holds it."""
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()


@pytest.fixture
async def notes(owner: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """The owner's connection, with the probe table of tests/db/pooled.py there until the test ends."""
    await owner.execute(PROBE)
    try:
        yield owner
    finally:
        await owner.execute(DROP_PROBE)


@pytest.fixture
async def relay_here() -> AsyncIterator[None]:
    """A relay on the test's own event loop takes the wake-up after each committed write (db/outbox_wake.py), so
    no NOTIFY borrows a pooled connection while a test follows one connection through the pool."""
    with outbox_wake.relay_running(lambda: None):
        yield
