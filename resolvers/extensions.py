"""Per-operation extensions: the document cache, the transaction boundary and the error formatter. None of them
runs per field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Iterator, Mapping

import structlog
from graphql import DocumentNode, GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError
from strawberry.types import ExecutionResult, StreamExecutionResult

from domain.errors import DomainError, NotFound, ValidationFailed
from resolvers.budget import TIMED_OUT, cancelled_by_the_server
from resolvers.context import Context
from resolvers.outages import UNAVAILABLE, UNAVAILABLE_MESSAGE, answer_unavailable, is_outage
from resolvers.recent import Recent

log = structlog.get_logger("rhythm.graphql")

INTERNAL = "INTERNAL_SERVER_ERROR"
# Query texts longer than this are never kept by a cache (a dashboard query is about 500 characters).
MAX_KEPT_QUERY_CHARS = 16_384


class ValidDocuments(Recent[Hashable, DocumentNode]):
    """The parsed form of query texts that parsed and validated, most recently used first, for one schema.

    Clients send the same few documents again and again; parsing and validating one costs milliseconds. The key
    holds the parse options (the token limit) and the validation rules, so a cached document passed the very
    checks a fresh one would. Invalid documents are never kept: they take the normal path and its errors.
    """

    def __init__(self, max_size: int = 256) -> None:
        super().__init__(max_size)


def document_key(query: str, parse_options: Mapping[str, object], rules: tuple[type[object], ...]) -> Hashable:
    """What a valid document is kept under: its text and the very checks it passed."""
    return (query, tuple(sorted(parse_options.items())), rules)


class DocumentCache(SchemaExtension):
    """Skip parsing and validation for a query text that already passed both."""

    def __init__(self, documents: ValidDocuments) -> None:
        self._documents = documents
        self._key: Hashable = None
        self._hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        # A long text (a huge string literal is still one token) is parsed each time rather than kept.
        if query is not None and len(query) <= MAX_KEPT_QUERY_CHARS and context.graphql_document is None:
            self._key = document_key(query, context.parse_options, context.validation_rules)
            document = self._documents.get(self._key)
            if document is not None:
                context.graphql_document = document
                self._hit = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self._hit:
            # Validated when it was cached; an empty list tells Strawberry not to validate again.
            context.pre_execution_errors = []
        yield
        document = context.graphql_document
        if document is not None and context.pre_execution_errors == [] and not self._hit and self._key is not None:
            self._documents.put(self._key, document)


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
        except Exception as error:
            # Whether a commit the connection lost on the way landed is unknown: never reported as success.
            outage = is_outage(error)
            if outage:
                log.warning("commit_failed", request_id=context.request_id, error=repr(error))
                answer_unavailable(context.response)
            else:
                log.exception("commit_failed", request_id=context.request_id)
            if result is not None:
                code, message = (UNAVAILABLE, UNAVAILABLE_MESSAGE) if outage else (INTERNAL, "Internal server error.")
                result.data = None
                result.errors = [GraphQLError(message, extensions={"code": code, "requestId": context.request_id})]


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
    if is_outage(original):
        return UNAVAILABLE, True
    if cancelled_by_the_server(original):
        return TIMED_OUT, True
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
        if any((error.extensions or {}).get("code") == UNAVAILABLE for error in result.errors):
            # HTTP callers tell a retryable outage by its status too; a websocket has no response.
            answer_unavailable(getattr(context, "response", None))

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
        message = error.message if expose else "Internal server error."
        if code == UNAVAILABLE and error.original_error is not None:
            log.warning("dependency_unavailable", request_id=request_id, error=repr(error.original_error))
            message = UNAVAILABLE_MESSAGE
        elif code == TIMED_OUT and error.original_error is not None:
            log.warning("statement_timed_out", request_id=request_id, path=error.path)
            message = "A statement of the operation ran past the time budget and was cancelled; nothing was kept."
        return GraphQLError(
            message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
