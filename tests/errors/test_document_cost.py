"""Pages inside pages and aliases are bounded before anything runs: QUERY_TOO_COSTLY and TOO_MANY_ALIASES, on
compiled reads and on the full executor alike, each limit just under and just over."""

from __future__ import annotations

import pytest
from httpx import Response

from tests.factories import sign_up
from tests.graphql import GraphQL

# viewer 1 + companies (1 + a * (nodes 1 + projects (1 + b * (nodes 1 + id 1 + name 1 + tasks (1 + c * 2)))))
SIZED = """query Sized($a: Int, $b: Int, $c: Int) { viewer { companies(first: $a) { nodes {
  projects(first: $b) { nodes { id name tasks(first: $c) { nodes { id } } } } } } } }"""


def sized_cost(a: int, b: int, c: int) -> int:
    return 2 + a * (2 + b * (4 + 2 * c))


def defaulted(leaves: list[str]) -> str:
    """`tasks` without `first` counts the default page size, 20."""
    return (
        "{ viewer { companies(first: 100) { nodes { projects(first: 100) { nodes { id name tasks { nodes { "
        + " ".join(leaves)
        + " } } } } } } } }"
    )


def refusal(response: Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    [error] = body["errors"]
    return dict(error)


@pytest.fixture(params=["compiled", "resolvers"])
def api(request: pytest.FixtureRequest, graphql: GraphQL, plain_graphql: GraphQL) -> GraphQL:
    return graphql if request.param == "compiled" else plain_graphql


async def test_a_document_at_the_cost_limit_runs_and_one_more_page_is_refused(api: GraphQL) -> None:
    ada = await sign_up(api, name="Ada Cost")
    assert sized_cost(100, 100, 47) == 980_202 <= 1_000_000 < sized_cost(100, 100, 48) == 1_000_202

    data = await api(SIZED, {"a": 100, "b": 100, "c": 47}, caller=ada)
    error = refusal(await api.post(SIZED, {"a": 100, "b": 100, "c": 48}, caller=ada))

    assert len(data["viewer"]["companies"]["nodes"]) == 1
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"  # type: ignore[index]
    assert error["extensions"]["cost"] == 1_000_202  # type: ignore[index]
    assert "limit is 1,000,000" in str(error["message"])


async def test_the_same_document_is_checked_again_with_each_requests_variables(api: GraphQL) -> None:
    ada = await sign_up(api, name="Ada Cached Cost")
    for _ in range(2):  # the second time, the document is a cached one
        await api(SIZED, {"a": 1, "b": 1, "c": 1}, caller=ada)
        error = refusal(await api.post(SIZED, {"a": 100, "b": 100, "c": 100}, caller=ada))
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"  # type: ignore[index]


async def test_connections_without_first_count_the_default_page_size(api: GraphQL) -> None:
    ada = await sign_up(api, name="Ada Default Pages")
    # tasks 1 + 20 * (nodes 1 + k); projects 1 + 100 * (nodes 1 + id 1 + name 1 + tasks); companies
    # 1 + 100 * (nodes 1 + projects); viewer 1: 840,202 with three leaves, 1,040,202 with four.
    three = ["id", "title", "status"]

    data = await api(defaulted(three), caller=ada)
    error = refusal(await api.post(defaulted([*three, "priority"]), caller=ada))

    assert data["viewer"]["companies"]["nodes"]
    assert error["extensions"]["cost"] == 1_040_202  # type: ignore[index]


async def test_fragments_are_priced_where_they_are_spread(api: GraphQL) -> None:
    ada = await sign_up(api, name="Ada Fragment Cost")
    document = """query Sized($a: Int, $b: Int, $c: Int) { viewer { companies(first: $a) { ...C } } }
    fragment C on CompanyConnection { nodes { projects(first: $b) { ...P } } }
    fragment P on ProjectConnection { nodes { id name tasks(first: $c) { nodes { id } } } }"""

    await api(document, {"a": 100, "b": 100, "c": 47}, caller=ada)
    error = refusal(await api.post(document, {"a": 100, "b": 100, "c": 48}, caller=ada))

    assert error["extensions"]["cost"] == 1_000_202  # type: ignore[index]


def aliased(count: int) -> str:
    return "{ " + " ".join(f"copy{number}: viewer {{ user {{ id }} }}" for number in range(count)) + " }"


async def test_thirty_aliases_run_and_thirty_one_are_refused(api: GraphQL) -> None:
    ada = await sign_up(api, name="Ada Thirty Aliases")

    data = await api(aliased(30), caller=ada)
    error = refusal(await api.post(aliased(31), caller=ada))

    assert len(data) == 30
    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"  # type: ignore[index]
    assert error["message"] == "The document uses 31 aliases; the limit is 30. Send fewer in one request."


async def test_aliases_of_a_mutation_count_too(api: GraphQL) -> None:
    attempts = " ".join(
        f'a{n}: logIn(input: {{email: "nobody@rhythm.test", password: "guess{n}"}}) {{ __typename }}' for n in range(31)
    )

    error = refusal(await api.post("mutation { " + attempts + " }"))

    assert error["extensions"]["code"] == "TOO_MANY_ALIASES"  # type: ignore[index]


async def test_fragments_that_spread_each_other_endlessly_are_refused_quickly(api: GraphQL) -> None:
    # Each fragment spreads the next twice and the last spreads the first: no field at all, 2^40 spreads.
    names = [f"F{n}" for n in range(40)]
    fragments = " ".join(
        f"fragment {name} on Query {{ ...{following} ...{following} }}"
        for name, following in zip(names, [*names[1:], names[0]], strict=True)
    )

    response = await api.post("{ ...F0 } " + fragments)

    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] in {"QUERY_TOO_COSTLY", "GRAPHQL_VALIDATION_FAILED"}
