"""A subscription posted over HTTP gets a clear answer rather than running once as a query."""

from __future__ import annotations

from tests.factories import sign_up
from tests.graphql import GraphQL


async def test_a_subscription_over_http_is_refused_with_a_clear_error(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Http")

    [error] = await graphql.errors("subscription { taskEvents { type } }", caller=ada)

    assert error["message"] == "Subscriptions run over a WebSocket at /graphql (graphql-transport-ws)."
    assert error["extensions"]["code"] == "BAD_REQUEST"
