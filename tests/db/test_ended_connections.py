"""A connection the server ends in the middle of a transaction (a shutdown, `pg_terminate_backend`): its FATAL
reaches the driver a moment before the close, and an operation sent in that moment is refused by asyncpg before
anything leaves. A write straight through the driver then runs once more on a fresh connection (its transaction
ended with the backend, so nothing landed); a session hears an outage and its connection leaves the pool. Never a
COMMIT of unknown outcome, never an internal error."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine, database_unavailable
from db.tenant import Caller, write_as
from tests.db.holding_proxy import HoldingProxy, holding_proxy
from tests.db.pooled import NOTE, owner_of, written

pytestmark = pytest.mark.usefixtures("relay_here")

ADA = Caller(user_id=uuid.uuid4(), company_id=uuid.uuid4())


@pytest.fixture
async def proxied(database_url: str) -> AsyncIterator[tuple[HoldingProxy, AsyncEngine]]:
    async with holding_proxy(database_url) as proxy:
        # As the API's pool: no test at checkout.
        engine = create_engine(proxy.url(database_url), pool_size=1, pre_ping=False)
        try:
            yield proxy, engine
        finally:
            await engine.dispose()


async def _end_backend(owner: asyncpg.Connection, proxy: HoldingProxy, pid: int) -> None:
    """End the backend `pid` and return once its FATAL has been read by the client, whose socket stays open."""
    proxy.holding = True
    assert await owner.fetchval("SELECT pg_terminate_backend($1)", pid)
    await proxy.server_ended.wait()
    # The bytes are in the client's socket: the event loop reads them on its next turns.
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_write_whose_connection_the_server_ended_before_commit_runs_once_more(
    proxied: tuple[HoldingProxy, AsyncEngine], notes: asyncpg.Connection
) -> None:
    proxy, engine = proxied
    backends: list[int] = []

    async def work(connection: asyncpg.Connection) -> str:
        backends.append(await connection.fetchval("SELECT pg_backend_pid()"))
        await connection.execute(NOTE, len(backends))
        if len(backends) == 1:
            await _end_backend(notes, proxy, backends[0])
        return "written"

    # The bound only turns a hang (COMMIT sent into the closed backend) into a failure.
    assert await asyncio.wait_for(write_as(engine, ADA, work), 60) == "written"

    assert len(backends) == 2
    assert backends[0] != backends[1]
    assert [n for n, _ in await written(notes)] == [2]


async def test_a_pooled_connection_the_server_ended_while_idle_is_replaced(
    proxied: tuple[HoldingProxy, AsyncEngine], notes: asyncpg.Connection
) -> None:
    proxy, engine = proxied
    _, ended = await owner_of(engine)
    await _end_backend(notes, proxy, ended)

    async def work(connection: asyncpg.Connection) -> int:
        await connection.execute(NOTE, 1)
        backend: int = await connection.fetchval("SELECT pg_backend_pid()")
        return backend

    assert await asyncio.wait_for(write_as(engine, ADA, work), 60) != ended
    assert [n for n, _ in await written(notes)] == [1]


async def test_a_session_whose_connection_the_server_ended_hears_an_outage(
    proxied: tuple[HoldingProxy, AsyncEngine], owner: asyncpg.Connection
) -> None:
    proxy, engine = proxied
    async with engine.connect() as connection:
        await connection.begin()
        pid = (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
        await _end_backend(owner, proxy, pid)
        with pytest.raises(exc.DBAPIError) as raised:
            await asyncio.wait_for(connection.commit(), 60)

    assert raised.value.connection_invalidated
    assert database_unavailable(raised.value)
    async with engine.connect() as connection:  # the pool opens a fresh one
        assert (await connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one() != pid
