"""One Google connection's sync: its calendar list, then each synced calendar read into its mirror (a full read
the first time or after 410, an incremental one from the stored sync token otherwise), then Rhythm's blocks
written to the receiving calendar.

No transaction is open during an HTTP call: each page is applied in a transaction of its own, and the sync token
is stored with the last page, so a job that dies half-way reads from the old token again and its pages change
nothing twice (rows are found again by the provider's event id).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Calendar, CalendarSource
from db.models.calendar_sync import CalendarBlockLink, CalendarConnection, CalendarSyncCursor, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync import blocks, mirror
from domain.calendar_sync.connections import person
from domain.calendar_sync.errors import CursorExpired
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.google_events import BlockEvent, Mirrored, change_of
from workers.calendar_sync import block_pushes, google_channels
from workers.calendar_sync.context import SyncContext

log = structlog.get_logger("rhythm.calendar_sync")
PAGE_SIZE = 250


async def refresh_calendars(ctx: SyncContext, google: GoogleCalendar, connection: CalendarConnection) -> None:
    """Mirror calendars for the account's new calendars. Its own (owner or writer) count as busy at first; the
    primary one receives Rhythm's blocks unless the person chose another."""
    listed = await google.calendar_list()
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        known = {
            row.external_id: row
            for row in (
                await session.execute(
                    sa.select(ExternalCalendar).where(col(ExternalCalendar.connection_id) == connection.id)
                )
            ).scalars()
        }
        has_receiver = any(row.receives_blocks for row in known.values())
        for item in listed:
            if item["id"] in known:
                known[item["id"]].name = str(item.get("summary") or item["id"])[:500]
                continue
            own = item.get("accessRole") in ("owner", "writer")
            calendar = Calendar(
                company_id=connection.company_id, owner_id=connection.user_id, name=_name(item),
                source=CalendarSource.EXTERNAL.value, external_id=str(item["id"])[:500], affects_availability=own,
            )  # fmt: skip
            session.add(calendar)
            await session.flush()
            primary = bool(item.get("primary"))
            session.add(
                ExternalCalendar(
                    company_id=connection.company_id, user_id=connection.user_id, connection_id=connection.id,
                    calendar_id=calendar.id, external_id=str(item["id"]), name=_name(item), is_primary=primary,
                    receives_blocks=primary and not has_receiver,
                )
            )  # fmt: skip
        await session.flush()


def _name(item: dict[str, Any]) -> str:
    return (str(item.get("summary") or item["id"]).strip() or "Calendar")[:200]


async def synced_calendars(session: AsyncSession, connection_id: uuid.UUID) -> list[tuple[ExternalCalendar, bool]]:
    """Each calendar of the connection with whether it counts as busy time."""
    rows = await session.execute(
        sa.select(ExternalCalendar, col(Calendar.affects_availability))
        .join(Calendar, col(Calendar.id) == col(ExternalCalendar.calendar_id))
        .where(col(ExternalCalendar.connection_id) == connection_id)
        .order_by(col(ExternalCalendar.created_at), col(ExternalCalendar.id))
    )
    return [(external, bool(busy)) for external, busy in rows.all()]


async def _start(ctx: SyncContext, external: ExternalCalendar) -> tuple[str | None, set[str]]:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        cursor = await session.get(CalendarSyncCursor, external.id)
        links = await session.execute(
            sa.select(col(CalendarBlockLink.provider_event_id)).where(
                col(CalendarBlockLink.external_calendar_id) == external.id
            )
        )
        return (None if cursor is None else cursor.cursor), set(links.scalars())


async def _store_cursor(session: AsyncSession, external: ExternalCalendar, token: str) -> None:
    cursor = await session.get(CalendarSyncCursor, external.id)
    if cursor is None:
        session.add(
            CalendarSyncCursor(
                external_calendar_id=external.id, company_id=external.company_id, user_id=external.user_id,
                cursor=token,
            )
        )  # fmt: skip
    else:
        cursor.cursor, cursor.updated_at = token, datetime.now(UTC)
    await session.flush()


async def sync_calendar(ctx: SyncContext, google: GoogleCalendar, external: ExternalCalendar) -> int:
    """Read one calendar into its mirror; how many mirror rows changed."""
    token, known_blocks = await _start(ctx, external)
    full = token is None
    seen: set[str] = set()
    listed_blocks: set[str] = set()
    waiting: list[Mirrored] = []
    page_token: str | None = None
    changed = 0
    resynced = False
    while True:
        try:
            body = await google.list_events(
                external.external_id, sync_token=token, page_token=page_token, max_results=PAGE_SIZE
            )
        except CursorExpired:
            if resynced:
                raise
            # 410: the token is void. Read everything again; what the fresh list lacks leaves the mirror at the
            # end, and Rhythm's own data (block links, keyed by event id) stays as it is.
            log.info("calendar_full_resync", external_calendar_id=str(external.id))
            token, full, page_token, seen, waiting, resynced = None, True, None, set(), [], True
            listed_blocks = set()
            continue
        zone = str(body.get("timeZone") or "UTC")
        changes = [
            c for item in body.get("items", []) if (c := change_of(item, calendar_zone=zone, known_blocks=known_blocks))
        ]
        if full:
            seen.update(c.external_uid for c in changes if isinstance(c, Mirrored) and not c.fields["cancelled"])
            seen.update(c.external_uid for c in changes if isinstance(c, Mirrored) and c.series_uid)
            listed_blocks.update(c.provider_event_id for c in changes if isinstance(c, BlockEvent) and not c.cancelled)
        last = "nextPageToken" not in body
        async with tenant_session(ctx.sessions, person(external.user_id)) as session:
            applied = await mirror.apply(session, external, [*waiting, *changes])
            waiting = applied.waiting
            changed += applied.written + applied.removed
            await blocks.take_inbound(session, external, [c for c in changes if isinstance(c, BlockEvent)])
            if last:
                if full:
                    changed += await mirror.remove_unseen(session, external, seen)
                    await blocks.drop_unlisted(session, external, listed_blocks)
                await _store_cursor(session, external, str(body["nextSyncToken"]))
                if changed:
                    await mirror.announce(session, external)
        if last:
            return changed
        page_token = str(body["nextPageToken"])


async def clear_calendar(ctx: SyncContext, external: ExternalCalendar) -> None:
    """A calendar that no longer counts as busy keeps no mirror and no cursor (a later choice reads it afresh)."""
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        await mirror.wipe(session, external)
        await session.execute(
            sa.delete(CalendarSyncCursor).where(col(CalendarSyncCursor.external_calendar_id) == external.id)
        )


async def sync_google(ctx: SyncContext, google: GoogleCalendar, connection: CalendarConnection) -> int:
    await refresh_calendars(ctx, google, connection)
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        calendars = await synced_calendars(session, connection.id)
    changed = 0
    for external, busy in calendars:
        if busy or external.receives_blocks:
            changed += await sync_calendar(ctx, google, external)
            if ctx.push_enabled:
                await google_channels.ensure_channel(ctx, google, external)
        else:
            await clear_calendar(ctx, external)
    receiver = next((external for external, _ in calendars if external.receives_blocks), None)
    if receiver is not None:
        await block_pushes.push_google(ctx, google, receiver)
    return changed
