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
from domain.webhooks.transport import Sender
from tests.webhooks.receiver import Receiver
from tests.webhooks.world import POLICY


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on a loopback port of its own, answering 200 until told otherwise."""
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def quiet_database_url(server_url: str) -> Iterator[str]:
    """A migrated database that no worker watches: tests there run the webhook jobs themselves, on their clock."""
    url = asyncio.run(fresh_database(server_url, "quiet"))
    yield url
    asyncio.run(drop_database(server_url, url))


@pytest.fixture(scope="session")
async def quiet(quiet_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(quiet_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def sender() -> AsyncIterator[Sender]:
    running = Sender(timeout=POLICY.timeout, allow_private=True)
    yield running
    await running.close()


async def fresh_database(server_url: str, label: str) -> str:
    name = f"rhythm_{label}_{uuid.uuid4().hex[:10]}"
    await embedded.ensure_database(server_url, name)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(migrate.upgrade, url)
    return url


async def drop_database(server_url: str, url: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()
