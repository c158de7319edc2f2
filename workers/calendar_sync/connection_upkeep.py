"""A connection kept up by the sync jobs: its access token refreshed before expiry (or after a 401) and stored at
once, since Microsoft rotates refresh tokens, and its state set when it can no longer sync."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from sqlmodel import col

from db.models import NotificationType
from db.models.calendar_sync import CalendarConnection, CalendarProvider, ConnectionState
from db.tenant import tenant_session, worker_for
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import announce, person, tokens_of
from domain.calendar_sync.errors import ReauthorizationRequired
from domain.notifications.service import Draft, notify
from workers.calendar_sync.context import SyncContext

log = structlog.get_logger("rhythm.calendar_sync")


class ConnectionTokens:
    """The access token of one connection for a provider client: refreshed when about to expire or when the
    provider answered 401, and stored (encrypted) at once, before the new one is used."""

    def __init__(self, ctx: SyncContext, connection: CalendarConnection) -> None:
        self.ctx = ctx
        self.connection_id = connection.id
        self.user_id = connection.user_id
        self.app = ctx.apps.get(CalendarProvider(connection.provider))
        self.tokens = tokens_of(ctx, connection)
        self.refreshes = 0
        self._lock = asyncio.Lock()

    async def __call__(self, force: bool) -> str:
        async with self._lock:
            if force or self.tokens.needs_refresh(datetime.now(UTC)):
                await self._refresh()
            return self.tokens.access_token

    async def _refresh(self) -> None:
        if self.app is None:
            raise ReauthorizationRequired("The provider's OAuth app is no longer configured.")
        if self.tokens.refresh_token is None:
            raise ReauthorizationRequired("The provider gave Rhythm no offline access.")
        fresh = await oauth.refresh(self.app, self.tokens.refresh_token, seconds=self.ctx.timeout)
        async with tenant_session(self.ctx.sessions, person(self.user_id)) as session:
            await session.execute(
                sa.update(CalendarConnection)
                .where(col(CalendarConnection.id) == self.connection_id)
                .values(
                    access_token=self.ctx.cipher.encrypt(fresh.access_token),
                    refresh_token=None if fresh.refresh_token is None else self.ctx.cipher.encrypt(fresh.refresh_token),
                    token_expires_at=fresh.expires_at,
                    updated_at=datetime.now(UTC),
                )
            )
        self.tokens = fresh
        self.refreshes += 1


async def set_state(
    ctx: SyncContext, connection_id: uuid.UUID, user_id: uuid.UUID, state: ConnectionState, reason: str | None
) -> None:
    """A connection that can no longer sync says why; one that needs the person notifies them."""
    async with tenant_session(ctx.sessions, person(user_id)) as session:
        connection = await session.get(CalendarConnection, connection_id)
        if connection is None or (connection.state == state.value and connection.state_reason == reason):
            return
        connection.state, connection.state_reason = state.value, reason
        connection.updated_at = datetime.now(UTC)
        await session.flush()
        await announce(session, connection)
        company_id, email = connection.company_id, connection.account_email
    if state is ConnectionState.NEEDS_REAUTHORIZATION:
        async with tenant_session(ctx.sessions, worker_for(company_id)) as session:
            draft = Draft(
                user_id=user_id, type=NotificationType.CALENDAR_NEEDS_REAUTHORIZATION,
                title=f"Reconnect your calendar {email}",
                body="Rhythm can no longer reach this calendar. Connect it again to keep your plan in sync.",
                dedupe_key=f"calendar_reauthorization:{connection_id}:{datetime.now(UTC).date().isoformat()}",
                subject_id=connection_id,
            )  # fmt: skip
            await notify(session, company_id, [draft])
    log.warning("calendar_connection_state", connection_id=str(connection_id), state=state.value, reason=reason)
