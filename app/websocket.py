"""GraphQL over WebSocket (`graphql-transport-ws` only): the caller authenticates in `connection_init`, and
every operation on the socket gets a context of its own.

Browsers cannot set headers on a WebSocket handshake, so the credentials travel in the `connection_init`
payload: `{"authorization": "Bearer <token>"}` or `{"apiKey": "rk_..."}` (and optionally `{"companyId": ...}`).
A client that can set handshake headers may send them there instead. No valid credentials: the socket is
closed with 4403 before any operation runs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping
from contextvars import ContextVar
from typing import Any

from litestar.datastructures import Headers
from litestar.exceptions import NotAuthorizedException, WebSocketDisconnect
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.litestar.controller import GraphQLController, LitestarWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.types.unset import UnsetType

from app.callers import identify
from resolvers.context import Context, new_context

# `connection_init` payload keys, as the request headers `identify` reads.
_PAYLOAD_HEADERS = {
    "authorization": "authorization",
    "apikey": "x-api-key",
    "x-api-key": "x-api-key",
    "companyid": "x-company-id",
    "x-company-id": "x-company-id",
}
_CREDENTIALS = frozenset({"authorization", "x-api-key"})

_operation_context: ContextVar[Context | None] = ContextVar("rhythm_socket_operation", default=None)


def _credentials(context: Context) -> Headers:
    params: dict[str, Any] = context.connection_params or {}
    given = {
        _PAYLOAD_HEADERS[key.lower()]: value
        for key, value in params.items()
        if key.lower() in _PAYLOAD_HEADERS and isinstance(value, str)
    }
    if given.keys() & _CREDENTIALS or context.websocket is None:
        return Headers(given)
    handshake = context.websocket.headers
    return Headers({name: value for name, value in handshake.items() if name in _PAYLOAD_HEADERS.values()})


async def authenticate_connection(context: Context) -> None:
    """Set the connection's caller from its credentials, or refuse the connection."""
    try:
        await identify(_credentials(context), context)
    except NotAuthorizedException as error:
        raise ConnectionRejectionError({"message": error.detail}) from None
    finally:
        # Checking an API key opened a transaction; a socket holds none while it waits.
        await context.transaction.finish(commit=False)
    if context.caller.is_anonymous:
        raise ConnectionRejectionError({"message": "Send an access token or an API key in connection_init."})


def _for_operation(connection: Context, socket: ClosesOnce, operation: Operation[Context, None]) -> Context:
    context = new_context(connection.services, connection.request_id, connection.caller)
    context.websocket = connection.websocket
    context.connection_params = connection.connection_params
    context.live_sink = OperationSink(socket, operation)
    return context


class OperationSink:
    """Where the live fan-out sends an event it rendered once for many: straight onto this operation's socket, as
    the `next` message Strawberry would have sent had it rendered the event for this subscriber alone."""

    def __init__(self, socket: ClosesOnce, operation: Operation[Context, None]) -> None:
        self._socket = socket
        self._operation = operation
        # The id as a JSON string, once: each event then costs one concatenation per subscriber.
        self._head = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'

    @property
    def query(self) -> str:
        return self._operation.query

    @property
    def variables(self) -> dict[str, Any] | None:
        return self._operation.variables

    @property
    def operation_name(self) -> str | None:
        return self._operation.operation_name

    async def send(self, payload: str) -> None:
        if not self._operation.completed:
            await self._socket.send_text(self._head + payload + "}")


class ClosesOnce(AsyncWebSocketAdapter):
    """The socket as Strawberry's handler sees it, finished at its first close.

    Litestar keeps reading a socket the server closed, so the messages a client sent behind a refused
    `connection_init` (subscribes, at once) were still handled, and closed it again: the server then failed with
    "Unexpected ASGI message 'websocket.close', after sending 'websocket.close'". Once closed, nothing more is read,
    sent or closed."""

    def __init__(self, socket: AsyncWebSocketAdapter) -> None:
        super().__init__(socket.view)
        self._socket = socket
        self.closed = False

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        async for message in self._socket.iter_json(ignore_parsing_errors=ignore_parsing_errors):
            if self.closed:
                return
            yield message

    async def send_json(self, message: Mapping[str, object]) -> None:
        if not self.closed:
            await self._socket.send_json(message)

    async def send_text(self, text: str) -> None:
        """A message encoded already (an event rendered once for many subscribers)."""
        if self.closed:
            return
        socket = self._socket
        if not isinstance(socket, LitestarWebSocketAdapter):
            raise TypeError("send_text needs Litestar's WebSocket")
        try:
            await socket.ws.send_data(data=text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error

    async def close(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            await self._socket.close(code, reason)


class OperationContexts(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry shares one context among a socket's operations; sharing the transaction would let one
    operation commit or close another's. Each operation runs in a task of its own, which sees its own context
    (the connection's caller, a transaction and loaders of its own) through `self.context`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.websocket: ClosesOnce = ClosesOnce(self.websocket)

    @property
    def context(self) -> Context:
        return _operation_context.get() or self._connection

    @context.setter
    def context(self, value: Context) -> None:
        self._connection = value

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        context = _for_operation(self._connection, self.websocket, operation)
        _operation_context.set(context)
        try:
            await super().run_operation(operation)
        finally:
            # A no-op after a normal end; a cancelled operation's transaction rolls back here.
            await context.transaction.finish(commit=False)


def with_websocket_auth(controller: type[GraphQLController]) -> type[GraphQLController]:
    class WebSocketController(controller):  # type: ignore[valid-type,misc]
        graphql_transport_ws_handler_class = OperationContexts

        async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
            await authenticate_connection(context)
            return UnsetType()  # acknowledge with no payload

    return WebSocketController
