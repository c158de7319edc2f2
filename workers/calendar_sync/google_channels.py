"""Google watch channels: one per synced calendar, renewed before it expires (the new one first, so the two
overlap, then the old one stopped), and stopped on disconnect. A notification carries no body: it only says
"sync this connection", and its token, checked by the database, says it is genuine."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlmodel import col

from db.models.calendar_sync import CalendarProvider, CalendarPushChannel, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync.connections import person
from domain.calendar_sync.errors import NotFound, ProviderError
from domain.calendar_sync.google import GoogleCalendar
from workers.calendar_sync.context import SyncContext

log = structlog.get_logger("rhythm.calendar_sync")


async def _channels(ctx: SyncContext, external: ExternalCalendar) -> list[CalendarPushChannel]:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        found = await session.execute(
            sa.select(CalendarPushChannel).where(col(CalendarPushChannel.external_calendar_id) == external.id)
        )
        return list(found.scalars())


async def ensure_channel(ctx: SyncContext, google: GoogleCalendar, external: ExternalCalendar) -> bool:
    """Watch the calendar unless a channel with a third of its life left does; True when one was made."""
    now = datetime.now(UTC)
    current = await _channels(ctx, external)
    if any(channel.expires_at - now > ctx.channel_ttl / 3 for channel in current):
        return False
    channel_id, token = uuid.uuid4(), secrets.token_urlsafe(32)
    made = await google.watch(
        external.external_id, channel_id=str(channel_id), address=ctx.push_address(CalendarProvider.GOOGLE),
        token=token, ttl_seconds=int(ctx.channel_ttl.total_seconds()),
    )  # fmt: skip
    expiration = made.get("expiration")
    expires_at = datetime.fromtimestamp(int(expiration) / 1000, UTC) if expiration else now + ctx.channel_ttl
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        session.add(
            CalendarPushChannel(
                id=channel_id, company_id=external.company_id, user_id=external.user_id,
                connection_id=external.connection_id, external_calendar_id=external.id,
                resource_id=str(made.get("resourceId") or ""), token=token, expires_at=expires_at,
            )
        )  # fmt: skip
    for old in current:
        await stop_channel(ctx, google, old)
    return True


async def stop_channel(ctx: SyncContext, google: GoogleCalendar, channel: CalendarPushChannel) -> None:
    try:
        await google.stop_channel(str(channel.id), channel.resource_id or "")
    except NotFound:
        pass  # Expired or stopped already.
    except ProviderError as error:
        # It expires on its own; its notifications meanwhile only cause a harmless extra sync.
        log.warning("channel_not_stopped", channel_id=str(channel.id), reason=error.reason)
    async with tenant_session(ctx.sessions, person(channel.user_id)) as session:
        await session.execute(sa.delete(CalendarPushChannel).where(col(CalendarPushChannel.id) == channel.id))


async def stop_all(ctx: SyncContext, google: GoogleCalendar, externals: list[ExternalCalendar]) -> None:
    for external in externals:
        for channel in await _channels(ctx, external):
            await stop_channel(ctx, google, channel)


def renew_before(ctx: SyncContext) -> timedelta:
    return ctx.channel_ttl / 3
