"""Several mutations in one document: each runs in a savepoint. A typed error undoes only its own mutation; a
raised error undoes the whole operation. A mutation alone in its document runs without a savepoint, and its typed
error undoes the whole transaction, its outbox events included."""

from __future__ import annotations

import base64
import uuid

import asyncpg

from tests.factories import create_company, create_project, create_task, sign_up
from tests.graphql import Caller, GraphQL

RESULT = "__typename ... on Task { id title } ... on ValidationFailed { fields { field } } ... on Error { message }"


async def task_titles(graphql: GraphQL, caller: Caller) -> list[str]:
    data = await graphql("{ tasks { nodes { title } } }", caller=caller)
    return sorted(task["title"] for task in data["tasks"]["nodes"])


async def test_a_typed_error_in_the_second_mutation_keeps_the_first(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Two Mutations")

    data = await graphql(
        f"""mutation($c: ID!, $long: String!) {{
          kept: createTask(input: {{companyId: $c, title: "Kept"}}) {{ {RESULT} }}
          refused: createTask(input: {{companyId: $c, title: $long}}) {{ {RESULT} }}
        }}""",
        {"c": ada.personal_company_id, "long": "x" * 501},
        caller=ada,
    )

    assert data["kept"]["__typename"] == "Task"
    assert data["refused"]["__typename"] == "ValidationFailed"
    assert data["refused"]["fields"] == [{"field": "title"}]
    assert await task_titles(graphql, ada) == ["Kept"]


async def test_a_typed_error_after_a_write_undoes_that_write(graphql: GraphQL) -> None:
    # The project belongs to another company, so the row is written and then refused by the database's key.
    ada = await sign_up(graphql, name="Ada Savepoint")
    elsewhere = await create_company(graphql, ada, name="Elsewhere Ltd")
    foreign_project = await create_project(graphql, ada, company_id=elsewhere, name="Foreign")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Original")

    data = await graphql(
        f"""mutation($id: ID!, $project: ID!) {{
          moved: updateTask(input: {{id: $id, title: "Renamed", projectId: $project}}) {{ {RESULT} }}
          after: completeTask(input: {{id: $id}}) {{ {RESULT} }}
        }}""",
        {"id": task["id"], "project": foreign_project},
        caller=ada,
    )

    assert data["moved"]["__typename"] == "ValidationFailed"
    assert data["moved"]["fields"] == [{"field": "projectId"}]
    # The next mutation of the same document already sees the rename undone.
    assert data["after"] == {"__typename": "Task", "id": task["id"], "title": "Original"}
    assert await task_titles(graphql, ada) == ["Original"]


async def test_a_raised_error_in_the_second_mutation_undoes_the_first(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Raised")

    response = await graphql.post(
        f"""mutation($c: ID!) {{
          first: createTask(input: {{companyId: $c, title: "Undone"}}) {{ {RESULT} }}
          second: createTask(input: {{companyId: "not-a-global-id", title: "Never"}}) {{ {RESULT} }}
        }}""",
        {"c": ada.personal_company_id},
        caller=ada,
    )

    assert response.status_code == 200
    assert [error["path"] for error in response.json()["errors"]] == [["second"]]
    assert await task_titles(graphql, ada) == []


async def outbox_events_of(owner: asyncpg.Connection, task_id: str) -> int:
    subject = uuid.UUID(base64.b64decode(task_id).decode().partition(":")[2])
    count: int = await owner.fetchval("SELECT count(*) FROM outbox WHERE subject_id = $1", subject)
    return count


async def test_a_typed_error_after_a_write_undoes_it_when_the_mutation_is_alone(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    # No savepoint here: the refused write and its event must go with the transaction itself.
    ada = await sign_up(graphql, name="Ada Alone")
    elsewhere = await create_company(graphql, ada, name="Elsewhere Alone Ltd")
    foreign_project = await create_project(graphql, ada, company_id=elsewhere, name="Foreign")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Original")
    before = await outbox_events_of(owner, task["id"])

    data = await graphql(
        f"""mutation($id: ID!, $project: ID!) {{
          updateTask(input: {{id: $id, title: "Renamed", projectId: $project}}) {{ {RESULT} }}
        }}""",
        {"id": task["id"], "project": foreign_project},
        caller=ada,
    )

    assert data["updateTask"]["__typename"] == "ValidationFailed"
    assert await task_titles(graphql, ada) == ["Original"]
    assert await outbox_events_of(owner, task["id"]) == before == 1


async def test_a_mutation_alone_commits_when_it_succeeds(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Alone Kept")
    data = await graphql(
        f"""mutation($c: ID!) {{ createTask(input: {{companyId: $c, title: "Kept"}}) {{ {RESULT} }} }}""",
        {"c": ada.personal_company_id},
        caller=ada,
    )
    assert data["createTask"]["__typename"] == "Task"
    assert await task_titles(graphql, ada) == ["Kept"]
