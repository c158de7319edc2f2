from __future__ import annotations

from tests.factories import create_company, create_project, create_task, sign_up
from tests.graphql import GraphQL


async def test_a_person_signs_up_and_sees_their_task_in_a_new_company(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Smoke")
    company = await create_company(graphql, ada, name="Smoke Ltd")
    project = await create_project(graphql, ada, company_id=company)
    task = await create_task(graphql, ada, company_id=company, title="Light the fuse", projectId=project)

    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Task { title project { id } company { name } } } }",
        {"id": task["id"]},
        caller=ada,
    )

    assert data["node"] == {"title": "Light the fuse", "project": {"id": project}, "company": {"name": "Smoke Ltd"}}
