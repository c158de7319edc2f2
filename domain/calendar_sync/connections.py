"""A person's calendar connections: made when consent comes back, their tokens (refreshed before expiry and
stored again on every refresh, since Microsoft rotates refresh tokens), and their state."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import NotificationType
from db.models.calendar_sync import CalendarConnection, CalendarProvider, ConnectionState
from db.tenant import Caller, tenant_session, worker_for
from domain.calendar_sync import oauth
from domain.calendar_sync.context import ConsentConfig, SyncContext
from domain.calendar_sync.errors import ReauthorizationRequired
from domain.calendar_sync.oauth import Tokens
from domain.events.service import EventType, record
from domain.notifications.service import Draft, notify

log = structlog.get_logger("rhythm.calendar_sync")


def person(user_id: uuid.UUID) -> Caller:
    """Sync work runs as the person: their connection is theirs alone, and only they write their calendars."""
    return Caller(user_id=user_id)


async def announce(
    session: AsyncSession, connection: CalendarConnection, *, requested: bool = False, disconnect: bool = False
) -> None:
    """`calendar_connection.updated`: ids and state only, for the person's subscriptions and webhooks.
    `requested`: a sync is wanted (the connection was just made or remade, or the person asked)."""
    await record(
        session, EventType.CALENDAR_CONNECTION_UPDATED, company_id=connection.company_id, subject_id=connection.id,
        data={"calendar_connection": {
            "id": str(connection.id), "user_id": str(connection.user_id), "provider": connection.provider,
            "state": connection.state,
            "last_synced_at": None if connection.last_synced_at is None else connection.last_synced_at.isoformat(),
            "requested": requested,
            "disconnect": disconnect,
        }},
    )  # fmt: skip


async def store_connection(
    session: AsyncSession, ctx: SyncContext | ConsentConfig, *, user_id: uuid.UUID, company_id: uuid.UUID,
    provider: CalendarProvider, account_email: str, tokens: Tokens,
) -> CalendarConnection:  # fmt: skip
    """The connection of this account in this company, new or reconnected (active again, with the new tokens)."""
    now = datetime.now(UTC)
    values = {
        "access_token": ctx.cipher.encrypt(tokens.access_token),
        "refresh_token": None if tokens.refresh_token is None else ctx.cipher.encrypt(tokens.refresh_token),
        "token_expires_at": tokens.expires_at, "scopes": tokens.scope[:1000], "state": ConnectionState.ACTIVE.value,
        "state_reason": None, "failures": 0, "next_sync_at": now, "updated_at": now,
    }  # fmt: skip
    statement = insert(CalendarConnection).values(
        id=uuid.uuid4(), company_id=company_id, user_id=user_id, provider=provider.value,
        account_email=account_email[:320], created_at=now, **values,
    )  # fmt: skip
    upsert = statement.on_conflict_do_update(
        constraint="calendar_connections_account_key", set_={name: statement.excluded[name] for name in values}
    ).returning(col(CalendarConnection.id))
    connection_id = (await session.execute(upsert)).scalar_one()
    connection = await session.get(CalendarConnection, connection_id, populate_existing=True)
    assert connection is not None
    await announce(session, connection, requested=True)
    return connection


def tokens_of(ctx: SyncContext, connection: CalendarConnection) -> Tokens:
    return Tokens(
        access_token=ctx.cipher.decrypt(connection.access_token),
        refresh_token=None if connection.refresh_token is None else ctx.cipher.decrypt(connection.refresh_token),
        expires_at=connection.token_expires_at,
        scope=connection.scopes,
    )


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
