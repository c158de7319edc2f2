"""Per-operation extensions: the transaction boundary and the error formatter. None of them runs per field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import structlog
from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionResult, StreamExecutionResult

from domain.errors import DomainError, NotFound, ValidationFailed
from resolvers.context import Context

log = structlog.get_logger("rhythm.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"


class TransactionBoundary(SchemaExtension):
    """Commit the operation's transaction when it produced no error; otherwise roll it back.

    GraphQL answers 200 with errors too, so the decision reads the result, never the HTTP status.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if not isinstance(context, Context):
            return
        result = self.execution_context.result
        failed = result is None or bool(getattr(result, "errors", None))
        try:
            await context.transaction.finish(commit=not failed)
        except Exception:
            log.exception("commit_failed", request_id=context.request_id)
            if result is not None:
                result.data = None
                result.errors = [GraphQLError("Internal server error.", extensions={"code": INTERNAL})]


def _code_of(error: GraphQLError) -> tuple[str, bool]:
    """The error's code, and whether its message may reach the client."""
    original = error.original_error
    if isinstance(original, StrawberryInputCoercionError):
        # Raised while a resolver's arguments are converted (a malformed global id): a GraphQLError, but the
        # client's input is at fault, not the document.
        return "BAD_USER_INPUT", True
    if original is None or isinstance(original, GraphQLError):
        code = (error.extensions or {}).get("code")
        if code:
            return str(code), True
        if error.message.startswith("Syntax Error"):
            return "GRAPHQL_PARSE_FAILED", True
        if error.message.startswith("Variable"):
            return "BAD_USER_INPUT", True
        return "GRAPHQL_VALIDATION_FAILED", True
    if isinstance(original, NotFound):
        return "NOT_FOUND", True
    if isinstance(original, (DomainError, GlobalIDValueError)):
        return "BAD_USER_INPUT", True
    return INTERNAL, False


class ErrorFormatter(SchemaExtension):
    """Every error gets a code and the request id; unexpected ones are logged and masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not getattr(result, "errors", None):
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        result.errors = [self._format(error, request_id) for error in result.errors or []]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        # A subscription sends each event's result long before its operation ends.
        if isinstance(result, ExecutionResult) and result.errors:
            request_id = getattr(self.execution_context.context, "request_id", None)
            result.errors = [self._format(error, request_id) for error in result.errors]
        yield

    def _format(self, error: GraphQLError, request_id: str | None) -> GraphQLError:
        code, expose = _code_of(error)
        extensions = {**(error.extensions or {}), "code": code, "requestId": request_id}
        if isinstance(error.original_error, ValidationFailed):
            extensions["fields"] = error.original_error.fields
        if not expose:
            log.error("unexpected_error", request_id=request_id, path=error.path, exc_info=error.original_error)
        return GraphQLError(
            error.message if expose else "Internal server error.",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
