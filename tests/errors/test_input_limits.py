"""Over-long text is a ValidationFailed naming the field, and nothing is written."""

from __future__ import annotations

from typing import Any

from tests.factories import create_company, create_project, create_task, sign_up
from tests.graphql import Caller, GraphQL

FAILURE = "__typename ... on ValidationFailed { fields { field message } } ... on Error { message }"


async def mutate(graphql: GraphQL, caller: Caller, field: str, input_type: str, values: dict[str, Any]) -> Any:
    query = f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ {FAILURE} }} }}"
    return (await graphql(query, {"input": values}, caller=caller))[field]


def too_long(field: str, limit: int) -> dict[str, Any]:
    return {
        "__typename": "ValidationFailed",
        "message": "Some fields are invalid.",
        "fields": [{"field": field, "message": f"Must be at most {limit} characters."}],
    }


async def task_titles(graphql: GraphQL, caller: Caller) -> list[str]:
    data = await graphql("{ tasks { nodes { title } } }", caller=caller)
    return [task["title"] for task in data["tasks"]["nodes"]]


async def test_a_task_title_over_500_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Title")

    result = await mutate(
        graphql, ada, "createTask", "CreateTaskInput", {"companyId": ada.personal_company_id, "title": "x" * 501}
    )

    assert result == too_long("title", 500)
    assert await task_titles(graphql, ada) == []


async def test_a_task_title_of_exactly_500_characters_is_accepted(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Title Limit")

    await create_task(graphql, ada, company_id=ada.personal_company_id, title="x" * 500)

    assert await task_titles(graphql, ada) == ["x" * 500]


async def test_a_task_description_over_20000_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Description")
    values = {"companyId": ada.personal_company_id, "title": "Fine", "description": "x" * 20_001}

    result = await mutate(graphql, ada, "createTask", "CreateTaskInput", values)

    assert result == too_long("description", 20_000)
    assert await task_titles(graphql, ada) == []


async def test_renaming_a_task_to_an_over_long_title_leaves_it_unchanged(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Rename")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Original")

    result = await mutate(graphql, ada, "updateTask", "UpdateTaskInput", {"id": task["id"], "title": "y" * 501})

    assert result == too_long("title", 500)
    assert await task_titles(graphql, ada) == ["Original"]


async def test_a_checklist_item_over_500_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Subtask")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="With a checklist")

    result = await mutate(graphql, ada, "addSubtask", "AddSubtaskInput", {"taskId": task["id"], "title": "z" * 501})

    assert result == too_long("title", 500)
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Task { subtasks { id } } } }", {"id": task["id"]}, caller=ada
    )
    assert data["node"]["subtasks"] == []


async def test_a_company_name_over_120_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Company")

    result = await mutate(graphql, ada, "createCompany", "CreateCompanyInput", {"name": "c" * 121})

    assert result == too_long("name", 120)
    data = await graphql("{ viewer { companies { nodes { name } } } }", caller=ada)
    assert data["viewer"]["companies"]["nodes"] == [{"name": "Personal"}]


async def test_renaming_a_company_to_an_over_long_name_leaves_it_unchanged(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Company Rename")
    company = await create_company(graphql, ada, name="Short Ltd")

    result = await mutate(graphql, ada, "updateCompany", "UpdateCompanyInput", {"id": company, "name": "c" * 121})

    assert result == too_long("name", 120)
    data = await graphql("query($id: ID!) { node(id: $id) { ... on Company { name } } }", {"id": company}, caller=ada)
    assert data["node"] == {"name": "Short Ltd"}


async def test_a_project_name_over_200_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Project")
    company = await create_company(graphql, ada, name="Projects Ltd")

    result = await mutate(
        graphql, ada, "createProject", "CreateProjectInput", {"companyId": company, "name": "p" * 201}
    )

    assert result == too_long("name", 200)
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Company { projects { nodes { id } } } } }",
        {"id": company},
        caller=ada,
    )
    assert data["node"]["projects"]["nodes"] == []


async def test_a_project_description_over_10000_characters_leaves_the_project_unchanged(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Project Description")
    company = await create_company(graphql, ada, name="Descriptions Ltd")
    project = await create_project(graphql, ada, company_id=company, name="Kept")

    values = {"id": project, "name": "Renamed", "description": "d" * 10_001}
    result = await mutate(graphql, ada, "updateProject", "UpdateProjectInput", values)

    assert result == too_long("description", 10_000)
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Project { name description } } }", {"id": project}, caller=ada
    )
    assert data["node"] == {"name": "Kept", "description": ""}


async def test_a_display_name_over_120_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Display")

    result = await mutate(graphql, ada, "updateViewer", "UpdateViewerInput", {"displayName": "n" * 121})

    assert result == too_long("displayName", 120)
    data = await graphql("{ viewer { user { displayName } } }", caller=ada)
    assert data["viewer"]["user"]["displayName"] == "Ada Display"


async def test_an_api_key_name_over_120_characters_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Key Name")
    company = await create_company(graphql, ada, name="Keys Ltd")

    values = {"companyId": company, "name": "k" * 121, "scopes": ["TASKS_READ"]}
    result = await mutate(graphql, ada, "createApiKey", "CreateApiKeyInput", values)

    assert result == too_long("name", 120)
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Company { apiKeys { id } } } }", {"id": company}, caller=ada
    )
    assert data["node"]["apiKeys"] == []


async def test_a_timer_note_over_2000_characters_starts_no_timer(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Note")

    values = {"companyId": ada.personal_company_id, "note": "t" * 2001}
    result = await mutate(graphql, ada, "startTimer", "StartTimerInput", values)

    assert result == too_long("note", 2000)
    data = await graphql("{ viewer { runningTimer { id } timeEntries { nodes { id } } } }", caller=ada)
    assert data["viewer"] == {"runningTimer": None, "timeEntries": {"nodes": []}}


async def test_every_invalid_field_is_named_at_once(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Many")
    values = {
        "companyId": ada.personal_company_id,
        "title": "x" * 501,
        "description": "x" * 20_001,
        "effort": 9,
        "estimatedMinutes": 0,
        "tags": ["t" * 51],
    }

    result = await mutate(graphql, ada, "createTask", "CreateTaskInput", values)

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == [
        "description",
        "effort",
        "estimatedMinutes",
        "tags",
        "title",
    ]
    assert await task_titles(graphql, ada) == []


async def test_a_search_over_200_characters_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Search")

    errors = await graphql.errors(
        "query($s: String) { tasks(filter: {search: $s}) { nodes { id } } }", {"s": "s" * 201}, caller=ada
    )

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["fields"] == {"filter.search": "Must be at most 200 characters."}
