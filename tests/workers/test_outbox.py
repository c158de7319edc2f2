"""The outbox: a committed change always leaves its events for the workers; a rolled-back one never does."""

from __future__ import annotations

import asyncio
import base64
import uuid

import asyncpg

from db.models import OutboxEvent
from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.waiting import PATIENCE_SECONDS
from workers.events import reacts

DISPATCHED: dict[uuid.UUID, str] = {}


@reacts
async def remember(event: OutboxEvent) -> None:
    DISPATCHED[event.id] = event.type


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":")[1])


async def _events_of(owner: asyncpg.Connection, company: str) -> list[asyncpg.Record]:
    return list(
        await owner.fetch(
            "SELECT id, type, published_at FROM outbox WHERE company_id = $1 ORDER BY created_at", _uuid(company)
        )
    )


async def _until(condition: object, seconds: float = PATIENCE_SECONDS) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time limit")


async def test_a_committed_task_is_published_and_dispatched_once(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Outbox")
    company = await create_company(graphql, ada, name="Outbox Ltd")

    await create_task(graphql, ada, company_id=company, title="Ship it")

    async def published() -> bool:
        rows = await _events_of(owner, company)
        return bool(rows) and all(row["published_at"] is not None for row in rows)

    await _until(published)
    [created] = [row for row in await _events_of(owner, company) if row["type"] == "task.created"]
    await _until(lambda: asyncio.sleep(0, result=created["id"] in DISPATCHED))
    assert DISPATCHED[created["id"]] == "task.created"


async def test_a_mutation_that_fails_leaves_no_event(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Rollback")
    stranger = await sign_up(graphql, name="Stranger Rollback")
    company = await create_company(graphql, ada, name="Rollback Ltd")
    before = await _events_of(owner, company)

    data = await graphql(
        """mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename } }""",
        {"input": {"companyId": company, "title": "Not for strangers", "assigneeId": stranger.user_id}},
        caller=ada,
    )

    assert data["createTask"]["__typename"] == "ValidationFailed"
    assert await _events_of(owner, company) == before
