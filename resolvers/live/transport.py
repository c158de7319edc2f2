"""Subscriptions run over a WebSocket only: posted over HTTP, one would run once, as a query, and end empty."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers.context import Context

MESSAGE = "Subscriptions run over a WebSocket at /graphql (graphql-transport-ws)."


class SubscriptionsOverWebSocket(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        over_http = isinstance(execution.context, Context) and execution.context.websocket is None
        if execution.operation_type is OperationType.SUBSCRIPTION and over_http:
            # A result set before execution stands in for it.
            execution.result = ExecutionResult(None, [GraphQLError(MESSAGE, extensions={"code": "BAD_REQUEST"})])
        yield
