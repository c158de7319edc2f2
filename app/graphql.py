"""The GraphQL endpoint: GraphiQL and POST at /graphql, one transaction per operation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import strawberry
from litestar.datastructures import Headers
from litestar.types import Scope
from strawberry.litestar import make_graphql_controller

from app.callers import identify
from app.request_id import request_id_of
from resolvers.context import Context, Services, new_context


def graphql_controller(schema: strawberry.Schema, services: Services) -> type:
    # `scope` rather than `request`: the same getter serves HTTP and websocket connections.
    async def context_getter(scope: Scope) -> AsyncIterator[Context]:
        context = new_context(services, request_id_of(scope))
        try:
            await identify(Headers.from_scope(scope), context)
            yield context
        finally:
            # The operation commits through TransactionBoundary; anything left open here failed.
            await context.transaction.finish(commit=False)

    return make_graphql_controller(
        schema,
        path="/graphql",
        graphql_ide="graphiql",
        context_getter=context_getter,
        allow_queries_via_get=False,
    )
