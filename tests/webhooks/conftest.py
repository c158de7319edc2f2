from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from domain.webhooks.transport import Sender
from tests.databases import own_database
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
    with own_database(server_url, "quiet") as url:
        yield url


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
