"""The routes providers call: the OAuth callback a person's browser is sent back to after consent, and Google's
push notifications, which only enqueue a sync and answer at once."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import structlog
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import QueryParameter
from sqlalchemy.exc import DBAPIError

from app.client_address import client_address, networks
from app.request_id import request_id_of
from db.tenant import tenant_session
from domain.audit.origin import Origin, with_origin
from domain.calendar_sync.connections import person
from domain.calendar_sync.consent import ConsentRefused, accept, store

log = structlog.get_logger("rhythm.calendar_sync")
_broker_ready = False


def _page(status: int, text: str) -> Response[str]:
    return Response(text, status_code=status, media_type="text/plain")


@get("/calendar-sync/oauth/callback", include_in_schema=False)
async def oauth_callback(
    request: Request[Any, Any, Any],
    state: State,
    code: Annotated[str | None, QueryParameter(name="code")] = None,
    error: Annotated[str | None, QueryParameter(name="error")] = None,
    oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
) -> Response[str]:
    if error is not None:
        return _page(400, "The calendar was not connected: the provider reported that consent was not given.")
    if code is None or oauth_state is None:
        return _page(400, "The calendar was not connected: the link lacks its code or state.")
    try:
        accepted = await accept(state.calendar_consent, code=code, state=oauth_state)
    except ConsentRefused as refused:
        return _page(400, f"The calendar was not connected. {refused}")
    try:
        async with tenant_session(state.calendar_sessions, person(accepted.pending.user_id)) as session:
            with_origin(session, _origin(request, state))
            connection = await store(session, state.calendar_consent, accepted)
    except DBAPIError:
        return _page(403, "The calendar was not connected: you no longer belong to that company.")
    log.info("calendar_connected", connection_id=str(connection.id), provider=connection.provider)
    return _page(200, f"Your calendar {connection.account_email} is connected. You can close this window.")


def _origin(request: Request[Any, Any, Any], state: State) -> Origin:
    """Where the person's browser came back from, for the audit entry of the connection."""
    address = client_address(request.scope, networks(state.calendar_settings.trusted_proxies))
    return Origin.of(address, request.headers.get("user-agent"), request_id_of(request.scope))


def _broker(state: State) -> None:
    global _broker_ready
    settings = state.calendar_settings
    if not settings.in_process_workers and not _broker_ready:
        # The API runs no actors: it only needs the broker to hand the notification to the workers.
        from workers.broker import load_actors, setup_broker

        setup_broker(settings.redis_url)
        load_actors()
        _broker_ready = True


def _enqueue(channel_id: str, token: str, state: State) -> None:
    _broker(state)
    from workers.calendar_sync.actors import notified

    notified.send(channel_id, token)


def _enqueue_graph(items: list[tuple[str, str, str]], state: State) -> None:
    _broker(state)
    from workers.calendar_sync.actors import graph_notified

    for subscription_id, client_state, lifecycle in items:
        graph_notified.send(subscription_id, client_state, lifecycle)


@post("/calendar-sync/push/google", include_in_schema=False, status_code=200)
async def google_push(request: Request[Any, Any, Any], state: State) -> Response[str]:
    channel = request.headers.get("x-goog-channel-id")
    token = request.headers.get("x-goog-channel-token")
    if not channel or not token:
        return _page(400, "Not a Google Calendar notification.")
    # The first message of a channel says only that it exists; the others say something changed.
    if request.headers.get("x-goog-resource-state") != "sync":
        await asyncio.to_thread(_enqueue, channel, token, state)
    return _page(200, "")


@post(["/calendar-sync/push/microsoft", "/calendar-sync/lifecycle/microsoft"], include_in_schema=False, status_code=202)
async def microsoft_push(
    request: Request[Any, Any, Any],
    state: State,
    validation_token: Annotated[str | None, QueryParameter(name="validationToken")] = None,
) -> Response[str]:
    if validation_token is not None:
        # Graph checks the URL before it makes a subscription: the token back, as plain text, within 10 s.
        return Response(validation_token, status_code=200, media_type="text/plain")
    try:
        body = await request.json()
        values = body.get("value", []) if isinstance(body, dict) else []
        items = [
            (str(item["subscriptionId"]), str(item.get("clientState") or ""), str(item.get("lifecycleEvent") or ""))
            for item in values[:100]
            if isinstance(item, dict) and item.get("subscriptionId")
        ]
    except (ValueError, TypeError, KeyError):
        return _page(400, "Not a Microsoft Graph notification.")
    if items:
        # Graph wants an answer within seconds: the checks (clientState) and the sync run in a job.
        await asyncio.to_thread(_enqueue_graph, items, state)
    return _page(202, "")
