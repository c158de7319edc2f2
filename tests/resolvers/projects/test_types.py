"""Listing a company's projects, oldest first, with or without the archived ones."""

from __future__ import annotations

import pytest

from tests.factories import create_project, sign_up
from tests.graphql import GraphQL

PROJECTS = """
query($id: ID!, $archived: Boolean) {
  node(id: $id) { ... on Company { projects(archived: $archived) { nodes { name archived } } } }
}"""
ARCHIVE = "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { __typename } }"


@pytest.mark.parametrize(
    ("archived", "expected"),
    [(None, ["Live", "Shelved", "Also live"]), (False, ["Live", "Also live"]), (True, ["Shelved"])],
)
async def test_a_company_lists_its_projects_by_archived_state(
    graphql: GraphQL, archived: bool | None, expected: list[str]
) -> None:
    ada = await sign_up(graphql, name="Ada Projects")
    company = ada.personal_company_id
    await create_project(graphql, ada, company_id=company, name="Live")
    shelved = await create_project(graphql, ada, company_id=company, name="Shelved")
    await create_project(graphql, ada, company_id=company, name="Also live")
    await graphql(ARCHIVE, {"input": {"id": shelved, "archived": True}}, caller=ada)

    data = await graphql(PROJECTS, {"id": company, "archived": archived}, caller=ada)

    assert [project["name"] for project in data["node"]["projects"]["nodes"]] == expected
