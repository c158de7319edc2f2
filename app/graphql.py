"""The GraphQL endpoint: GraphiQL and POST at /graphql, one transaction per operation; subscriptions over a
WebSocket at the same path (`graphql-transport-ws`)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import timedelta
from typing import Any, ClassVar

import orjson
import strawberry
import structlog
from cross_web import HTTPException
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import Headers
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.exceptions import NotFoundException, ValidationException
from litestar.status_codes import HTTP_200_OK
from litestar.types import Dependencies, Scope
from strawberry.http import GraphQLRequestData
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from app.bad_requests import bad_request, require_operation_object
from app.callers import identify, log_fields
from app.client_address import Network, client_address
from app.graphiql import graphiql_page
from app.request_id import request_id_of
from app.tracing import tracing_active
from app.websocket import with_websocket_auth
from base.metrics import COMPILED_READS
from base.tracing import tracer
from domain.audit.origin import Origin
from resolvers.compiled.mutations import CompiledMutations
from resolvers.compiled.reads import CompiledReads
from resolvers.context import Context, Services, new_context
from resolvers.metrics import record
from resolvers.rate_limits import admit_request, refused
from resolvers.tracing import describe

# Where a request keeps its sub-response (the status, headers and cookies its operation sets), in its scope state.
_SUB_RESPONSE = "graphql_sub_response"
# The two series, looked up once rather than through `labels()` on every read.
_READS_ANSWERED = COMPILED_READS.labels("answered")
_READS_DECLINED = COMPILED_READS.labels("declined")


def graphql_controller(
    schema: strawberry.Schema,
    services: Services,
    compiled: CompiledReads | None = None,
    mutations: CompiledMutations | None = None,
    *,
    graphiql: bool = True,
    trusted_proxies: tuple[Network, ...] = (),
) -> type:
    # `scope` rather than `request`: the same getter serves HTTP and websocket connections.
    async def context_getter(scope: Scope) -> AsyncIterator[Context]:
        context = new_context(services, request_id_of(scope))
        context.client_address = client_address(scope, trusted_proxies)
        headers = Headers.from_scope(scope)
        context.transaction.origin = Origin.of(context.client_address, headers.get("user-agent"), context.request_id)
        context.user_agent = headers.get("user-agent")
        try:
            # A websocket identifies its caller from its `connection_init` payload (app/websocket.py).
            if scope["type"] == ScopeType.HTTP:
                await identify(headers, context)
                # For the operation's own lines, and for the request line the middleware writes (app/request_id).
                fields = log_fields(context.caller)
                structlog.contextvars.bind_contextvars(**fields)
                scope.setdefault("state", {})["log_fields"] = fields
            yield context
        finally:
            # The operation commits through TransactionBoundary; anything left open here failed.
            await context.transaction.finish(commit=False)

    return with_websocket_auth(
        _with_compiled_reads(
            make_graphql_controller(
                schema,
                path="/graphql",
                # Without it, GET /graphql is 404 (queries are never taken over GET).
                graphql_ide="graphiql" if graphiql else None,
                context_getter=context_getter,
                allow_queries_via_get=False,
                # The legacy `graphql-ws` protocol stays off.
                subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                connection_init_wait_timeout=timedelta(seconds=10),
            ),
            compiled,
            mutations,
            asynccontextmanager(context_getter),
        )
    )


def _sub_response() -> Response[Any]:
    # As Strawberry's own getter: headers, cookies and status a resolver may set on the response.
    return Response({}, background=BackgroundTasks([]))


def _with_compiled_reads(
    controller: type[GraphQLController],
    compiled: CompiledReads | None,
    mutations: CompiledMutations | None,
    context_of: Callable[[Scope], AbstractAsyncContextManager[Context]],
) -> type[GraphQLController]:
    class RhythmController(controller):  # type: ignore[valid-type,misc]
        # Strawberry builds each request's sub-response in a worker thread (`sync_to_thread=True`): a thread hop
        # per request for a constructor. Built inline instead.
        dependencies: ClassVar[Dependencies] = {
            **controller.dependencies,
            "response": Provide(_sub_response, sync_to_thread=False),
        }

        # Strawberry's handlers, with the operation's context built by the handler rather than injected:
        # Litestar's injection of Strawberry's context (a generator dependency, then the context over it: a
        # cleanup group and an exit stack per request) was 4% of a rename's CPU in the API process. The
        # context closes (its transaction ended if still open) when the handler returns, as the injected one
        # closed after the handler, before the response was sent. No root value: Rhythm has none.
        @post(status_code=HTTP_200_OK)
        async def handle_http_post(self, request: Request[Any, Any, Any]) -> Response[Any]:
            return await self._handle(request)

        @get(raises=[ValidationException, NotFoundException])
        async def handle_http_get(self, request: Request[Any, Any, Any]) -> Response[Any]:
            return await self._handle(request)

        async def _handle(self, request: Request[Any, Any, Any]) -> Response[Any]:
            async with context_of(request.scope) as context:
                context.request = request
                context.response = request.scope.setdefault("state", {})[_SUB_RESPONSE] = _sub_response()
                return await self.execute_request(request=request, context=context, root_value=None)

        async def get_sub_response(self, request: Request[Any, Any, Any]) -> Response[Any]:
            # The request's own: Strawberry keeps it on the controller (`temporal_response`), which every request
            # the controller serves shares, so a request whose body was still being read could take another's.
            return request.scope["state"][_SUB_RESPONSE]  # type: ignore[no-any-return]

        async def execute_operation(
            self,
            request: Request[Any, Any, Any],
            request_adapter: Any,  # cross_web.AsyncHTTPRequestAdapter
            request_data: GraphQLRequestData | list[GraphQLRequestData],
            context: Context,
            root_value: Any,
            sub_response: Response[bytes],
        ) -> Any:
            # One operation posted as plain JSON; batches, streams and GET take the full executor.
            plain = (
                isinstance(request_data, GraphQLRequestData)
                and request_data.protocol == "http"
                and request_adapter.method == "POST"
            )
            prepared = (
                mutations.covers(request_data.query, request_data.operation_name)
                if plain and mutations is not None and isinstance(request_data, GraphQLRequestData)
                else None
            )
            if prepared is not None and isinstance(request_data, GraphQLRequestData) and mutations is not None:
                # Counted here, before a compiled mutation can answer; the executor's count then skips it.
                started = time.perf_counter()
                refusal = await admit_request(context)
                if refusal is not None:
                    return refused(context, refusal)
                # No span where tracing is off, as for compiled reads below.
                with tracer().start_as_current_span("graphql") if tracing_active() else nullcontext() as span:
                    result = await mutations.execute(context, prepared, request_data.variables)
                    if result is not None:
                        name = mutations.operation_name(prepared, request_data.operation_name)
                        record(name, "mutation", result.errors, time.perf_counter() - started)
                        if span is not None:
                            describe(span, name, "mutation", list(result.errors or ()))
                        return result
            elif compiled is not None and plain and isinstance(request_data, GraphQLRequestData):
                # Counted here, before a compiled read can answer; the executor's count then skips it.
                started = time.perf_counter()
                refusal = await admit_request(context)
                if refusal is not None:
                    return refused(context, refusal)
                # No span at all where tracing is off: even OpenTelemetry's no-op one costs a context switch.
                with tracer().start_as_current_span("query") if tracing_active() else nullcontext() as span:
                    result = await compiled.execute(
                        context, request_data.query, request_data.variables, request_data.operation_name
                    )
                    (_READS_DECLINED if result is None else _READS_ANSWERED).inc()
                    if result is not None:
                        name = compiled.operation_name(request_data.query, request_data.operation_name)
                        record(name, "query", result.errors, time.perf_counter() - started)
                        if span is not None:
                            describe(span, name, "query", list(result.errors or ()))
                        return result
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            try:
                if request.method == "POST":
                    return await self._answer_post(request, context)
                return await self.run(request, context=context, root_value=root_value)  # type: ignore[no-any-return]
            except HTTPException as error:
                return bad_request(request, error)

        async def _answer_post(self, request: Request[Any, Any, Any], context: Context) -> Response[Any]:
            """A POST, as Strawberry's `run` answers it, without the steps that cannot apply to one: a POST is
            never a websocket nor the IDE, and Rhythm has no root value. `run` also asks whether the result is a
            subscription's stream, an `isinstance` of a runtime-checkable protocol that cost 2% of a compiled
            write's CPU; one operation over plain HTTP is executed, never streamed (Rhythm serves no incremental
            delivery), so its result is one ExecutionResult. Batches and streaming transports take `run`."""
            adapter = self.request_adapter_class(request)
            try:
                request_data = await self.parse_http_body(adapter)
            except json.JSONDecodeError as error:
                raise HTTPException(400, "Unable to parse request body as JSON") from error
            except KeyError as error:
                raise HTTPException(400, "File(s) missing in form data") from error
            if not isinstance(request_data, GraphQLRequestData) or request_data.protocol != "http":
                return await self.run(request, context=context, root_value=None)  # type: ignore[no-any-return]
            sub_response = await self.get_sub_response(request)
            result = await self.execute_operation(request, adapter, request_data, context, None, sub_response)
            if not isinstance(result, ExecutionResult):
                raise TypeError(f"one operation over HTTP gave {type(result).__name__}, not an ExecutionResult")
            response_data = await self.process_result(request=request, result=result)
            if result.errors:
                self._handle_errors(result.errors, response_data)
            return self.create_response(response_data=response_data, sub_response=sub_response)  # type: ignore[no-any-return]

        async def parse_http_body(self, request_adapter: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
            # The common case, one operation posted as `application/json`, read from the content type Litestar
            # already parsed: Strawberry joins it up again and parses it with the email package, a twentieth of
            # a small read's CPU. Anything else (a batch, another type, a malformed body) takes Strawberry's way.
            request = request_adapter.request
            media_type, _ = request.content_type
            if request.method == "POST" and media_type == "application/json":
                transport = self._get_stream_transport_from_headers(request.headers)
                data = self.parse_json(await request.body())
                if isinstance(data, dict):
                    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
                    if (
                        isinstance(query, str | None)
                        and isinstance(variables, dict | None)
                        and isinstance(extensions, dict | None)
                    ):
                        return GraphQLRequestData(
                            query=query,
                            variables=variables,
                            operation_name=data.get("operationName"),
                            extensions=extensions,
                            protocol=transport.protocol if transport else "http",
                        )
            return await super().parse_http_body(request_adapter)  # type: ignore[no-any-return]

        def parse_json(self, data: str | bytes) -> Any:
            return require_operation_object(super().parse_json(data))

        def decode_json(self, data: str | bytes) -> object:
            # orjson reads a rename's body in 0.4 us where json.loads takes 2.8 (timeit). What it refuses and json.loads
            # takes (NaN, an integer beyond 64 bits, an escaped lone surrogate) is read by json.loads, so the
            # same bodies are accepted as before; its JSONDecodeError is json's.
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:
                return json.loads(data)

        async def render_graphql_ide(self, request: Request[Any, Any, Any]) -> Response[str]:
            # Strawberry's page loads GraphiQL from a CDN; Rhythm's serves it from app/graphiql.
            return graphiql_page()

        def encode_json(self, data: object) -> str:
            # orjson writes a dashboard response about ten times faster than json.dumps; text, because websocket
            # messages are text frames. What orjson refuses (an integer beyond 64 bits) takes the slow path.
            try:
                return orjson.dumps(data).decode()
            except TypeError:
                return json.dumps(data, separators=(",", ":"))

    return RhythmController
