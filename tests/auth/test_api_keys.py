from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest

from tests.auth.sessions import node_uuid
from tests.factories import Person, create_api_key, create_company, create_task, invite, sign_up
from tests.graphql import Caller, GraphQL

CREATE_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on ApiKeyCreated { secret apiKey { id name scopes expiresAt revokedAt } }
    ... on ValidationFailed { fields { field message } }
    ... on Error { message }
  }
}"""
REVOKE_KEY = """
mutation($id: ID!) {
  revokeApiKey(input: {id: $id}) { __typename ... on ApiKey { revokedAt } ... on Error { message } }
}"""
COMPANY_KEYS = "query($id: ID!) { node(id: $id) { ... on Company { apiKeys { id name scopes } } } }"
TASK_TITLES = "{ tasks { nodes { title } } }"
CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Task { title } ... on Error { message } }
}"""


async def new_key(graphql: GraphQL, admin: Caller, **fields: Any) -> dict[str, Any]:
    data = await graphql(
        CREATE_KEY, {"input": {"name": "integration", "scopes": ["TASKS_READ"], **fields}}, caller=admin
    )
    return dict(data["createApiKey"])


async def person_with_two_companies(graphql: GraphQL, name: str) -> tuple[Person, str, str]:
    person = await sign_up(graphql, name=name)
    first = await create_company(graphql, person, name=f"{name} One")
    second = await create_company(graphql, person, name=f"{name} Two")
    return person, first, second


async def test_creating_a_key_shows_its_secret_once(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Keys")
    company = await create_company(graphql, ada, name="Keys Ltd")

    created = await new_key(graphql, ada, companyId=company, name="CI", scopes=["TASKS_WRITE", "TASKS_READ"])

    assert created["__typename"] == "ApiKeyCreated"
    key = created["apiKey"]
    assert created["secret"].startswith(f"rk_{uuid.UUID(node_uuid(key['id'])).hex}_")
    assert (key["name"], sorted(key["scopes"]), key["revokedAt"]) == ("CI", ["TASKS_READ", "TASKS_WRITE"], None)
    listed = await graphql(COMPANY_KEYS, {"id": company}, caller=ada)
    # The list carries no secret field at all: the schema has nowhere to show it again.
    assert listed["node"]["apiKeys"] == [{"id": key["id"], "name": "CI", "scopes": key["scopes"]}]


async def test_a_key_reads_its_own_company_only(graphql: GraphQL) -> None:
    ada, mine, other = await person_with_two_companies(graphql, "Ada Scope")
    await create_task(graphql, ada, company_id=mine, title="In the key's company")
    await create_task(graphql, ada, company_id=other, title="In another company")
    secret = await create_api_key(graphql, ada, company_id=mine, scopes=["TASKS_READ"])
    key = Caller(api_key=secret)

    tasks = await graphql(TASK_TITLES, caller=key)
    companies = await graphql("{ companies { nodes { id } } }", caller=key)
    elsewhere = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": other}, caller=key)

    assert tasks["tasks"]["nodes"] == [{"title": "In the key's company"}]
    assert companies["companies"]["nodes"] == [{"id": mine}]
    assert elsewhere == {"node": None}


async def test_a_key_writes_in_its_own_company_only(graphql: GraphQL) -> None:
    ada, mine, other = await person_with_two_companies(graphql, "Ada Write")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=mine, scopes=["TASKS_WRITE"]))

    here = await graphql(CREATE_TASK, {"input": {"companyId": mine, "title": "Filed by a robot"}}, caller=key)
    there = await graphql(CREATE_TASK, {"input": {"companyId": other, "title": "Sneaked in"}}, caller=key)

    assert here["createTask"] == {"__typename": "Task", "title": "Filed by a robot"}
    assert there["createTask"] == {"__typename": "NotFound", "message": "No such Company."}
    titles = await graphql(TASK_TITLES, caller=ada)
    assert [task["title"] for task in titles["tasks"]["nodes"]] == ["Filed by a robot"]


async def test_a_read_only_key_cannot_write(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Read Only")
    company = await create_company(graphql, ada, name="Read Only Ltd")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=company, scopes=["TASKS_READ"]))

    data = await graphql(CREATE_TASK, {"input": {"companyId": company, "title": "Nope"}}, caller=key)

    assert data["createTask"]["__typename"] == "Forbidden"
    assert (await graphql(TASK_TITLES, caller=ada))["tasks"]["nodes"] == []


async def test_the_viewer_is_null_for_a_key(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Viewer Key")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"]))

    assert await graphql("{ viewer { user { id } } }", caller=key) == {"viewer": None}


async def test_a_key_cannot_create_api_keys(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Key Maker")
    company = await create_company(graphql, ada, name="Key Maker Ltd")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=company, scopes=["TASKS_WRITE"]))

    created = await new_key(graphql, key, companyId=company)

    assert created == {"__typename": "Forbidden", "message": "This needs a signed-in person; an API key may not do it."}
    listed = await graphql(COMPANY_KEYS, {"id": company}, caller=ada)
    assert len(listed["node"]["apiKeys"]) == 1


async def test_a_key_cannot_start_a_timer(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Key Timer")
    company = await create_company(graphql, ada, name="Timer Ltd")
    key = Caller(api_key=await create_api_key(graphql, ada, company_id=company, scopes=["TIME_WRITE", "TIME_READ"]))

    data = await graphql(
        "mutation($c: ID!) { startTimer(input: {companyId: $c}) { __typename ... on Error { message } } }",
        {"c": company},
        caller=key,
    )

    assert data["startTimer"]["__typename"] == "Forbidden"
    running = await graphql("{ viewer { runningTimer { id } } }", caller=ada)
    assert running["viewer"]["runningTimer"] is None


def _tampered(secret: str) -> str:
    return secret[:-4] + ("aaaa" if not secret.endswith("aaaa") else "bbbb")


BAD_KEYS = {
    "a wrong secret": _tampered,
    "no secret": lambda secret: secret.rpartition("_")[0] + "_",
    "an unknown key id": lambda secret: f"rk_{uuid.uuid4().hex}_{secret.rpartition('_')[2]}",
    "no prefix": lambda secret: secret.removeprefix("rk_"),
    "a key id that is no uuid": lambda secret: "rk_nonsense_secret",
    "garbage": lambda secret: "garbage",
}


@pytest.mark.parametrize("bad", BAD_KEYS.keys())
async def test_a_bad_key_is_a_401(graphql: GraphQL, bad: str) -> None:
    ada = await sign_up(graphql, name="Ada Bad Key")
    secret = await create_api_key(graphql, ada, company_id=ada.personal_company_id, scopes=["TASKS_READ"])

    response = await graphql.post(TASK_TITLES, caller=Caller(api_key=BAD_KEYS[bad](secret)))

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_revoked_key_is_a_401(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Revoke")
    created = await new_key(graphql, ada, companyId=ada.personal_company_id)
    key = Caller(api_key=created["secret"])
    assert (await graphql.post(TASK_TITLES, caller=key)).status_code == 200

    revoked = await graphql(REVOKE_KEY, {"id": created["apiKey"]["id"]}, caller=ada)

    assert revoked["revokeApiKey"]["__typename"] == "ApiKey"
    assert revoked["revokeApiKey"]["revokedAt"] is not None
    response = await graphql.post(TASK_TITLES, caller=key)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The API key has been revoked or has expired."


async def test_an_expired_key_is_a_401(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Expiry")
    created = await new_key(graphql, ada, companyId=ada.personal_company_id, expiresAt="2999-01-01T00:00:00+00:00")
    key = Caller(api_key=created["secret"])
    assert (await graphql.post(TASK_TITLES, caller=key)).status_code == 200
    # The API accepts only future expiry times; move this one into the past rather than wait for it.
    await owner.execute(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
        uuid.UUID(node_uuid(created["apiKey"]["id"])),
    )

    response = await graphql.post(TASK_TITLES, caller=key)

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_key_cannot_be_made_already_expired(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Past")

    created = await new_key(graphql, ada, companyId=ada.personal_company_id, expiresAt="2001-01-01T00:00:00+00:00")

    assert created["__typename"] == "ValidationFailed"
    assert created["fields"] == [{"field": "expiresAt", "message": "Must be in the future."}]


async def test_a_key_needs_at_least_one_scope(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada No Scope")

    created = await new_key(graphql, ada, companyId=ada.personal_company_id, scopes=[])

    assert created["__typename"] == "ValidationFailed"
    assert [error["field"] for error in created["fields"]] == ["scopes"]


async def test_a_member_cannot_create_keys(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Admin")
    bob = await sign_up(graphql, name="Bob Member")
    company = await create_company(graphql, ada, name="Members Ltd")
    await invite(graphql, ada, company_id=company, member=bob, role="MEMBER")

    created = await new_key(graphql, bob, companyId=company)

    assert created["__typename"] == "Forbidden"
    listed = await graphql(COMPANY_KEYS, {"id": company}, caller=ada)
    assert listed["node"]["apiKeys"] == []
