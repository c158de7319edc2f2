"""Disconnecting an account: push channels stopped, Rhythm's blocks taken off the provider, the refresh token
revoked, then the connection and its mirrored calendars deleted (the person's events are kept nowhere)."""

from __future__ import annotations

import contextlib
import uuid

import sqlalchemy as sa
import structlog
from sqlmodel import col

from db.models import Calendar
from db.models.calendar_sync import CalendarBlockLink, CalendarConnection, CalendarProvider, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import person
from domain.calendar_sync.errors import Gone, NotFound, ProviderError, ReauthorizationRequired
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.writers import BlockWriter, GoogleWriter, GraphWriter
from workers.calendar_sync import graph_subscriptions
from workers.calendar_sync.connection_upkeep import ConnectionTokens
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.google_channels import stop_all
from workers.calendar_sync.sync_runs import client_for, exclusive

log = structlog.get_logger("rhythm.calendar_sync")


async def _writer(ctx: SyncContext, connection: CalendarConnection, externals: list[ExternalCalendar]) -> BlockWriter:
    """The connection's block writer, once its push channels or subscriptions are stopped."""
    if connection.provider == CalendarProvider.MICROSOFT.value:
        graph = GraphCalendar(ctx.http, ctx.graph_api_url, ConnectionTokens(ctx, connection))
        for external in externals[:1]:
            await graph_subscriptions.stop_all(ctx, graph, external)
        return GraphWriter(graph)
    google = client_for(ctx, connection)
    await stop_all(ctx, google, externals)
    return GoogleWriter(google)


async def _clean_provider(ctx: SyncContext, connection: CalendarConnection, externals: list[ExternalCalendar]) -> None:
    writer = await _writer(ctx, connection, externals)
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        links = list((await session.execute(sa.select(CalendarBlockLink))).scalars())
    by_id = {external.id: external for external in externals}
    for link in links:
        external = by_id.get(link.external_calendar_id)
        if external is None:
            continue
        # No If-Match: the person is taking Rhythm's blocks away, whatever became of them.
        with contextlib.suppress(Gone, NotFound):
            await writer.delete(external.external_id, link.provider_event_id, etag=None)
    await revoke_grant(ctx, connection.provider, connection.refresh_token)


async def revoke_grant(ctx: SyncContext, provider: str, refresh_token: bytes | None) -> None:
    """Revoke the account's grant to Rhythm at the provider (its refresh token as stored, encrypted); also used for a
    connection that is gone already, its person's account erased."""
    if refresh_token is not None and (app := ctx.apps.get(CalendarProvider(provider))):
        await oauth.revoke(app, ctx.cipher.decrypt(refresh_token), seconds=ctx.timeout)


async def disconnect(ctx: SyncContext, connection_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """False when the connection is busy syncing (try again shortly) or gone already."""
    async with exclusive(ctx, connection_id) as held:
        if not held:
            return False
        async with tenant_session(ctx.sessions, person(user_id)) as session:
            connection = await session.get(CalendarConnection, connection_id)
            externals = list(
                (
                    await session.execute(
                        sa.select(ExternalCalendar).where(col(ExternalCalendar.connection_id) == connection_id)
                    )
                ).scalars()
            )
        if connection is None:
            return True
        try:
            await _clean_provider(ctx, connection, externals)
        except (ReauthorizationRequired, ProviderError) as error:
            # The account no longer lets Rhythm in: there is nothing Rhythm can take away there any more.
            log.warning("calendar_disconnect_provider_skipped", connection_id=str(connection_id), reason=error.reason)
        async with tenant_session(ctx.sessions, person(user_id)) as session:
            mirrors = [external.calendar_id for external in externals]
            await session.execute(sa.delete(CalendarConnection).where(col(CalendarConnection.id) == connection_id))
            if mirrors:
                await session.execute(sa.delete(Calendar).where(col(Calendar.id).in_(mirrors)))
        return True
