"""An operation past its time budget is abandoned: the caller hears OPERATION_TIMEOUT, what it started is rolled
back, its statement is cancelled on the server and its connection goes back to the pool.

The slow statement is a legitimate one: an update, or a read, waiting on a lock another transaction holds."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import create_app
from base.settings import Settings
from db.engine import create_engine
from resolvers.budget import cancelled_by_the_server
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL

BUDGET_SECONDS = 1.0
UPDATE = """mutation($input: UpdateTaskInput!) {
  updateTask(input: $input) { __typename ... on Task { title } ... on Error { message } }
}"""


@pytest.fixture(scope="module")
async def budgeted(settings: Settings) -> AsyncIterator[tuple[GraphQL, Litestar]]:
    app = create_app(
        settings.model_copy(
            update={"graphql_operation_timeout_seconds": BUDGET_SECONDS, "run_workers_in_process": False}
        )
    )
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        yield GraphQL(client), app


def _uuid_of(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().partition(":")[2])


async def _eventually(condition: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


async def _nothing_waits_on(holder: asyncpg.Connection, observer: asyncpg.Connection) -> bool:
    pid = holder.get_server_pid()
    waiting = await observer.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", pid
    )
    return int(waiting) == 0


async def _pool_idle(engine: AsyncEngine) -> bool:
    return bool(engine.pool.checkedout() == 0)  # type: ignore[attr-defined]


async def test_an_update_waiting_past_the_budget_is_abandoned_and_rolled_back(
    budgeted: tuple[GraphQL, Litestar], database_url: str, owner: asyncpg.Connection
) -> None:
    graphql, app = budgeted
    ada = await sign_up(graphql, name="Ada Budget")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Before")
    holder = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE", _uuid_of(task["id"]))

        response = await graphql.post(UPDATE, {"input": {"id": task["id"], "title": "After"}}, caller=ada)

        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "OPERATION_TIMEOUT"
        # Cancelled on the server too, not merely forgotten by Python; and the connection is back in the pool.
        await _eventually(lambda: _nothing_waits_on(holder, owner))
        await _eventually(lambda: _pool_idle(app.state.engine))
        await lock.rollback()
    finally:
        await holder.close()

    data = await graphql(f'{{ node(id: "{task["id"]}") {{ ... on Task {{ title }} }} }}', caller=ada)
    assert data["node"]["title"] == "Before"


async def test_a_compiled_read_waiting_past_the_budget_is_abandoned(
    budgeted: tuple[GraphQL, Litestar], database_url: str, owner: asyncpg.Connection
) -> None:
    graphql, app = budgeted
    ada = await sign_up(graphql, name="Ada Budget Read")
    holder = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("LOCK TABLE projects IN ACCESS EXCLUSIVE MODE")

        response = await graphql.post("{ viewer { companies { nodes { projects { nodes { name } } } } } }", caller=ada)

        assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_TIMEOUT"
        await _eventually(lambda: _nothing_waits_on(holder, owner))
        await _eventually(lambda: _pool_idle(app.state.engine))
        await lock.rollback()
    finally:
        await holder.close()

    data = await graphql("{ viewer { companies { nodes { projects { nodes { name } } } } } }", caller=ada)
    assert data["viewer"]["companies"]["nodes"][0]["projects"]["nodes"] == []


async def test_the_servers_statement_timeout_is_recognised_as_the_budget(database_url: str) -> None:
    # PostgreSQL's guard holds even while Python is too busy to act on its own budget.
    engine = create_engine(database_url, pool_size=1, statement_timeout_ms=100)
    try:
        async with engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            with pytest.raises(asyncpg.QueryCanceledError) as raised:
                await driver.execute("SELECT pg_sleep(5)")
        assert cancelled_by_the_server(raised.value)
    finally:
        await engine.dispose()
