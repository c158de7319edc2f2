"""What the API does with calendar connections, inside the request's transaction: start a consent, list the
viewer's connections and calendars, choose which calendars count as busy time and which receives Rhythm's
blocks, and ask for a sync or a disconnect (the work itself runs in jobs, outside any transaction)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Calendar
from db.models.calendar_sync import CalendarConnection, CalendarProvider, ExternalCalendar
from domain import audit
from domain.audit import AuditAction
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import announce
from domain.calendar_sync.context import ConsentConfig
from domain.errors import NotFound, invalid
from domain.lookups import require_company


@dataclass(frozen=True, slots=True)
class Authorization:
    url: str
    expires_at: datetime


async def start_consent(
    session: AsyncSession, config: ConsentConfig | None, *, user_id: uuid.UUID, company_id: uuid.UUID,
    provider: CalendarProvider,
) -> Authorization:  # fmt: skip
    await require_company(session, company_id)
    app = None if config is None else config.apps.get(provider)
    if config is None or app is None:
        raise invalid("provider", "This calendar provider is not configured on this Rhythm.")
    url = oauth.authorization_url(
        app, config.cipher, user_id=user_id, company_id=company_id, redirect_uri=config.redirect_uri()
    )
    return Authorization(url, datetime.now(UTC) + timedelta(seconds=config.authorization_ttl_seconds))


async def connections_of(session: AsyncSession, user_id: uuid.UUID) -> list[CalendarConnection]:
    rows = await session.execute(
        sa.select(CalendarConnection)
        .where(col(CalendarConnection.user_id) == user_id)
        .order_by(col(CalendarConnection.created_at), col(CalendarConnection.id))
    )
    return list(rows.scalars())


async def calendars_of(
    session: AsyncSession, connection_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[ExternalCalendar, Calendar]]]:
    rows = await session.execute(
        sa.select(ExternalCalendar, Calendar)
        .join(Calendar, col(Calendar.id) == col(ExternalCalendar.calendar_id))
        .where(col(ExternalCalendar.connection_id).in_(connection_ids))
        .order_by(col(ExternalCalendar.is_primary).desc(), col(ExternalCalendar.name), col(ExternalCalendar.id))
    )
    found: dict[uuid.UUID, list[tuple[ExternalCalendar, Calendar]]] = {key: [] for key in connection_ids}
    for external, calendar in rows.all():
        found[external.connection_id].append((external, calendar))
    return found


async def get_connection(session: AsyncSession, connection_id: uuid.UUID) -> CalendarConnection:
    connection = await session.get(CalendarConnection, connection_id)
    if connection is None:
        raise NotFound("No such CalendarSyncConnection.")
    return connection


async def request_sync(session: AsyncSession, connection_id: uuid.UUID) -> CalendarConnection:
    connection = await get_connection(session, connection_id)
    await announce(session, connection, requested=True)
    return connection


async def request_disconnect(session: AsyncSession, connection_id: uuid.UUID) -> CalendarConnection:
    connection = await get_connection(session, connection_id)
    await announce(session, connection, disconnect=True)
    await audit.record(
        session,
        AuditAction.CALENDAR_CONNECTION_DISCONNECTED,
        company_id=connection.company_id,
        target=("CalendarSyncConnection", connection.id),
        details={"provider": connection.provider},
    )
    return connection


async def choose(
    session: AsyncSession, external_calendar_id: uuid.UUID, *, busy: bool | None, receives_blocks: bool | None
) -> tuple[ExternalCalendar, Calendar]:
    """Whether a calendar counts as busy time, and whether it is the one receiving Rhythm's blocks (choosing one
    takes the role from the connection's other calendars)."""
    external = await session.get(ExternalCalendar, external_calendar_id)
    if external is None:
        raise NotFound("No such ExternalCalendar.")
    calendar = await session.get(Calendar, external.calendar_id)
    if calendar is None:
        raise NotFound("No such ExternalCalendar.")
    if busy is not None:
        calendar.affects_availability = busy
        calendar.updated_at = datetime.now(UTC)
    if receives_blocks is not None:
        if receives_blocks:
            await session.execute(
                sa.update(ExternalCalendar)
                .where(
                    col(ExternalCalendar.connection_id) == external.connection_id, col(ExternalCalendar.receives_blocks)
                )
                .values(receives_blocks=False)
            )
            await session.flush()
        external.receives_blocks = receives_blocks
    external.updated_at = datetime.now(UTC)
    await session.flush()
    connection = await get_connection(session, external.connection_id)
    await announce(session, connection, requested=True)
    return external, calendar
