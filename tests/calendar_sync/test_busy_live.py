"""Busy time through a subscription, on a real `rhythm serve` over a websocket: Dave, who shares only company C
with Alice, follows C's task events and asks for the assignee's busy time in each; he gets the spans of the
events mirrored from her Google account, and none of their text."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine, create_sessionmaker
from tests.calendar_sync.conftest import connect, sync_context
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_busy_only import CANARY, EXPECTED, FROM, TO, alices_calendar
from tests.calendar_sync.test_google_reads import sync
from tests.databases import own_database
from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import about_task, until_live
from tests.live.servers import Server, serving
from tests.live.sockets import bearer, socket

BUSY_EVENTS = """
subscription($companyId: ID, $from: DateTime!, $to: DateTime!) {
  taskEvents(companyId: $companyId) {
    type taskId
    task { id assignee { displayName busy(from: $from, to: $to) { start end } } }
  }
}
"""


@pytest.fixture
def live_database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "live") as url:
        yield url


@pytest.fixture
def api(live_database_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(live_database_url, [tmp_path / "api"]) as servers:
        yield servers[0]


@pytest.fixture
async def live_sessions(live_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(live_database_url, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_a_subscriber_in_another_company_gets_her_busy_time_and_none_of_its_text(
    api: Server, live_sessions: async_sessionmaker[AsyncSession], google: FakeGoogle
) -> None:
    alices_calendar(google)
    async with httpx.AsyncClient(base_url=api.http_url, timeout=30) as client, httpx.AsyncClient(timeout=20) as http:
        graphql = GraphQL(client)  # type: ignore[arg-type]
        ctx = sync_context(live_sessions, http, google=google)
        alice = await connect(ctx, google, graphql, name="Alice Live")
        await sync(ctx, alice)
        dave = await sign_up(graphql, name="Dave Live")
        shared = await create_company(graphql, alice.person, name="Shared Live")
        await invite(graphql, alice.person, company_id=shared, member=dave)

        async with socket(api.ws_url, bearer(str(dave.token))) as subscriber:
            await subscriber.subscribe("busy", BUSY_EVENTS, {"companyId": shared, "from": FROM, "to": TO})
            await until_live(subscriber, graphql, alice.person, company_id=shared)
            task = await create_task(graphql, alice.person, company_id=shared, title="Shared",
                                     assigneeId=alice.person.user_id)  # fmt: skip
            live: dict[str, Any] = await subscriber.next_where(about_task(task["id"], "CREATED"))

    assert live["taskEvents"]["task"]["assignee"]["busy"] == EXPECTED
    assert CANARY not in json.dumps(live)
