"""Requests that are not valid GraphQL get a coded error, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import sign_up
from tests.graphql import GraphQL

CREATE_TASK = "mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename } }"


def codes(response: Response) -> list[str]:
    # Strawberry answers a document it cannot parse or validate with 200 and errors; a 4xx would do too.
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
    return [error["extensions"]["code"] for error in response.json()["errors"]]


async def test_a_syntax_error_is_graphql_parse_failed(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Syntax")

    response = await graphql.post("query { viewer { user { id } ", caller=ada)

    assert codes(response) == ["GRAPHQL_PARSE_FAILED"]
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


async def test_an_unknown_field_is_graphql_validation_failed(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Unknown")

    response = await graphql.post("{ viewer { user { id passwordHash } } }", caller=ada)

    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert response.json()["data"] is None


async def test_an_unknown_argument_is_graphql_validation_failed(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Argument")

    response = await graphql.post("{ tasks(limit: 5) { nodes { id } } }", caller=ada)

    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_a_variable_of_the_wrong_type_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Variable")

    response = await graphql.post(
        "query($first: Int) { tasks(first: $first) { nodes { id } } }", {"first": "ten"}, caller=ada
    )

    assert codes(response) == ["BAD_USER_INPUT"]


async def test_an_input_missing_a_required_field_is_bad_user_input(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Missing")

    response = await graphql.post(CREATE_TASK, {"input": {"title": "No company"}}, caller=ada)

    assert codes(response) == ["BAD_USER_INPUT"]
    assert "companyId" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "bad_input",
    [
        {"title": 5},
        {"priority": "EXTREME"},
        {"effort": 2.5},
        {"dueAt": "tomorrow"},
        {"estimatedMinutes": 2**40},
    ],
    ids=["number for a string", "unknown enum value", "float for an int", "no date", "huge int"],
)
async def test_an_input_value_of_the_wrong_type_is_bad_user_input(
    graphql: GraphQL, bad_input: dict[str, object]
) -> None:
    ada = await sign_up(graphql, name="Ada Types")

    response = await graphql.post(
        CREATE_TASK, {"input": {"companyId": ada.personal_company_id, "title": "Typed", **bad_input}}, caller=ada
    )

    assert set(codes(response)) == {"BAD_USER_INPUT"}
    assert (await graphql("{ tasks { nodes { id } } }", caller=ada))["tasks"]["nodes"] == []


async def test_a_literal_of_the_wrong_type_is_graphql_validation_failed(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Literal")

    response = await graphql.post("{ tasks(first: 99999999999) { nodes { id } } }", caller=ada)

    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]


def _post(content: bytes, content_type: str = "application/json") -> dict[str, Any]:
    return {"content": content, "headers": {"Content-Type": content_type}}


MALFORMED = {
    "invalid JSON": (_post(b"{query: nope"), 400, "BAD_REQUEST", "Unable to parse request body as JSON"),
    "empty body": (_post(b""), 400, "BAD_REQUEST", "Unable to parse request body as JSON"),
    "no query": (_post(b'{"variables": {}}'), 400, "BAD_REQUEST", "No GraphQL query found in the request"),
    "query not a string": (_post(b'{"query": 5}'), 400, "BAD_REQUEST", "`query` must be a string"),
    "variables not an object": (
        _post(b'{"query": "{ viewer { user { id } } }", "variables": [1, 2]}'),
        400,
        "BAD_REQUEST",
        "`variables` must be an object",
    ),
    "a JSON string for a body": (_post(b'"{ viewer { user { id } } }"'), 400, "BAD_REQUEST", "a JSON object"),
    "wrong content type": (
        _post(b"{ viewer { user { id } } }", "text/plain"),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "Unsupported content type",
    ),
}


@pytest.mark.parametrize(("request_args", "status", "code", "message"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_request_gets_a_graphql_error_with_a_code_and_the_request_id(
    client: AsyncTestClient[Litestar], request_args: dict[str, Any], status: int, code: str, message: str
) -> None:
    response = await client.post("/graphql", **request_args)

    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert message in error["message"]
    assert error["extensions"] == {"code": code, "requestId": response.headers["x-request-id"]}


async def test_a_client_that_accepts_graphql_response_json_gets_it(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/graphql",
        content=b"{query: nope",
        headers={"Content-Type": "application/json", "Accept": "application/graphql-response+json, application/json"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_operation_name_that_names_no_operation_is_a_400(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post("/graphql", json={"query": "query A { viewer { user { id } } }", "operationName": "B"})

    assert response.status_code == 400


async def test_a_query_over_get_is_refused(client: AsyncTestClient[Litestar]) -> None:
    # A GET can be triggered cross-site by a link or an image; only POST runs operations.
    response = await client.get("/graphql", params={"query": "{ viewer { user { id } } }"})

    assert 400 <= response.status_code < 500
