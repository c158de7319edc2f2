"""Several mutations in one document: each runs in a savepoint. A typed error undoes only its own mutation; a
raised error undoes the whole operation."""

from __future__ import annotations

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
