"""`X-Company-Id` narrows a person's request to one company: the others they belong to drop out of sight and
out of reach for that request, and naming a company they do not belong to opens nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants, global_id, snapshot, uuid_of

WHAT_ONE_SEES = """
query($task: ID!) {
  companies { nodes { id } }
  viewer { companies { nodes { id } } runningTimer { id } timeEntries { nodes { id } } }
  tasks { nodes { id } }
  node(id: $task) { id }
}"""


async def test_alice_narrowed_to_her_personal_company_sees_nothing_of_company_a(
    graphql: GraphQL, tenants: Tenants
) -> None:
    alice = replace(tenants.alice, company_id=tenants.alice.personal_company_id)

    data = await graphql(WHAT_ONE_SEES, {"task": tenants.a.task_id}, caller=alice)

    assert data["companies"]["nodes"] == [{"id": tenants.alice.personal_company_id}]
    assert data["viewer"]["companies"]["nodes"] == [{"id": tenants.alice.personal_company_id}]
    assert data["viewer"]["runningTimer"] is None
    assert data["viewer"]["timeEntries"]["nodes"] == []
    assert data["tasks"]["nodes"] == []
    assert data["node"] is None


async def test_alice_narrowed_to_company_a_by_its_plain_uuid_sees_only_company_a(
    graphql: GraphQL, tenants: Tenants
) -> None:
    alice = replace(tenants.alice, company_id=str(uuid_of(tenants.a.company_id)))

    data = await graphql(WHAT_ONE_SEES, {"task": tenants.a.task_id}, caller=alice)

    assert data["companies"]["nodes"] == [{"id": tenants.a.company_id}]
    assert data["tasks"]["nodes"] == [{"id": tenants.a.task_id}]
    assert data["viewer"]["runningTimer"] == {"id": tenants.a.time_entry_id}
    assert data["node"] == {"id": tenants.a.task_id}


async def test_bob_naming_company_a_in_the_header_sees_nothing_at_all(graphql: GraphQL, tenants: Tenants) -> None:
    bob = replace(tenants.bob, company_id=tenants.a.company_id)

    response = await graphql.post(WHAT_ONE_SEES, {"task": tenants.a.task_id}, caller=bob)

    assert tenants.a.marker not in response.text
    data = response.json()["data"]
    assert data["companies"]["nodes"] == []
    assert data["viewer"]["companies"]["nodes"] == []
    assert data["tasks"]["nodes"] == []
    assert data["node"] is None


# Changes Alice could make to company A, refused while her request is narrowed to her personal company.
OUT_OF_SCOPE_CHANGES = {
    "updateCompany": lambda t: {"id": t.a.company_id, "name": "Renamed"},
    "deleteCompany": lambda t: {"id": t.a.company_id},
    "inviteMember": lambda t: {"companyId": t.a.company_id, "email": t.bob.email},
    "changeMemberRole": lambda t: {"companyId": t.a.company_id, "userId": t.alice.user_id, "role": "ADMIN"},
    "removeMember": lambda t: {"companyId": t.a.company_id, "userId": t.alice.user_id},
    "createProject": lambda t: {"companyId": t.a.company_id, "name": "Another"},
    "updateProject": lambda t: {"id": t.a.project_id, "archived": True},
    "createTask": lambda t: {"companyId": t.a.company_id, "title": "Another"},
    "updateTask": lambda t: {"id": t.a.task_id, "title": "Renamed"},
    "deleteTask": lambda t: {"id": t.a.task_id},
    "addSubtask": lambda t: {"taskId": t.a.task_id, "title": "Another"},
    "startTimer": lambda t: {"companyId": t.a.company_id, "stopRunning": True},
    "createApiKey": lambda t: {"companyId": t.a.company_id, "name": "Another", "scopes": ["TASKS_READ"]},
    "revokeApiKey": lambda t: {"id": t.a.api_key.id},
}


@pytest.mark.parametrize("mutation", sorted(OUT_OF_SCOPE_CHANGES))
async def test_alice_narrowed_to_her_personal_company_cannot_change_company_a_with(
    graphql: GraphQL, tenants: Tenants, mutation: str
) -> None:
    alice = replace(tenants.alice, company_id=tenants.alice.personal_company_id)
    before = await snapshot(graphql, tenants)

    data = await graphql(mutation_document(mutation), {"input": OUT_OF_SCOPE_CHANGES[mutation](tenants)}, caller=alice)

    assert data[mutation]["__typename"] == "NotFound", data
    assert await snapshot(graphql, tenants) == before


@pytest.mark.parametrize(
    "header", ["not-a-company", global_id("Task", uuid.uuid4())], ids=["garbage", "the global id of a task"]
)
async def test_a_header_that_names_no_company_is_refused(graphql: GraphQL, tenants: Tenants, header: str) -> None:
    response = await graphql.post("{ companies { nodes { id } } }", caller=replace(tenants.alice, company_id=header))

    assert response.status_code == 401
