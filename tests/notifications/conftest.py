from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from tests.databases import own_database


@pytest.fixture(scope="session")
def quiet_database_url(server_url: str) -> Iterator[str]:
    """A migrated database no worker watches: tests there run the notification jobs themselves, on their own clock."""
    with own_database(server_url, "notify_quiet") as url:
        yield url


@pytest.fixture(scope="session")
async def quiet_sessions(quiet_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(quiet_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()
