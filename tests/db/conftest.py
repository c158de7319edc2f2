"""Fixtures of the database layer's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool that hands out one connection again and again, while nothing else holds it."""
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()
