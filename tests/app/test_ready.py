"""`/ready` says which dependency keeps the process from serving: the database, its migrations, Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from app.health import Readiness
from db import embedded, migrate
from db.engine import create_engine
from tests.live.servers import free_port


async def test_ready_names_each_dependency(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok"}


@pytest.fixture
async def behind_url(server_url: str) -> AsyncIterator[str]:
    """A database migrated to the revision before the head."""
    name = f"rhythm_behind_{uuid.uuid4().hex[:8]}"
    await embedded.ensure_database(server_url, name)
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    head = ScriptDirectory(str(migrate.MIGRATIONS)).get_revision("head")
    assert head is not None
    previous = head.down_revision
    assert isinstance(previous, str)
    await asyncio.to_thread(migrate.upgrade, url, previous)
    yield url
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def test_migrations_behind_the_code_are_named(behind_url: str) -> None:
    engine = create_engine(behind_url, pool_size=1)
    try:
        ready, states = await Readiness(engine).report()
    finally:
        await engine.dispose()

    assert not ready
    assert states["database"] == "ok"
    assert states["migrations"].startswith("behind: at ")


async def test_redis_out_of_reach_is_named_and_a_live_one_is_ok(database_url: str, redis_url: str) -> None:
    engine = create_engine(database_url, pool_size=1)
    gone = Readiness(engine, f"redis://127.0.0.1:{free_port()}/0")
    live = Readiness(engine, redis_url)
    try:
        assert await gone.report() == (False, {"database": "ok", "migrations": "ok", "redis": "down: ConnectionError"})
        assert await live.report() == (True, {"database": "ok", "migrations": "ok", "redis": "ok"})
    finally:
        await gone.close()
        await live.close()
        await engine.dispose()
