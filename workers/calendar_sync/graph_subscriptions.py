"""Graph subscriptions to the mailbox's events: made with a clientState only Rhythm knows (Graph first checks
the notification URL with a validationToken the route echoes), renewed before they expire (an Outlook event
subscription lives at most 10,080 minutes), remade after `subscriptionRemoved`, deleted on disconnect."""

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
from domain.calendar_sync.graph import GraphCalendar
from workers.calendar_sync.context import SyncContext

log = structlog.get_logger("rhythm.calendar_sync")
LIFETIME = timedelta(minutes=10_080 - 60)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


async def _current(ctx: SyncContext, external: ExternalCalendar) -> list[CalendarPushChannel]:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        found = await session.execute(
            sa.select(CalendarPushChannel).where(col(CalendarPushChannel.connection_id) == external.connection_id)
        )
        return list(found.scalars())


async def ensure_subscription(ctx: SyncContext, graph: GraphCalendar, external: ExternalCalendar) -> bool:
    """A live subscription for the mailbox: renewed once a third of its life is left, made when there is none;
    True when one was made."""
    now = datetime.now(UTC)
    current = await _current(ctx, external)
    for channel in current:
        if channel.expires_at - now > LIFETIME / 3:
            return False
        try:
            await graph.renew_subscription(channel.resource_id or "", _stamp(now + LIFETIME))
        except (NotFound, ProviderError) as error:
            log.info("graph_subscription_not_renewed", channel_id=str(channel.id), reason=error.reason)
            await forget(ctx, channel)
            continue
        async with tenant_session(ctx.sessions, person(external.user_id)) as session:
            row = await session.get(CalendarPushChannel, channel.id)
            if row is not None:
                row.expires_at = now + LIFETIME
        return False
    token = secrets.token_urlsafe(32)
    address = ctx.push_address(CalendarProvider.MICROSOFT)
    made = await graph.create_subscription({
        "changeType": "created,updated,deleted", "notificationUrl": address,
        "lifecycleNotificationUrl": address.replace("/push/", "/lifecycle/"), "resource": "me/events",
        "expirationDateTime": _stamp(now + LIFETIME), "clientState": token,
    })  # fmt: skip
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        session.add(
            CalendarPushChannel(
                id=uuid.uuid4(), company_id=external.company_id, user_id=external.user_id,
                connection_id=external.connection_id, external_calendar_id=external.id,
                resource_id=str(made["id"]), token=token, expires_at=now + LIFETIME,
            )
        )  # fmt: skip
    return True


async def forget(ctx: SyncContext, channel: CalendarPushChannel) -> None:
    async with tenant_session(ctx.sessions, person(channel.user_id)) as session:
        await session.execute(sa.delete(CalendarPushChannel).where(col(CalendarPushChannel.id) == channel.id))


async def stop_all(ctx: SyncContext, graph: GraphCalendar, external: ExternalCalendar) -> None:
    for channel in await _current(ctx, external):
        try:
            await graph.delete_subscription(channel.resource_id or "")
        except ProviderError as error:
            log.info("graph_subscription_not_deleted", channel_id=str(channel.id), reason=error.reason)
        await forget(ctx, channel)
