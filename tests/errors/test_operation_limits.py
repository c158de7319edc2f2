"""Documents too deep, too long or too aliased are refused before anything runs."""

from __future__ import annotations

from httpx import Response

from tests.factories import sign_up
from tests.graphql import GraphQL

# Each round trip (projects -> nodes -> company) adds three levels; viewer's own fields are counted too.
ROUND_TRIP = ["projects", "nodes", "company"]


def chain(fields: list[str]) -> str:
    """A selection that nests `fields`, the last one a leaf: its depth is len(fields) - 1."""
    document = fields[-1]
    for field in reversed(fields[:-1]):
        document = f"{field} {{ {document} }}"
    return document


def only_code(response: Response) -> str:
    assert response.status_code < 500, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    return str(error["extensions"]["code"])


async def test_a_query_twelve_levels_deep_runs(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Twelve")
    fields = ["viewer", "companies", "nodes", *ROUND_TRIP * 3, "name"]
    assert len(fields) - 1 == 12

    data = await graphql("{ " + chain(fields) + " }", caller=ada)

    assert data["viewer"]["companies"]["nodes"][0]["projects"] == {"nodes": []}


async def test_a_query_thirteen_levels_deep_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Thirteen")
    fields = ["companies", "nodes", *ROUND_TRIP * 3, "projects", "nodes", "name"]
    assert len(fields) - 1 == 13

    response = await graphql.post("{ " + chain(fields) + " }", caller=ada)

    assert only_code(response) == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth of 12" in response.json()["errors"][0]["message"]


async def test_a_mutation_too_deep_to_run_makes_nothing(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Deep Mutation")
    selection = chain(["company", *ROUND_TRIP * 4, "name"])

    document = f"""mutation($c: ID!) {{
      createTask(input: {{companyId: $c, title: "Deep"}}) {{ ... on Task {{ {selection} }} }}
    }}"""

    response = await graphql.post(document, {"c": ada.personal_company_id}, caller=ada)

    assert only_code(response) == "GRAPHQL_VALIDATION_FAILED"
    assert (await graphql("{ tasks { nodes { id } } }", caller=ada))["tasks"]["nodes"] == []


async def test_a_document_of_too_many_tokens_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Tokens")

    response = await graphql.post("{ " + " ".join(["__typename"] * 2500) + " }", caller=ada)

    assert only_code(response) == "GRAPHQL_PARSE_FAILED"
    assert "more than 2000 tokens" in response.json()["errors"][0]["message"]


async def test_a_document_with_too_many_aliases_is_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Aliases")
    aliases = " ".join(f"copy{number}: viewer {{ user {{ id }} }}" for number in range(31))

    response = await graphql.post("{ " + aliases + " }", caller=ada)

    assert only_code(response) == "TOO_MANY_ALIASES"
