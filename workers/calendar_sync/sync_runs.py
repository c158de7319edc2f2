"""One sync of one connection, whatever asked for it (push, the outbox, the periodic fallback, the person): at
most one at a time per connection (a Postgres advisory lock, released with the session that holds it, so a
worker that dies frees it), the connection's state kept up to date, failures counted for the backoff."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.calendar_sync import CalendarConnection, CalendarProvider, ConnectionState
from db.tenant import tenant_session
from domain.calendar_sync.backoff import delay_seconds
from domain.calendar_sync.connections import announce, person
from domain.calendar_sync.errors import ProviderError, ReauthorizationRequired, Throttled
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.secrets import TokenKeyError
from workers.calendar_sync.connection_upkeep import ConnectionTokens, set_state
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.google_sync import sync_google
from workers.calendar_sync.graph_sync import sync_microsoft

log = structlog.get_logger("rhythm.calendar_sync")
#: Failures in a row after which a connection shows ERROR (it is still retried).
FAILURES_BEFORE_ERROR = 3


class Outcome(enum.StrEnum):
    SYNCED = "synced"
    BUSY = "busy"
    SKIPPED = "skipped"
    NEEDS_REAUTHORIZATION = "needs_reauthorization"


def _lock_key(connection_id: uuid.UUID) -> int:
    return int.from_bytes(connection_id.bytes[:8], "big", signed=True)


@asynccontextmanager
async def exclusive(ctx: SyncContext, connection_id: uuid.UUID) -> AsyncIterator[bool]:
    """Whether this process holds the connection's sync lock for the block (no transaction stays open)."""
    engine: AsyncEngine = ctx.sessions.kw["bind"]
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        held = bool(await driver.fetchval("SELECT pg_try_advisory_lock($1)", _lock_key(connection_id)))
        try:
            yield held
        finally:
            if held:
                await driver.fetchval("SELECT pg_advisory_unlock($1)", _lock_key(connection_id))


def client_for(ctx: SyncContext, connection: CalendarConnection) -> GoogleCalendar:
    """The Google client of a connection (Rhythm writes blocks and watches calendars on Google only, so far)."""
    if connection.provider != CalendarProvider.GOOGLE.value:
        raise ProviderError("Writing to Microsoft Outlook calendars is not available yet.")
    return GoogleCalendar(ctx.http, ctx.google_api_url, ConnectionTokens(ctx, connection))


async def load(ctx: SyncContext, connection_id: uuid.UUID, user_id: uuid.UUID) -> CalendarConnection | None:
    async with tenant_session(ctx.sessions, person(user_id)) as session:
        return await session.get(CalendarConnection, connection_id)


async def sync_connection(ctx: SyncContext, connection_id: uuid.UUID, user_id: uuid.UUID) -> Outcome:
    async with exclusive(ctx, connection_id) as held:
        if not held:
            return Outcome.BUSY
        connection = await load(ctx, connection_id, user_id)
        if connection is None or connection.state == ConnectionState.NEEDS_REAUTHORIZATION.value:
            return Outcome.SKIPPED
        try:
            if connection.provider == CalendarProvider.MICROSOFT.value:
                graph = GraphCalendar(ctx.http, ctx.graph_api_url, ConnectionTokens(ctx, connection))
                await sync_microsoft(ctx, graph, connection)
            else:
                await sync_google(ctx, client_for(ctx, connection), connection)
        except ReauthorizationRequired as error:
            await set_state(ctx, connection_id, user_id, ConnectionState.NEEDS_REAUTHORIZATION, error.reason)
            return Outcome.NEEDS_REAUTHORIZATION
        except TokenKeyError as error:
            # Stored under a key no longer configured: only a new consent gives Rhythm tokens it can read.
            await set_state(ctx, connection_id, user_id, ConnectionState.NEEDS_REAUTHORIZATION, str(error))
            return Outcome.NEEDS_REAUTHORIZATION
        except ProviderError as error:
            await _failed(ctx, connection, error)
            raise
        await _synced(ctx, connection)
        return Outcome.SYNCED


async def _synced(ctx: SyncContext, connection: CalendarConnection) -> None:
    now = datetime.now(UTC)
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        row = await session.get(CalendarConnection, connection.id)
        if row is None:
            return
        first = row.last_synced_at is None
        was = row.state
        row.last_synced_at, row.next_sync_at, row.failures = now, now + ctx.period, 0
        row.state, row.state_reason, row.updated_at = ConnectionState.ACTIVE.value, None, now
        await session.flush()
        if first or was != row.state:
            await announce(session, row)


async def _failed(ctx: SyncContext, connection: CalendarConnection, error: ProviderError) -> None:
    now = datetime.now(UTC)
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        row = await session.get(CalendarConnection, connection.id)
        if row is None:
            return
        row.failures += 1
        retry_after = error.retry_after if isinstance(error, Throttled) else None
        row.next_sync_at = now + timedelta(seconds=delay_seconds(row.failures, retry_after, cap=3600))
        row.updated_at = now
        if row.failures >= FAILURES_BEFORE_ERROR and row.state != ConnectionState.ERROR.value:
            row.state, row.state_reason = ConnectionState.ERROR.value, error.reason[:500]
            await session.flush()
            await announce(session, row)
    log.warning("calendar_sync_failed", connection_id=str(connection.id), reason=error.reason)
