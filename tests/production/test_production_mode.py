"""RHYTHM_ENVIRONMENT=production: no introspection, suggestions or GraphiQL unless enabled, CORS for the
configured origins only, security headers, a bounded request body, and no start without a JWT secret."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from base.settings import Settings
from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.production.conftest import ORIGIN

INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_is_refused_in_production_and_answered_elsewhere(
    production: GraphQL, graphql: GraphQL
) -> None:
    refused = await production.errors(INTROSPECTION)
    answered = await graphql(INTROSPECTION)

    assert "introspection" in refused[0]["message"].lower()
    assert refused[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert answered["__schema"]["queryType"]["name"] == "Query"


async def test_a_misspelt_field_gets_no_suggestion_in_production(production: GraphQL, graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Suggestions")

    [hidden] = await production.errors("{ viewer { usr { id } } }", caller=ada)
    [shown] = await graphql.errors("{ viewer { usr { id } } }", caller=ada)

    assert hidden["message"] == "Cannot query field 'usr' on type 'Viewer'."
    assert "Did you mean 'user'?" in shown["message"]
    assert hidden["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_graphiql_is_not_served_in_production(
    production_client: AsyncTestClient[Litestar], client: AsyncTestClient[Litestar]
) -> None:
    page = {"Accept": "text/html"}

    assert (await production_client.get("/graphql", headers=page)).status_code in {404, 405}
    assert (await client.get("/graphql", headers=page)).status_code == 200


async def test_graphiql_can_be_enabled_in_production(production_settings: Settings) -> None:
    app = create_app(production_settings.model_copy(update={"graphiql": True, "graphql_introspection": True}))
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        schema = await client.post("/graphql", json={"query": INTROSPECTION})

    assert page.status_code == 200
    assert schema.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_cors_answers_the_configured_origin_only(production_client: AsyncTestClient[Litestar]) -> None:
    def preflight(origin: str) -> dict[str, str]:
        return {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }

    allowed = await production_client.options("/graphql", headers=preflight(ORIGIN))
    other = await production_client.options("/graphql", headers=preflight("https://evil.test"))
    posted = await production_client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": ORIGIN})

    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in other.headers
    assert posted.headers["access-control-allow-origin"] == ORIGIN


async def test_responses_carry_security_headers(production_client: AsyncTestClient[Litestar]) -> None:
    for response in (
        await production_client.post("/graphql", json={"query": "{ __typename }"}),
        await production_client.get("/health"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_body_at_the_limit_is_read_and_one_byte_more_is_refused(
    production_client: AsyncTestClient[Litestar],
) -> None:
    def body_of(size: int) -> bytes:
        head = b'{"query": "{ __typename }", "variables": {"pad": "'
        tail = b'"}}'
        return head + b"x" * (size - len(head) - len(tail)) + tail

    limit = 64 * 1024
    headers = {"Content-Type": "application/json"}
    at_limit = await production_client.post("/graphql", content=body_of(limit), headers=headers)
    over = await production_client.post("/graphql", content=body_of(limit + 1), headers=headers)

    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["data"] == {"__typename": "Query"}
    assert over.status_code == 413


def test_production_refuses_to_start_without_a_jwt_secret(production_settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="RHYTHM_JWT_SECRET must be set in production"):
        create_app(production_settings.model_copy(update={"jwt_secret": None}))
