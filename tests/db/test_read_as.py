"""A read straight through the driver (`read_as`, compiled reads) runs as its caller, and leaves nothing of the
caller on the pooled connection: not after a read, a failed statement, a cancelled one, nor a caller whose
settings take the parameterised path."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.tenant import Caller, _begin_as_text, caller_settings, read_as

ADA = Caller(user_id=uuid.uuid4(), company_id=uuid.uuid4(), second_factor=True)
# A scope name no API key can hold: its quote keeps it out of the one-message BEGIN.
ODD = Caller(company_id=uuid.uuid4(), api_key_id=uuid.uuid4(), api_scopes=frozenset({"tasks:read", "it's"}))

SEEN = (
    "SELECT json_build_object('role', current_user, 'user', current_setting('rhythm.user_id', true),"
    " 'company', current_setting('rhythm.company_id', true), 'scopes', current_setting('rhythm.api_scopes', true),"
    " 'api_company', current_setting('rhythm.api_company_id', true),"
    " 'second_factor', current_setting('rhythm.second_factor', true), 'jit', current_setting('jit'),"
    " 'pid', pg_backend_pid())::text"
)


@pytest.fixture
async def one_connection(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A pool that hands out one connection again and again, while nothing else holds it."""
    engine = create_engine(database_url, pool_size=1)
    yield engine
    await engine.dispose()


async def _left_behind(engine: AsyncEngine) -> dict[str, object]:
    """What the pooled connection carries into the next use: its role and Rhythm's settings, outside any
    transaction of a caller."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        assert not driver.is_in_transaction()
        record = await driver.fetchrow(
            "SELECT current_user AS role, coalesce(current_setting('rhythm.user_id', true), '') AS user_id,"
            " coalesce(current_setting('rhythm.company_id', true), '') AS company_id,"
            " coalesce(current_setting('rhythm.api_scopes', true), '') AS scopes,"
            " coalesce(current_setting('rhythm.second_factor', true), '') AS second_factor,"
            " current_setting('jit') AS jit, pg_backend_pid() AS pid"
        )
        assert record is not None
        return dict(record)


def _clean(left: dict[str, object], owner: str) -> None:
    assert left["role"] == owner
    assert (left["user_id"], left["company_id"], left["scopes"], left["second_factor"]) == ("", "", "", "")


async def _owner(engine: AsyncEngine) -> tuple[str, int]:
    left = await _left_behind(engine)
    return str(left["role"]), int(str(left["pid"]))


async def test_a_read_runs_as_its_caller_and_leaves_nothing_on_the_connection(one_connection: AsyncEngine) -> None:
    owner, pid = await _owner(one_connection)

    seen = orjson.loads(await read_as(one_connection, ADA, SEEN, ()))

    settings = caller_settings(ADA)
    assert seen["role"] == "rhythm_app"
    assert (seen["user"], seen["company"], seen["second_factor"]) == (
        settings["user_id"],
        settings["company_id"],
        "on",
    )
    assert seen["jit"] == "off"
    assert seen["pid"] == pid  # the pooled connection itself
    left = await _left_behind(one_connection)
    assert left["pid"] == pid
    _clean(left, owner)
    assert left["jit"] == "on"


async def test_a_caller_whose_settings_are_no_plain_literals_takes_the_parameterised_path(
    one_connection: AsyncEngine,
) -> None:
    owner, pid = await _owner(one_connection)
    assert _begin_as_text(list(caller_settings(ODD).values())) is None

    seen = orjson.loads(await read_as(one_connection, ODD, SEEN, ()))

    assert seen["role"] == "rhythm_app"
    assert seen["scopes"] == "it's tasks:read"
    assert seen["api_company"] == str(ODD.company_id)
    assert seen["pid"] == pid
    _clean(await _left_behind(one_connection), owner)


async def test_a_failed_statement_is_rolled_back_with_its_settings(one_connection: AsyncEngine) -> None:
    owner, pid = await _owner(one_connection)

    with pytest.raises(asyncpg.DivisionByZeroError):
        await read_as(one_connection, ADA, "SELECT (1 / (SELECT count(*) - count(*) FROM pg_class))::text", ())

    left = await _left_behind(one_connection)
    assert left["pid"] == pid  # still pooled: the error was the statement's, not the connection's
    _clean(left, owner)


async def test_a_cancelled_read_is_rolled_back_with_its_settings(one_connection: AsyncEngine) -> None:
    owner, _ = await _owner(one_connection)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await read_as(one_connection, ADA, "SELECT pg_sleep(5)::text", ())

    _clean(await _left_behind(one_connection), owner)


async def test_the_statement_gets_its_parameters(one_connection: AsyncEngine) -> None:
    assert await read_as(one_connection, ADA, "SELECT ($1::int + $2::int)::text", (2, 3)) == "5"
