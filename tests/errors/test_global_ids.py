"""Global ids from the client: one that names nothing the caller may see is null in `node` and NotFound in a
mutation; one that is not a global id at all is refused without touching anything."""

from __future__ import annotations

import base64
import uuid

import pytest

from tests.factories import create_task, sign_up
from tests.graphql import GraphQL

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Error { message } }
}"""


def global_id(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


MALFORMED = {
    "not base64": "garbage",
    "base64 without a type": global_id("no-colon-here"),
    "an unknown type": global_id(f"Spaceship:{uuid.uuid4()}"),
    "a type that is no node": global_id(f"Viewer:{uuid.uuid4()}"),
    "a known type with no uuid": global_id("Task:not-a-uuid"),
    "empty": "",
}


@pytest.mark.parametrize("malformed", MALFORMED.keys())
async def test_node_with_a_malformed_id_is_null(graphql: GraphQL, malformed: str) -> None:
    ada = await sign_up(graphql, name="Ada Node")

    data = await graphql(NODE, {"id": MALFORMED[malformed]}, caller=ada)

    assert data == {"node": None}


async def test_node_with_an_id_that_names_nothing_is_null(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Nothing")

    data = await graphql(NODE, {"id": global_id(f"Task:{uuid.uuid4()}")}, caller=ada)

    assert data == {"node": None}


async def test_node_with_an_id_of_another_persons_task_is_null(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Private")
    eve = await sign_up(graphql, name="Eve Curious")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Private")

    data = await graphql(NODE, {"id": task["id"]}, caller=eve)

    assert data == {"node": None}


async def test_an_id_of_the_wrong_type_in_a_mutation_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Wrong Type")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Not a company")

    data = await graphql(CREATE_TASK, {"input": {"companyId": task["id"], "title": "Misfiled"}}, caller=ada)

    assert data["createTask"] == {"__typename": "NotFound", "message": "No such Company."}
    tasks = await graphql("{ tasks { nodes { title } } }", caller=ada)
    assert tasks["tasks"]["nodes"] == [{"title": "Not a company"}]


async def test_a_user_id_where_a_task_belongs_is_not_found(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Completes")

    data = await graphql(
        "mutation($id: ID!) { completeTask(input: {id: $id}) { __typename ... on Error { message } } }",
        {"id": ada.user_id},
        caller=ada,
    )

    assert data["completeTask"] == {"__typename": "NotFound", "message": "No such Task."}


async def test_a_malformed_id_in_a_mutation_is_bad_user_input_and_writes_nothing(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Malformed")

    errors = await graphql.errors(CREATE_TASK, {"input": {"companyId": "garbage", "title": "Lost"}}, caller=ada)

    assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]
    assert (await graphql("{ tasks { nodes { title } } }", caller=ada))["tasks"]["nodes"] == []
