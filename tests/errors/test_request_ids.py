"""Every error names the request it belongs to, and the same id is in the `X-Request-Id` response header."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import sign_up
from tests.graphql import Caller, GraphQL


async def test_a_graphql_error_carries_the_request_id_of_the_response(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Request")

    response = await graphql.post("{ viewer { nope } }", caller=ada)

    request_id = response.headers["x-request-id"]
    assert request_id
    assert response.json()["errors"][0]["extensions"]["requestId"] == request_id


async def test_every_error_of_a_response_carries_the_same_request_id(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Many Errors")

    response = await graphql.post(
        "mutation($i: CreateTaskInput!) { createTask(input: $i) { __typename } }", {"i": {"title": 5}}, caller=ada
    )

    errors = response.json()["errors"]
    assert len(errors) == 2
    assert {error["extensions"]["requestId"] for error in errors} == {response.headers["x-request-id"]}


async def test_an_error_raised_by_a_resolver_carries_the_request_id(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Resolver Error")

    response = await graphql.post('{ tasks(after: "garbage") { nodes { id } } }', caller=ada)

    [error] = response.json()["errors"]
    assert error["path"] == ["tasks"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_a_401_carries_the_request_id(graphql: GraphQL) -> None:
    response = await graphql.post("{ viewer { user { id } } }", caller=Caller(token="garbage"))

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_each_request_gets_its_own_id(graphql: GraphQL) -> None:
    first = await graphql.post("{ nope }")
    second = await graphql.post("{ nope }")

    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_sane_request_id_from_the_caller_is_kept(graphql: GraphQL) -> None:
    response = await graphql.post("{ nope }", headers={"X-Request-Id": "frontend-42.retry_1"})

    assert response.headers["x-request-id"] == "frontend-42.retry_1"
    assert response.json()["errors"][0]["extensions"]["requestId"] == "frontend-42.retry_1"


async def test_an_unsafe_request_id_from_the_caller_is_replaced(graphql: GraphQL) -> None:
    response = await graphql.post("{ nope }", headers={"X-Request-Id": "evil id\twith spaces" + "x" * 80})

    request_id = response.headers["x-request-id"]
    assert request_id.isalnum()
    assert response.json()["errors"][0]["extensions"]["requestId"] == request_id


async def test_a_request_that_is_not_graphql_still_gets_a_request_id(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/graphql", content=b"{", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.headers["x-request-id"]
