"""A small document that would select millions of fields once its fragments are expanded is refused before
validation and before compiled reads look at it, with a code a client can act on."""

from __future__ import annotations

import pytest
from httpx import Response

from tests.errors.documents import (
    cyclic,
    fan_out,
    inline_fan_out,
    nested_fan_out,
    repeated,
    repeated_through_fragments,
    repeated_through_inline_fragments,
)
from tests.factories import sign_up
from tests.graphql import GraphQL

HOSTILE = {
    "the fan-out of the issue (24 fragments, each spreading the next twice)": fan_out(),
    "wider (8 spreads of the next fragment, 8 levels)": fan_out(levels=8, width=8),
    "deeper (40 levels)": fan_out(levels=40, leaf="viewer { user { id } }"),
    "inside fields": nested_fan_out(),
    "through inline fragments": inline_fan_out(),
}


def refusal(response: Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    return dict(error)


@pytest.mark.parametrize("document", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_fan_out_document_is_refused_as_too_complex(graphql: GraphQL, document: str) -> None:
    ada = await sign_up(graphql, name="Ada Fan Out")
    assert len(document) < 2_000

    error = refusal(await graphql.post(document, caller=ada))

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"  # type: ignore[index]
    assert "the limit is 2,000" in str(error["message"])


async def test_the_refusal_names_the_count(graphql: GraphQL) -> None:
    error = refusal(await graphql.post(fan_out()))

    # 2^24 copies of viewer { user { displayName } }: three fields each.
    assert "selects 50,331,648 fields" in str(error["message"])


async def test_the_resolvers_refuse_it_too(plain_graphql: GraphQL) -> None:
    ada = await sign_up(plain_graphql, name="Ada Plain Fan Out")

    error = refusal(await plain_graphql.post(fan_out(), caller=ada))

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"  # type: ignore[index]


async def test_a_mutation_too_complex_to_run_makes_nothing(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Complex Mutation")
    fragments = "\n".join(f"fragment T{level} on Task {{ id ...T{level + 1} ...T{level + 1} }}" for level in range(20))
    document = f"""mutation($c: ID!) {{
      createTask(input: {{companyId: $c, title: "Complex"}}) {{ ... on Task {{ ...T0 }} }}
    }}
    {fragments}
    fragment T20 on Task {{ title }}"""

    error = refusal(await graphql.post(document, {"c": ada.personal_company_id}, caller=ada))

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"  # type: ignore[index]
    assert (await graphql("{ tasks { nodes { id } } }", caller=ada))["tasks"]["nodes"] == []


async def test_a_fragment_cycle_is_still_reported_by_validation(graphql: GraphQL) -> None:
    error = refusal(await graphql.post(cyclic()))

    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"  # type: ignore[index]
    assert "Cannot spread fragment" in str(error["message"])


async def test_a_document_at_the_limit_runs(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada At The Limit")
    # 2^9 copies of three fields: 1,536, within the limit.
    data = await graphql(fan_out(levels=9), caller=ada)

    assert data["viewer"]["user"]["displayName"] == "Ada At The Limit"


REPEATED = {
    "written out": (repeated(), 280),
    "through fragments": (repeated_through_fragments(), 120),
    "through inline fragments": (repeated_through_inline_fragments(), 150),
}


@pytest.mark.parametrize(("document", "times"), REPEATED.values(), ids=REPEATED.keys())
async def test_one_field_repeated_in_one_place_is_refused(graphql: GraphQL, document: str, times: int) -> None:
    # Within the token limit, and merging each pair of copies took validation over a second.
    error = refusal(await graphql.post(document))

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"  # type: ignore[index]
    assert f"selects `viewer` {times} times in one selection set; the limit is 30" in str(error["message"])


async def test_thirty_repeats_run(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Thirty")

    data = await graphql(repeated(30), caller=ada)

    assert data["viewer"]["user"]["id"]
