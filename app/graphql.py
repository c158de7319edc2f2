"""The GraphQL endpoint: GraphiQL and POST at /graphql, one transaction per operation; subscriptions over a
WebSocket at the same path (`graphql-transport-ws`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import orjson
import strawberry
from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.types import Scope
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app.callers import identify
from app.request_id import request_id_of
from app.websocket import with_websocket_auth
from resolvers.context import Context, Services, new_context


def graphql_controller(schema: strawberry.Schema, services: Services) -> type:
    # `scope` rather than `request`: the same getter serves HTTP and websocket connections.
    async def context_getter(scope: Scope) -> AsyncIterator[Context]:
        context = new_context(services, request_id_of(scope))
        try:
            # A websocket identifies its caller from its `connection_init` payload (app/websocket.py).
            if scope["type"] == ScopeType.HTTP:
                await identify(Headers.from_scope(scope), context)
            yield context
        finally:
            # The operation commits through TransactionBoundary; anything left open here failed.
            await context.transaction.finish(commit=False)

    return with_websocket_auth(
        _with_fast_json(
            make_graphql_controller(
                schema,
                path="/graphql",
                graphql_ide="graphiql",
                context_getter=context_getter,
                allow_queries_via_get=False,
                # The legacy `graphql-ws` protocol stays off.
                subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                connection_init_wait_timeout=timedelta(seconds=10),
            )
        )
    )


def _with_fast_json(controller: type[GraphQLController]) -> type[GraphQLController]:
    class FastJsonController(controller):  # type: ignore[valid-type,misc]
        def encode_json(self, data: object) -> str:
            # orjson writes a dashboard response about ten times faster than json.dumps; text, because websocket
            # messages are text frames. What orjson refuses (an integer beyond 64 bits) takes the slow path.
            try:
                return orjson.dumps(data).decode()
            except TypeError:
                return json.dumps(data, separators=(",", ":"))

    return FastJsonController
