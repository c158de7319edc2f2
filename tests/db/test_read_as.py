"""A read straight through the driver (`read_as`, compiled reads) runs as its caller, and leaves nothing of the
caller on the pooled connection: not after a read, a failed statement, a cancelled one, nor a caller whose
settings take the parameterised path."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from db.tenant import Caller, _begin_as_text, caller_settings, read_as
from tests.db.pooled import SEEN, clean, left_behind, owner_of

ADA = Caller(user_id=uuid.uuid4(), company_id=uuid.uuid4(), second_factor=True)
# A scope name no API key can hold: its quote keeps it out of the one-message BEGIN.
ODD = Caller(company_id=uuid.uuid4(), api_key_id=uuid.uuid4(), api_scopes=frozenset({"tasks:read", "it's"}))


async def test_a_read_runs_as_its_caller_and_leaves_nothing_on_the_connection(one_connection: AsyncEngine) -> None:
    owner, pid = await owner_of(one_connection)

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
    left = await left_behind(one_connection)
    assert left["pid"] == pid
    clean(left, owner)
    assert left["jit"] == "on"


async def test_a_caller_whose_settings_are_no_plain_literals_takes_the_parameterised_path(
    one_connection: AsyncEngine,
) -> None:
    owner, pid = await owner_of(one_connection)
    assert _begin_as_text(list(caller_settings(ODD).values()), writes=False) is None

    seen = orjson.loads(await read_as(one_connection, ODD, SEEN, ()))

    assert seen["role"] == "rhythm_app"
    assert seen["scopes"] == "it's tasks:read"
    assert seen["api_company"] == str(ODD.company_id)
    assert seen["pid"] == pid
    clean(await left_behind(one_connection), owner)


async def test_a_failed_statement_is_rolled_back_with_its_settings(one_connection: AsyncEngine) -> None:
    owner, pid = await owner_of(one_connection)

    with pytest.raises(asyncpg.DivisionByZeroError):
        await read_as(one_connection, ADA, "SELECT (1 / (SELECT count(*) - count(*) FROM pg_class))::text", ())

    left = await left_behind(one_connection)
    assert left["pid"] == pid  # still pooled: the error was the statement's, not the connection's
    clean(left, owner)


async def test_a_cancelled_read_is_rolled_back_with_its_settings(one_connection: AsyncEngine) -> None:
    owner, _ = await owner_of(one_connection)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await read_as(one_connection, ADA, "SELECT pg_sleep(5)::text", ())

    clean(await left_behind(one_connection), owner)


async def test_the_statement_gets_its_parameters(one_connection: AsyncEngine) -> None:
    assert await read_as(one_connection, ADA, "SELECT ($1::int + $2::int)::text", (2, 3)) == "5"
