"""A person's calendar connections: made when consent comes back, their tokens sealed and read back, and their
updates announced. The sync jobs refresh the tokens and set the state (workers/calendar_sync/connection_upkeep.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models.calendar_sync import CalendarConnection, CalendarProvider, ConnectionState
from db.tenant import Caller
from domain import audit
from domain.audit import AuditAction
from domain.calendar_sync.oauth import Tokens
from domain.calendar_sync.secrets import TokenCipher
from domain.events.service import EventType, record


class Sealing(Protocol):
    """Whatever holds the token keys: the sync jobs' context, or the API's consent settings."""

    @property
    def cipher(self) -> TokenCipher: ...


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
    session: AsyncSession, ctx: Sealing, *, user_id: uuid.UUID, company_id: uuid.UUID,
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
    await audit.record(
        session,
        AuditAction.CALENDAR_CONNECTION_CONNECTED,
        company_id=company_id,
        target=("CalendarSyncConnection", connection.id),
        details={"provider": provider.value},
    )
    return connection


def tokens_of(ctx: Sealing, connection: CalendarConnection) -> Tokens:
    return Tokens(
        access_token=ctx.cipher.decrypt(connection.access_token),
        refresh_token=None if connection.refresh_token is None else ctx.cipher.decrypt(connection.refresh_token),
        expires_at=connection.token_expires_at,
        scope=connection.scopes,
    )
