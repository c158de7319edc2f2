"""Projects: making, renaming, archiving and deleting them; a deleted project's tasks stay, without a project."""

from __future__ import annotations

from typing import Any

from tests.factories import Person, create_company, create_project, create_task, invite, sign_up
from tests.graphql import GraphQL

PROJECT = "id name description archived company { id }"
RESULT = f"""
__typename
... on Project {{ {PROJECT} }}
... on ValidationFailed {{ fields {{ field message }} }}
... on Error {{ message }}
"""
CREATE_PROJECT = f"mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ {RESULT} }} }}"
UPDATE_PROJECT = f"mutation($input: UpdateProjectInput!) {{ updateProject(input: $input) {{ {RESULT} }} }}"
DELETE_PROJECT = """
mutation($input: DeleteProjectInput!) {
  deleteProject(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""
PROJECT_BY_ID = f"query($id: ID!) {{ node(id: $id) {{ ... on Project {{ {PROJECT} }} }} }}"
TASK_BY_ID = "query($id: ID!) { node(id: $id) { ... on Task { title project { id } } } }"


async def mutate(graphql: GraphQL, caller: Person, document: str, **input: Any) -> dict[str, Any]:
    data = await graphql(document, {"input": input}, caller=caller)
    result: dict[str, Any] = next(iter(data.values()))
    return result


async def project_of(graphql: GraphQL, caller: Person, project_id: str) -> dict[str, Any] | None:
    data = await graphql(PROJECT_BY_ID, {"id": project_id}, caller=caller)
    node: dict[str, Any] | None = data["node"]
    return node


async def test_a_project_is_made_in_a_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Planner")
    company = await create_company(graphql, ada)

    project = await mutate(
        graphql, ada, CREATE_PROJECT, companyId=company, name=" Moon landing ", description="One small step."
    )

    assert project["__typename"] == "Project", project
    assert {key: project[key] for key in ("name", "description", "archived", "company")} == {
        "name": "Moon landing",
        "description": "One small step.",
        "archived": False,
        "company": {"id": company},
    }
    assert await project_of(graphql, ada, project["id"]) == {k: v for k, v in project.items() if k != "__typename"}


async def test_a_project_needs_a_name(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nameless")

    result = await mutate(graphql, ada, CREATE_PROJECT, companyId=ada.personal_company_id, name="  ")

    assert result["__typename"] == "ValidationFailed"
    assert [error["field"] for error in result["fields"]] == ["name"]


async def test_no_project_is_made_in_a_company_the_caller_is_not_in(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    stranger = await sign_up(graphql, name="Stranger Planner")

    result = await mutate(graphql, stranger, CREATE_PROJECT, companyId=ada.personal_company_id, name="Takeover")

    assert result["__typename"] == "NotFound", result


async def test_renaming_a_project_leaves_what_was_omitted(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Renamer")
    created = await mutate(
        graphql, ada, CREATE_PROJECT, companyId=ada.personal_company_id, name="Draft", description="Keep me"
    )

    renamed = await mutate(graphql, ada, UPDATE_PROJECT, id=created["id"], name="Final")

    assert (renamed["name"], renamed["description"], renamed["archived"]) == ("Final", "Keep me", False)


async def test_a_project_is_archived_and_restored(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Archivist")
    project_id = await create_project(graphql, ada, company_id=ada.personal_company_id, name="Old")

    archived = await mutate(graphql, ada, UPDATE_PROJECT, id=project_id, archived=True)
    restored = await mutate(graphql, ada, UPDATE_PROJECT, id=project_id, archived=False)

    assert (archived["archived"], archived["name"]) == (True, "Old")
    assert restored["archived"] is False


async def test_a_member_changes_a_project_of_their_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    bob = await sign_up(graphql, name="Bob Member")
    company = await create_company(graphql, ada)
    await invite(graphql, ada, company_id=company, member=bob)
    project_id = await create_project(graphql, ada, company_id=company, name="Ada's idea")

    changed = await mutate(graphql, bob, UPDATE_PROJECT, id=project_id, description="Bob's notes")

    assert (changed["__typename"], changed["description"]) == ("Project", "Bob's notes")


async def test_deleting_a_project_keeps_its_tasks_without_a_project(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Deleter")
    project_id = await create_project(graphql, ada, company_id=ada.personal_company_id)
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Survivor", projectId=project_id)

    deleted = await mutate(graphql, ada, DELETE_PROJECT, id=project_id)

    assert deleted == {"__typename": "Deleted", "id": project_id}
    assert await project_of(graphql, ada, project_id) is None
    data = await graphql(TASK_BY_ID, {"id": task["id"]}, caller=ada)
    assert data["node"] == {"title": "Survivor", "project": None}


async def test_a_stranger_cannot_delete_a_project(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Owner")
    stranger = await sign_up(graphql, name="Stranger Deleter")
    project_id = await create_project(graphql, ada, company_id=ada.personal_company_id)

    result = await mutate(graphql, stranger, DELETE_PROJECT, id=project_id)

    assert result["__typename"] == "NotFound", result
    assert await project_of(graphql, ada, project_id) is not None
