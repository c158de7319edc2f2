from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import embedded, migrate
from db.engine import create_engine, create_sessionmaker


@pytest.fixture(scope="session")
def quiet_database_url(server_url: str) -> Iterator[str]:
    """A migrated database no worker watches: tests there run the notification jobs themselves, on their own clock."""
    name = f"rhythm_notify_quiet_{uuid.uuid4().hex[:10]}"
    asyncio.run(embedded.ensure_database(server_url, name))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    asyncio.run(_drop(server_url, name))


async def _drop(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def quiet_sessions(quiet_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(quiet_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()
