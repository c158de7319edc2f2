"""A write straight through the driver (`write_as`, compiled mutations) runs as its caller, commits what it wrote
when its work returns, and writes nothing otherwise: not when the work raises, not when a statement fails or is
cancelled, and a COMMIT the server refuses is CommitUnknown, never success. Nothing of the caller stays on the
pooled connection."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenant import Caller, CommitUnknown, caller_settings, write_as
from tests.db.pooled import NOTE, SEEN, clean, left_behind, owner_of, written

pytestmark = pytest.mark.usefixtures("relay_here")

ADA = Caller(user_id=uuid.uuid4(), company_id=uuid.uuid4())
ODD = Caller(company_id=uuid.uuid4(), api_key_id=uuid.uuid4(), api_scopes=frozenset({"tasks:write", "it's"}))


@pytest.mark.parametrize("caller", [ADA, ODD], ids=["one message", "parameterised"])
async def test_a_write_runs_as_its_caller_and_commits(
    one_connection: AsyncEngine, notes: asyncpg.Connection, caller: Caller
) -> None:
    owner, pid = await owner_of(one_connection)

    async def work(connection: asyncpg.Connection) -> str:
        await connection.execute(NOTE, 1)
        seen: str = await connection.fetchval(SEEN)
        return seen

    seen = orjson.loads(await write_as(one_connection, caller, work))

    assert seen["role"] == "rhythm_app"
    assert seen["pid"] == pid
    assert seen["scopes"] == caller_settings(caller)["api_scopes"]
    assert await written(notes) == [(1, caller_settings(caller)["user_id"] + "rhythm_app")]
    clean(await left_behind(one_connection), owner)


async def test_work_that_raises_writes_nothing(one_connection: AsyncEngine, notes: asyncpg.Connection) -> None:
    owner, pid = await owner_of(one_connection)

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 2)
        raise LookupError("nothing to answer")

    with pytest.raises(LookupError):
        await write_as(one_connection, ADA, work)

    assert await written(notes) == []
    left = await left_behind(one_connection)
    assert left["pid"] == pid  # rolled back, and still pooled
    clean(left, owner)


async def test_a_failed_statement_writes_nothing(one_connection: AsyncEngine, notes: asyncpg.Connection) -> None:
    owner, _ = await owner_of(one_connection)

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 3)
        await connection.execute(NOTE, None)

    with pytest.raises(asyncpg.NotNullViolationError):
        await write_as(one_connection, ADA, work)

    assert await written(notes) == []
    clean(await left_behind(one_connection), owner)


async def test_a_cancelled_write_writes_nothing(one_connection: AsyncEngine, notes: asyncpg.Connection) -> None:
    owner, _ = await owner_of(one_connection)
    started = asyncio.Event()

    async def work(connection: asyncpg.Connection) -> None:
        await connection.execute(NOTE, 4)
        started.set()
        await connection.execute("SELECT pg_sleep(30)")

    writing = asyncio.create_task(write_as(one_connection, ADA, work))
    await started.wait()
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing

    assert await written(notes) == []
    clean(await left_behind(one_connection), owner)


async def test_a_refused_commit_is_commit_unknown_and_writes_nothing(
    one_connection: AsyncEngine, notes: asyncpg.Connection
) -> None:
    owner, _ = await owner_of(one_connection)

    async def work(connection: asyncpg.Connection) -> str:
        await connection.execute(NOTE, -1)  # passes here, refused at COMMIT
        return "written"

    with pytest.raises(CommitUnknown) as raised:
        await write_as(one_connection, ADA, work)

    assert isinstance(raised.value.__cause__, asyncpg.CheckViolationError)
    assert await written(notes) == []
    clean(await left_behind(one_connection), owner)
