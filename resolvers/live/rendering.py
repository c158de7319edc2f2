"""An event rendered once for a group of subscribers: the subscription's document executed on the event, as one of
the group narrowed to the event's company, turned into the text every member sends."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any, cast

import structlog
from graphql import DocumentNode, ExecutionResult, GraphQLObjectType, execute

from base.metrics import LIVE_RENDERS
from db.tenant import Caller
from domain.live.messages import LiveMessage
from resolvers.context import Context, Info, Services, new_context
from resolvers.live.hub import FAILED, Frame, LiveSubscription, SharedDocument
from resolvers.live.sharing import company_wide

log = structlog.get_logger("rhythm.live")

#: A rendering that takes longer is abandoned; its subscribers re-read the event alone.
RENDER_SECONDS = 10.0

Resolve = Callable[[Context, LiveMessage], Awaitable[Any]]


def shared_document(info: Info, resolve: Resolve) -> SharedDocument | None:
    """The subscription's document when its selection is company-wide and it runs over a socket that can send
    a rendered event as is; None otherwise."""
    sink = info.context.live_sink
    raw = info._raw_info
    [field] = raw.field_nodes
    event_type = raw.return_type
    while not isinstance(event_type, GraphQLObjectType):
        event_type = event_type.of_type  # type: ignore[union-attr]
    if sink is None or not company_wide(raw.schema, event_type, field.selection_set, raw.fragments):
        return None
    document = DocumentNode(definitions=(raw.operation, *raw.fragments.values()))
    variables = sink.variables
    key = (sink.query, sink.operation_name, json.dumps(variables, sort_keys=True, default=str))
    return SharedDocument(raw.schema, document, variables, sink.operation_name, resolve, key)


def reader_in(caller: Caller, company_id: uuid.UUID) -> Caller:
    """The caller, reading within the event's company alone: a person narrowed as by a company header; an API key
    is limited to its company already."""
    if caller.acts_for_company:
        return caller
    return Caller(user_id=caller.user_id, company_id=company_id)


async def render(message: LiveMessage, subscription: LiveSubscription) -> Frame | object | None:
    shared = subscription.shared
    assert shared is not None
    services = cast("Services", subscription.services)
    context = new_context(services, f"live-{message.id}", reader_in(subscription.caller, message.company_id))
    try:
        async with asyncio.timeout(RENDER_SECONDS):
            event = await shared.resolve(context, message)
            if event is None:
                return None
            result = execute(
                shared.schema,
                shared.document,
                root_value=event,
                context_value=context,
                variable_values=shared.variables,
                operation_name=shared.operation_name,
            )
            if isawaitable(result):
                result = await result
    except Exception:
        log.warning("live_render_failed", event_id=str(message.id), exc_info=True)
        return FAILED
    finally:
        await context.transaction.finish(commit=False)
    assert isinstance(result, ExecutionResult)
    if result.errors:
        return FAILED
    LIVE_RENDERS.labels("shared").inc()
    return Frame(json.dumps({"data": result.data}, separators=(",", ":")))
