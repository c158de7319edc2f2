"""Erasing an account: confirmed by the password, refused while the person is the last owner of a company with other
members; otherwise their own companies and everything only they held go, shared companies keep what they wrote
without naming them, their tokens and keys stop working, their calendar grants are revoked at the provider, and no
row anywhere names them any more."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.accounts.documents import delete_account
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_connections_api import connected
from tests.factories import (
    PASSWORD,
    Person,
    create_api_key,
    create_company,
    create_task,
    invite,
    result_of,
    sign_up,
)
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of
from tests.waiting import until
from tests.webhooks.documents import create_endpoint

LOG_IN = """
mutation($input: LogInInput!) { logIn(input: $input) { __typename ... on Error { message } } }
"""
REFRESH = """
mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { __typename ... on Error { message } } }
"""
CHANGE_ROLE = """
mutation($input: ChangeMemberRoleInput!) {
  changeMemberRole(input: $input) { __typename ... on Membership { role } ... on Error { message } }
}"""
TIMER = """
mutation($input: StartTimerInput!) {
  startTimer(input: $input) { __typename ... on TimeEntry { id } ... on Error { message } }
}"""
COMPANY = """
query($id: ID!) {
  node(id: $id) {
    ... on Company {
      name
      members { nodes { user { id } } }
      tasks { nodes { title createdBy { id } assignee { id } } }
    }
  }
}"""

# (table, column) pairs that may still hold an erased person's id, each anonymised otherwise: none today.
KEPT_AFTER_ERASURE: frozenset[tuple[str, str]] = frozenset()

# uuid columns name a person by value; text and JSON ones may carry the id as text, or as a GraphQL global id (what
# webhook payloads hold).
COLUMNS = """
SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid IN ('uuid'::regtype, 'uuid[]'::regtype, 'text'::regtype, 'varchar'::regtype, 'jsonb'::regtype,
                     'text[]'::regtype)
ORDER BY 1, 2
"""


def _test_of(name: str, type_name: str) -> str:
    if type_name == "uuid":
        return f'"{name}" = $1'
    if type_name == "uuid[]":
        return f'$1 = ANY ("{name}")'
    return f'(strpos("{name}"::text, $1::text) > 0 OR strpos("{name}"::text, $2) > 0)'


async def rows_naming(owner: asyncpg.Connection, person: uuid.UUID) -> dict[str, int]:
    """Every uuid, text and JSON column of every table, read as the owner role (no policy hides a row)."""
    found: dict[str, int] = {}
    as_global_id = base64.b64encode(f"User:{person}".encode()).decode()
    for column in await owner.fetch(COLUMNS):
        table, name = column["table_name"], column["column_name"]
        test = _test_of(name, column["type"])
        values = (person,) if column["type"].startswith("uuid") else (str(person), as_global_id)
        count = await owner.fetchval(f'SELECT count(*) FROM "{table}" WHERE {test}', *values)
        if count and (table, name) not in KEPT_AFTER_ERASURE:
            found[f"{table}.{name}"] = count
    return found


async def test_the_last_owner_of_a_company_with_members_is_refused_and_told_which(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Member")
    shared = await create_company(graphql, ada, name="Only Ada Owns")
    await invite(graphql, ada, company_id=shared, member=bob)

    refused = await delete_account(graphql, ada)
    still = await graphql(LOG_IN, {"input": {"email": ada.email, "password": PASSWORD}})

    assert refused["__typename"] == "LastOwnerOfCompanies"
    assert refused["companies"] == [{"id": shared, "name": "Only Ada Owns"}]
    assert "Only Ada Owns" in refused["message"]
    assert still["logIn"]["__typename"] == "AuthPayload"


async def test_a_wrong_or_missing_password_erases_nothing(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Careful")

    wrong = await delete_account(graphql, ada, password="not the password")
    missing = (await graphql("mutation { deleteAccount(input: {}) { __typename } }", caller=ada))["deleteAccount"]
    still = await graphql(LOG_IN, {"input": {"email": ada.email, "password": PASSWORD}})

    assert wrong["__typename"] == "AuthenticationFailed"
    assert missing["__typename"] == "ValidationFailed"
    assert still["logIn"]["__typename"] == "AuthPayload"


async def test_an_api_key_or_a_company_header_cannot_erase_an_account(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Keyed")
    company = await create_company(graphql, ada, name="Keyed Co")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=company, scopes=["TASKS_READ"]))
    narrowed = Caller(token=ada.token, company_id=company)

    by_key = await graphql('mutation { deleteAccount(input: {password: "x"}) { __typename } }', caller=key)
    by_header = await delete_account(graphql, narrowed)  # type: ignore[arg-type]

    assert by_key["deleteAccount"]["__typename"] == "Forbidden"
    assert by_header["__typename"] == "Forbidden"


async def _erasable_world(graphql: GraphQL) -> dict[str, Any]:
    """Ada works in Bob's team (admin there), co-owns a company she made, and has a company of her own."""
    ada = await sign_up(graphql, name="Ada Leaving")
    bob = await sign_up(graphql, name="Bob Staying")
    team = await create_company(graphql, bob, name="Bob's Team")
    await invite(graphql, bob, company_id=team, member=ada, role="ADMIN")
    handed = await create_company(graphql, ada, name="Handed Over")
    await invite(graphql, ada, company_id=handed, member=bob)
    await result_of(graphql, "changeMemberRole", CHANGE_ROLE,
                    {"input": {"companyId": handed, "userId": bob.user_id, "role": "OWNER"}}, ada)  # fmt: skip
    solo = await create_company(graphql, ada, name="Ada Alone")
    written = await create_task(graphql, ada, company_id=team, title="Written by Ada", assigneeId=ada.user_id)
    await create_task(graphql, bob, company_id=team, title="Given to Ada", assigneeId=ada.user_id)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Ada's own")
    await result_of(graphql, "startTimer", TIMER, {"input": {"taskId": written["id"]}}, ada)
    key = await create_api_key(graphql, ada, company_id=team, scopes=["TASKS_READ"])
    # The team's integration hears of Ada: webhook payloads name her by her global id.
    await create_endpoint(graphql, bob, company_id=team, url="http://127.0.0.1:9/team-hook")
    return {"ada": ada, "bob": bob, "team": team, "handed": handed, "solo": solo, "key": key}


async def test_erasure_ends_the_account_and_shared_companies_keep_its_work_without_naming_it(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    world = await _erasable_world(graphql)
    ada: Person = world["ada"]
    bob: Person = world["bob"]

    erased = await delete_account(graphql, ada)

    assert erased == {"__typename": "AccountDeleted", "ok": True}
    log_in = await graphql(LOG_IN, {"input": {"email": ada.email, "password": PASSWORD}})
    refresh = await graphql(REFRESH, {"input": {"refreshToken": ada.refresh_token}})
    by_key = await graphql.post("{ viewer { user { id } } }", caller=Caller(api_key=world["key"]))
    assert log_in["logIn"]["__typename"] == "AuthenticationFailed"
    assert refresh["refreshToken"]["__typename"] == "AuthenticationFailed"
    assert by_key.status_code == 401
    team = (await graphql(COMPANY, {"id": world["team"]}, caller=bob))["node"]
    assert [member["user"]["id"] for member in team["members"]["nodes"]] == [bob.user_id]
    assert sorted((t["title"], t["createdBy"], t["assignee"]) for t in team["tasks"]["nodes"]) == [
        ("Given to Ada", {"id": bob.user_id}, None),
        ("Written by Ada", None, None),
    ]
    handed = (await graphql(COMPANY, {"id": world["handed"]}, caller=bob))["node"]
    assert handed["name"] == "Handed Over"
    gone = [uuid_of(world["solo"]), uuid_of(ada.personal_company_id)]
    assert await owner.fetchval("SELECT count(*) FROM companies WHERE id = ANY ($1::uuid[])", gone) == 0


async def test_after_erasure_no_row_of_any_table_names_the_person(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    world = await _erasable_world(graphql)
    ada: Person = world["ada"]
    person = uuid_of(ada.user_id)

    async def delivered() -> dict[str, int] | None:
        found = await rows_naming(owner, person)
        return found if "webhook_deliveries.payload" in found else None

    before = await until(delivered, what="a webhook delivery that names the person")

    await delete_account(graphql, ada)

    # The scan saw the person everywhere they were before, so an empty answer after means something.
    assert {"users.id", "memberships.user_id", "tasks.created_by", "time_entries.user_id", "consents.user_id"} <= set(
        before
    )
    assert await rows_naming(owner, person) == {}


async def test_erasure_revokes_the_persons_calendar_grant_at_the_provider(
    graphql: GraphQL, client: AsyncTestClient[Litestar], session_google: FakeGoogle
) -> None:
    someone, _, _ = await connected(graphql, client, session_google)
    granted = set(session_google.refresh_tokens)
    revoked_before = len(session_google.revoked)

    erased = await delete_account(graphql, someone)

    assert erased["__typename"] == "AccountDeleted"
    revoked = await until(
        lambda: _newly_revoked(session_google, revoked_before, granted), what="the provider heard the grant revoked"
    )
    assert revoked


async def _newly_revoked(google: FakeGoogle, before: int, granted: set[str]) -> list[str] | None:
    return [token for token in google.revoked[before:] if token in granted] or None
