"""One Microsoft connection's sync: its calendars listed, then the default calendar read through
`/me/calendarView/delta` (v1.0 has delta for the mailbox's default calendar view only) over a fixed window:
`@odata.nextLink` followed until `@odata.deltaLink`, which is stored verbatim and followed next time. A window
that no longer reaches far enough ahead, a 410 or `syncStateNotFound` start a fresh round, after which whatever
the round did not list leaves the mirror.

Rhythm's blocks go to the default calendar (`transactionId` = the block id, so a retried create makes no second
event; `If-Match` with the last ETag). Only the default calendar is read and written. A Graph subscription to
`me/events` (workers/calendar_sync/graph_subscriptions.py) brings changes within seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
from domain.calendar_sync.google_events import BlockEvent, Mirrored
from domain.calendar_sync.graph import GraphCalendar
from domain.calendar_sync.graph_events import change_of_graph
from domain.calendar_sync.writers import GraphWriter
from workers.calendar_sync import block_pushes, graph_subscriptions
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.google_sync import synced_calendars

log = structlog.get_logger("rhythm.calendar_sync")
PAGE_SIZE = 100
# The delta window: a week back (meetings that ran late), two months ahead; renewed once less than a month is left.
BEHIND, AHEAD, RENEW_WITHIN = timedelta(days=7), timedelta(days=60), timedelta(days=30)


async def refresh_calendars(ctx: SyncContext, graph: GraphCalendar, connection: CalendarConnection) -> None:
    listed = await graph.calendars()
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        known = {
            row.external_id
            for row in (
                await session.execute(
                    sa.select(ExternalCalendar).where(col(ExternalCalendar.connection_id) == connection.id)
                )
            ).scalars()
        }
        for item in listed:
            if item["id"] in known:
                continue
            default = bool(item.get("isDefaultCalendar"))
            name = (str(item.get("name") or "Calendar").strip() or "Calendar")[:200]
            calendar = Calendar(
                company_id=connection.company_id, owner_id=connection.user_id, name=name,
                source=CalendarSource.EXTERNAL.value, external_id=str(item["id"])[:500], affects_availability=default,
            )  # fmt: skip
            session.add(calendar)
            await session.flush()
            session.add(
                ExternalCalendar(
                    company_id=connection.company_id, user_id=connection.user_id, connection_id=connection.id,
                    calendar_id=calendar.id, external_id=str(item["id"]), name=name, is_primary=default,
                    receives_blocks=default,
                )
            )  # fmt: skip
        await session.flush()


async def _cursor(ctx: SyncContext, external: ExternalCalendar) -> tuple[CalendarSyncCursor | None, set[str]]:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        cursor = await session.get(CalendarSyncCursor, external.id)
        links = await session.execute(
            sa.select(col(CalendarBlockLink.provider_event_id)).where(
                col(CalendarBlockLink.external_calendar_id) == external.id
            )
        )
        return cursor, set(links.scalars())


async def _store(session: AsyncSession, external: ExternalCalendar, link: str, start: datetime, end: datetime) -> None:
    cursor = await session.get(CalendarSyncCursor, external.id)
    if cursor is None:
        cursor = CalendarSyncCursor(
            external_calendar_id=external.id, company_id=external.company_id, user_id=external.user_id, cursor=link
        )
        session.add(cursor)
    cursor.cursor, cursor.window_start, cursor.window_end = link, start, end
    cursor.updated_at = datetime.now(UTC)
    await session.flush()


async def sync_default_calendar(ctx: SyncContext, graph: GraphCalendar, external: ExternalCalendar) -> int:
    now = datetime.now(UTC)
    cursor, known_blocks = await _cursor(ctx, external)
    fresh = cursor is None or cursor.window_end is None or cursor.window_end - now < RENEW_WITHIN
    if fresh or cursor is None:
        start, end, link = now - BEHIND, now + AHEAD, None
    else:
        start, end, link = cursor.window_start or now - BEHIND, cursor.window_end or now + AHEAD, cursor.cursor
    seen: set[str] = set()
    listed_blocks: set[str] = set()
    waiting: list[Mirrored] = []
    changed, restarted = 0, False
    while True:
        try:
            body = await graph.calendar_view_delta(link, start=start, end=end, page_size=PAGE_SIZE)
        except CursorExpired:
            if restarted:
                raise
            log.info("calendar_full_resync", external_calendar_id=str(external.id), provider="microsoft")
            fresh, restarted, link, seen, waiting, listed_blocks = True, True, None, set(), [], set()
            start, end = now - BEHIND, now + AHEAD
            continue
        changes = [c for item in body.get("value", []) if (c := change_of_graph(item, known_blocks=known_blocks))]
        if fresh:
            seen.update(c.external_uid for c in changes if isinstance(c, Mirrored))
            listed_blocks.update(c.provider_event_id for c in changes if isinstance(c, BlockEvent) and not c.cancelled)
        last = "@odata.deltaLink" in body
        async with tenant_session(ctx.sessions, person(external.user_id)) as session:
            applied = await mirror.apply(session, external, [*waiting, *changes])
            waiting = applied.waiting
            changed += applied.written + applied.removed
            await blocks.take_inbound(session, external, [c for c in changes if isinstance(c, BlockEvent)])
            if last:
                if fresh:
                    changed += await mirror.remove_unseen(session, external, seen)
                    await blocks.drop_unlisted(session, external, listed_blocks, start=start, end=end)
                await _store(session, external, str(body["@odata.deltaLink"]), start, end)
                if changed:
                    await mirror.announce(session, external)
        if last:
            return changed
        link = str(body["@odata.nextLink"])


async def sync_microsoft(ctx: SyncContext, graph: GraphCalendar, connection: CalendarConnection) -> int:
    await refresh_calendars(ctx, graph, connection)
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        calendars = await synced_calendars(session, connection.id)
    default = next((external for external, _ in calendars if external.is_primary), None)
    if default is None:
        return 0
    changed = await sync_default_calendar(ctx, graph, default)
    if ctx.push_enabled:
        await graph_subscriptions.ensure_subscription(ctx, graph, default)
    if default.receives_blocks:
        await block_pushes.push_blocks(ctx, GraphWriter(graph), default)
    return changed
