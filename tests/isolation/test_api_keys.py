"""An API key acts in its one company, within its scopes, until it is revoked.

(Every mutation aimed at another company by a key with every scope is in `test_mutations.py`.)
"""

from __future__ import annotations

from typing import Any

from tests.graphql import Caller, GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants, issue_api_key

EVERYTHING_VISIBLE = """
query($task: ID!, $company: ID!, $alice: ID!) {
  viewer { user { id } }
  companies { nodes { id } }
  tasks { nodes { id } }
  task: node(id: $task) { id }
  company: node(id: $company) { id }
  alice: node(id: $alice) { id }
}"""

B_AS_THE_KEY_SEES_IT = """
query($id: ID!) {
  node(id: $id) {
    ... on Company {
      members { nodes { role user { id } } }
      tasks { nodes { id title createdBy { id } assignee { id } } }
      projects { nodes { id } }
    }
  }
}"""


async def tasks_of_b(graphql: GraphQL, tenants: Tenants) -> list[dict[str, Any]]:
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Company { tasks { nodes { id title } } } } }",
        {"id": tenants.b.company_id},
        caller=tenants.bob,
    )
    tasks: list[dict[str, Any]] = data["node"]["tasks"]["nodes"]
    return tasks


async def test_a_key_of_company_b_with_every_scope_reads_company_b_and_nothing_of_company_a(
    graphql: GraphQL, tenants: Tenants
) -> None:
    key = tenants.b.api_key
    variables = {"task": tenants.a.task_id, "company": tenants.a.company_id, "alice": tenants.alice.user_id}

    response = await graphql.post(EVERYTHING_VISIBLE, variables, caller=key.caller())

    assert tenants.a.marker not in response.text
    assert response.json()["data"] == {
        "viewer": None,
        "companies": {"nodes": [{"id": tenants.b.company_id}]},
        "tasks": {"nodes": [{"id": tenants.b.task_id}]},
        "task": None,
        "company": None,
        "alice": None,
    }


async def test_a_key_that_only_reads_tasks_cannot_create_one(graphql: GraphQL, tenants: Tenants) -> None:
    key = await issue_api_key(graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ"])
    before = await tasks_of_b(graphql, tenants)

    data = await graphql(
        mutation_document("createTask"),
        {"input": {"companyId": tenants.b.company_id, "title": "From the key"}},
        caller=key.caller(),
    )

    assert data["createTask"]["__typename"] == "Forbidden"
    assert await tasks_of_b(graphql, tenants) == before


async def test_a_key_that_only_reads_tasks_cannot_change_or_delete_one(graphql: GraphQL, tenants: Tenants) -> None:
    key = await issue_api_key(graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ"])
    before = await tasks_of_b(graphql, tenants)

    updated = await graphql(
        mutation_document("updateTask"), {"input": {"id": tenants.b.task_id, "title": "Changed"}}, caller=key.caller()
    )
    deleted = await graphql(mutation_document("deleteTask"), {"input": {"id": tenants.b.task_id}}, caller=key.caller())

    assert (updated["updateTask"]["__typename"], deleted["deleteTask"]["__typename"]) == ("Forbidden", "Forbidden")
    assert await tasks_of_b(graphql, tenants) == before


async def test_a_key_without_members_read_sees_no_member(graphql: GraphQL, tenants: Tenants) -> None:
    await graphql(
        mutation_document("updateTask"),
        {"input": {"id": tenants.b.task_id, "assigneeId": tenants.bob.user_id}},
        caller=tenants.bob,
    )
    key = await issue_api_key(graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ"])

    data = await graphql(B_AS_THE_KEY_SEES_IT, {"id": tenants.b.company_id}, caller=key.caller())
    bob = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": tenants.bob.user_id}, caller=key.caller())

    company = data["node"]
    assert company["members"]["nodes"] == []
    assert company["tasks"]["nodes"] == [
        {"id": tenants.b.task_id, "title": "Bravo task", "createdBy": None, "assignee": None}
    ]
    assert company["projects"]["nodes"] == [], "nor projects without projects:read"
    assert bob["node"] is None


async def test_a_key_with_members_read_sees_the_members(graphql: GraphQL, tenants: Tenants) -> None:
    key = await issue_api_key(
        graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ", "MEMBERS_READ"]
    )

    data = await graphql(B_AS_THE_KEY_SEES_IT, {"id": tenants.b.company_id}, caller=key.caller())

    assert data["node"]["members"]["nodes"] == [{"role": "OWNER", "user": {"id": tenants.bob.user_id}}]
    assert data["node"]["tasks"]["nodes"][0]["createdBy"] == {"id": tenants.bob.user_id}


async def test_a_key_with_every_scope_cannot_make_another_key_or_invite_in_its_own_company(
    graphql: GraphQL, tenants: Tenants
) -> None:
    key = tenants.b.api_key
    new_key = {"companyId": tenants.b.company_id, "name": "Another", "scopes": ["TASKS_WRITE"]}
    invitation = {"companyId": tenants.b.company_id, "email": tenants.alice.email, "role": "OWNER"}

    made = await graphql(mutation_document("createApiKey"), {"input": new_key}, caller=key.caller())
    invited = await graphql(mutation_document("inviteMember"), {"input": invitation}, caller=key.caller())

    assert made["createApiKey"]["__typename"] == "Forbidden"
    assert invited["inviteMember"]["__typename"] == "Forbidden"
    company = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Company { apiKeys { id } members { nodes { user { id } } } } } }",
        {"id": tenants.b.company_id},
        caller=tenants.bob,
    )
    assert company["node"] == {
        "apiKeys": [{"id": key.id}],
        "members": {"nodes": [{"user": {"id": tenants.bob.user_id}}]},
    }


async def test_a_revoked_key_is_turned_away_with_401(graphql: GraphQL, tenants: Tenants) -> None:
    key = await issue_api_key(graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ"])
    working = await graphql.post("{ tasks { nodes { id } } }", caller=key.caller())
    await graphql(mutation_document("revokeApiKey"), {"input": {"id": key.id}}, caller=tenants.bob)

    response = await graphql.post("{ tasks { nodes { id } } }", caller=key.caller())

    assert working.status_code == 200
    assert response.status_code == 401
    assert "Bravo task" not in response.text


async def test_a_guessed_secret_for_a_real_key_is_turned_away_with_401(graphql: GraphQL, tenants: Tenants) -> None:
    key = await issue_api_key(graphql, tenants.bob, company_id=tenants.b.company_id, scopes=["TASKS_READ"])
    key_id, _, secret = key.secret.removeprefix("rk_").partition("_")
    guessed = f"rk_{key_id}_{'A' * len(secret)}"

    response = await graphql.post("{ tasks { nodes { id } } }", caller=Caller(api_key=guessed))

    assert response.status_code == 401
