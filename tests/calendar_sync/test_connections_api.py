"""Calendar connections through the API: consent started by a mutation and finished by the callback route the
person's browser comes back to, the viewer's connections and calendars, choices, sync and disconnect requests,
and the push route. A connection is its person's alone: a colleague finds nothing of it."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.models import OutboxEvent
from db.tenant import tenant_session, worker_for
from tests.calendar_sync.conftest import sync_context
from tests.calendar_sync.fake_google import FakeGoogle
from tests.factories import Person, create_api_key, create_company, invite, result_of, sign_up
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of
from workers.calendar_sync.sync_runs import Outcome, sync_connection

CONNECT = """
mutation($input: ConnectCalendarAccountInput!) {
  connectCalendarAccount(input: $input) {
    __typename ... on CalendarAuthorization { authorizationUrl expiresAt }
    ... on ValidationFailed { fields { field message } } ... on Error { message }
  }
}"""

CONNECTIONS = """
{ viewer { calendarConnections {
  id provider accountEmail state stateReason lastSyncedAt nextSyncAt
  calendars { id name externalId isPrimary busy receivesBlocks calendar { id source } }
} } }"""

CHOOSE = """
mutation($input: SetExternalCalendarInput!) {
  setExternalCalendar(input: $input) {
    __typename ... on ExternalCalendar { id busy receivesBlocks } ... on Error { message }
  }
}"""

REQUEST = """
mutation($input: CalendarConnectionIdInput!) {
  syncCalendarConnection(input: $input) { __typename ... on CalendarSyncConnection { id } ... on Error { message } }
}"""

DISCONNECT = """
mutation($input: CalendarConnectionIdInput!) {
  disconnectCalendarConnection(input: $input) {
    __typename ... on CalendarSyncConnection { id } ... on Error { message }
  }
}"""

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename ... on CalendarSyncConnection { accountEmail } ... on ExternalCalendar { name externalId }
  }
}"""


async def sync_through(
    sessions: async_sessionmaker[AsyncSession], google: FakeGoogle, connection_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """What the job would do (the session's jobs are off): one sync against the fake the app points at."""
    async with httpx.AsyncClient(timeout=20) as http:
        ctx = sync_context(sessions, http, google=google, public_base_url="http://rhythm.test")
        assert await sync_connection(ctx, connection_id, user_id) is Outcome.SYNCED


async def connected(
    graphql: GraphQL, client: AsyncTestClient[Litestar], google: FakeGoogle
) -> tuple[Person, str, dict[str, Any]]:
    someone = await sign_up(graphql, name="Api Sync")
    company_id = await create_company(graphql, someone, name="Api Sync Co")
    started = await result_of(
        graphql, "connectCalendarAccount", CONNECT, {"input": {"companyId": company_id, "provider": "GOOGLE"}}, someone
    )
    query = dict(parse_qsl(urlsplit(started["authorizationUrl"]).query))
    back = urlsplit(google.authorize(query))
    answer = await client.get(f"{back.path}?{back.query}")
    assert answer.status_code == 200, answer.text
    [connection] = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
    return someone, company_id, connection


async def test_connecting_asks_for_offline_access_with_a_pkce_challenge(
    graphql: GraphQL, session_google: FakeGoogle
) -> None:
    someone = await sign_up(graphql, name="Pkce Person")
    company_id = await create_company(graphql, someone)

    started = await result_of(
        graphql, "connectCalendarAccount", CONNECT, {"input": {"companyId": company_id, "provider": "GOOGLE"}}, someone
    )

    url = urlsplit(started["authorizationUrl"])
    query = dict(parse_qsl(url.query))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{session_google.url}/authorize"
    assert (query["code_challenge_method"], query["access_type"], query["response_type"]) == ("S256", "offline", "code")
    assert len(query["code_challenge"]) == 43
    assert "calendar.events" in query["scope"]
    assert query["redirect_uri"] == "http://rhythm.test/calendar-sync/oauth/callback"
    assert "code_verifier" not in url.query


async def test_the_callback_connects_the_account_and_the_viewer_sees_it(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle,
    sessions: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    _, company_id, connection = await connected(graphql, client, session_google)

    assert connection["provider"] == "GOOGLE"
    assert connection["accountEmail"] == session_google.account
    assert connection["state"] == "ACTIVE"
    async with tenant_session(sessions, worker_for(uuid_of(company_id))) as session:
        events = (await session.execute(
            sa.select(OutboxEvent.payload).where(col(OutboxEvent.type) == "calendar_connection.updated")
            .where(col(OutboxEvent.subject_id) == uuid_of(connection["id"]))
        )).scalars().all()  # fmt: skip
    assert [event["calendar_connection"]["requested"] for event in events] == [True]


async def test_a_tampered_or_stale_state_connects_nothing(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle
) -> None:
    answer = await client.get("/calendar-sync/oauth/callback?code=abc&state=forged")
    denied = await client.get("/calendar-sync/oauth/callback?error=access_denied&state=x")

    assert answer.status_code == 400
    assert "expired or was altered" in answer.text
    assert denied.status_code == 400


async def test_a_colleague_finds_nothing_of_a_connection(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle
) -> None:
    someone, company_id, connection = await connected(graphql, client, session_google)
    colleague = await sign_up(graphql, name="Colleague Sync")
    await invite(graphql, someone, company_id=company_id, member=colleague)

    seen = await graphql(CONNECTIONS, caller=colleague)
    by_node = await graphql(NODE, {"id": connection["id"]}, caller=colleague)
    asked = await graphql(REQUEST, {"input": {"id": connection["id"]}}, caller=colleague)

    assert seen["viewer"]["calendarConnections"] == []
    assert by_node["node"] is None
    assert asked["syncCalendarConnection"]["__typename"] == "NotFound"


async def test_outsiders_and_api_keys_can_neither_see_nor_change_a_connection(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle,
    sessions: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    someone, company_id, connection = await connected(graphql, client, session_google)
    await sync_through(sessions, session_google, uuid_of(connection["id"]), uuid_of(someone.user_id))
    [connection] = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
    calendar_id = connection["calendars"][0]["id"]
    colleague = await sign_up(graphql, name="Colleague Outsider")
    stranger = await sign_up(graphql, name="Stranger Outsider")
    await invite(graphql, someone, company_id=company_id, member=colleague)
    key = Caller(api_key=await create_api_key(graphql, someone, company_id=company_id, scopes=["TASKS_READ"]))
    attempts = {
        "syncCalendarConnection": (REQUEST, {"input": {"id": connection["id"]}}),
        "disconnectCalendarConnection": (DISCONNECT, {"input": {"id": connection["id"]}}),
        "setExternalCalendar": (CHOOSE, {"input": {"id": calendar_id, "busy": False, "receivesBlocks": False}}),
        "connectCalendarAccount": (CONNECT, {"input": {"companyId": company_id, "provider": "GOOGLE"}}),
    }

    answers = {
        (who, field): (await graphql(document, variables, caller=caller))[field]["__typename"]
        for who, caller in (("colleague", colleague), ("stranger", stranger), ("api key", key))
        for field, (document, variables) in attempts.items()
    }
    nodes = {
        (who, node_id): (await graphql.post(NODE, {"id": node_id}, caller=caller)).json()
        for who, caller in (("colleague", colleague), ("stranger", stranger), ("api key", key))
        for node_id in (connection["id"], calendar_id)
    }
    seen_by_owner = [
        (await graphql(NODE, {"id": node_id}, caller=someone))["node"] for node_id in (connection["id"], calendar_id)
    ]

    expected = {}
    for field in attempts:
        # A colleague may connect their own account to the company they share; nobody else may.
        expected[("colleague", field)] = "CalendarAuthorization" if field == "connectCalendarAccount" else "NotFound"
        expected[("stranger", field)] = "NotFound"
        expected[("api key", field)] = "Forbidden"
    assert answers == expected
    assert all(answer == {"data": {"node": None}} for answer in nodes.values()), nodes
    assert [node["__typename"] for node in seen_by_owner] == ["CalendarSyncConnection", "ExternalCalendar"]
    [unchanged] = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
    assert unchanged["calendars"] == connection["calendars"]


async def test_the_person_chooses_busy_calendars_and_the_one_receiving_blocks(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle,
    sessions: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    someone, _, connection = await connected(graphql, client, session_google)
    await sync_through(sessions, session_google, uuid_of(connection["id"]), uuid_of(someone.user_id))
    [connection] = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
    primary = connection["calendars"][0]

    chosen = await graphql(CHOOSE, {"input": {"id": primary["id"], "busy": False}}, caller=someone)

    assert chosen["setExternalCalendar"] == {
        "__typename": "ExternalCalendar", "id": primary["id"], "busy": False, "receivesBlocks": True,
    }  # fmt: skip
    [after] = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
    assert after["calendars"][0]["busy"] is False


async def test_an_unconfigured_provider_is_a_typed_error(graphql: GraphQL) -> None:
    someone = await sign_up(graphql, name="No Microsoft")
    company_id = await create_company(graphql, someone)

    result = await graphql(CONNECT, {"input": {"companyId": company_id, "provider": "MICROSOFT"}}, caller=someone)

    assert result["connectCalendarAccount"]["__typename"] == "ValidationFailed"
    assert result["connectCalendarAccount"]["fields"][0]["field"] == "provider"


async def test_sync_and_disconnect_are_requested_through_the_outbox(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle,
    sessions: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    someone, company_id, connection = await connected(graphql, client, session_google)

    synced = await graphql(REQUEST, {"input": {"id": connection["id"]}}, caller=someone)
    dropped = await graphql(DISCONNECT, {"input": {"id": connection["id"]}}, caller=someone)

    assert synced["syncCalendarConnection"]["__typename"] == "CalendarSyncConnection"
    assert dropped["disconnectCalendarConnection"]["__typename"] == "CalendarSyncConnection"
    async with tenant_session(sessions, worker_for(uuid_of(company_id))) as session:
        events = (await session.execute(
            sa.select(OutboxEvent.payload).where(col(OutboxEvent.subject_id) == uuid_of(connection["id"]))
            .order_by(col(OutboxEvent.created_at))
        )).scalars().all()  # fmt: skip
    flags = [(e["calendar_connection"]["requested"], e["calendar_connection"]["disconnect"]) for e in events]
    assert flags == [(True, False), (True, False), (False, True)]


async def test_a_google_push_is_answered_at_once(client: AsyncTestClient[Litestar]) -> None:
    headers = {"X-Goog-Channel-ID": "00000000-0000-0000-0000-000000000000", "X-Goog-Channel-Token": "t",
               "X-Goog-Resource-State": "exists", "X-Goog-Message-Number": "2"}  # fmt: skip

    answer = await client.post("/calendar-sync/push/google", headers=headers)
    stray = await client.post("/calendar-sync/push/google")

    assert answer.status_code == 200
    assert stray.status_code == 400
