"""Rhythm's blocks in the receiving calendar, both ways.

Out: each planned block of the person (in every company) within the horizon is one provider event with an id
chosen from the block's id (a retried insert meets 409 and finds its own event), private extended properties
naming the block and its company, and If-Match with the last ETag on every change, so Rhythm never overwrites an
edit it has not read.

In: a change to one of those events whose ETag is not the last one Rhythm wrote is the person's. Moved or resized,
the block is pinned at its new time (the person's edit wins); deleted, the block goes, and its task is planned
again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Habit, Task, TimeBlock
from db.models.calendar_sync import CalendarBlockLink, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync.connections import person
from domain.calendar_sync.context import SyncContext
from domain.calendar_sync.errors import Gone, NotFound, PreconditionFailed
from domain.calendar_sync.google import GoogleCalendar
from domain.calendar_sync.google_events import BlockEvent
from domain.calendar_sync.writers import BlockWriter, GoogleWriter, Wanted
from domain.schedules import changes

log = structlog.get_logger("rhythm.calendar_sync")
CAUSE = "calendar"


# In -------------------------------------------------------------------------------------------------------------


async def _link(session: AsyncSession, external: ExternalCalendar, event_id: str) -> CalendarBlockLink | None:
    found = await session.execute(
        sa.select(CalendarBlockLink).where(
            col(CalendarBlockLink.external_calendar_id) == external.id,
            col(CalendarBlockLink.provider_event_id) == event_id,
        )
    )
    return found.scalar_one_or_none()


async def _drop_block(session: AsyncSession, block: TimeBlock) -> None:
    span = changes.Span(block.company_id, block.task_id, block.starts_at, block.ends_at)
    await session.delete(block)
    await session.flush()
    await changes.record_plan(session, block.user_id, removed=[span], added=[], cause=CAUSE, run_id=uuid.uuid4())


async def _pin_at(session: AsyncSession, block: TimeBlock, starts_at: datetime, ends_at: datetime) -> None:
    block.starts_at, block.ends_at, block.pinned = starts_at, ends_at, True
    block.updated_at = datetime.now(UTC)
    await session.flush()
    await changes.record_block(session, block, CAUSE)


async def _restore_pinned(
    session: AsyncSession, link: CalendarBlockLink, starts_at: datetime, ends_at: datetime
) -> None:
    if link.task_id is None and link.habit_id is None:
        return
    now = datetime.now(UTC)
    values = {
        "id": link.time_block_id, "company_id": link.block_company_id, "user_id": link.user_id,
        "task_id": link.task_id, "habit_id": link.habit_id, "starts_at": starts_at, "ends_at": ends_at,
        "pinned": True, "state": "planned", "created_at": now, "updated_at": now,
    }  # fmt: skip
    try:
        async with session.begin_nested():
            await session.execute(insert(TimeBlock).values(**values).on_conflict_do_nothing())
    except DBAPIError:
        return  # Its task went (or the person left its company): nothing is left to pin.
    block = await session.get(TimeBlock, link.time_block_id)
    if block is not None:
        await changes.record_block(session, block, CAUSE)


async def take_inbound(session: AsyncSession, external: ExternalCalendar, events: list[BlockEvent]) -> None:
    for event in events:
        link = await _link(session, external, event.provider_event_id)
        if link is None or (event.etag is not None and event.etag == link.etag):
            continue  # Not one Rhythm keeps, or Rhythm's own write coming back.
        block = await session.get(TimeBlock, link.time_block_id)
        if event.cancelled:
            await session.delete(link)
            if block is not None:
                await _drop_block(session, block)
            continue
        if event.starts_at is None or event.ends_at is None or event.ends_at <= event.starts_at:
            link.etag = event.etag
            continue
        if block is not None and (event.starts_at, event.ends_at) != (block.starts_at, block.ends_at):
            await _pin_at(session, block, event.starts_at, event.ends_at)
        elif block is None and (event.starts_at, event.ends_at) != (link.starts_at, link.ends_at):
            # The plan dropped the block while the person moved it: their edit wins, the block comes back.
            await _restore_pinned(session, link, event.starts_at, event.ends_at)
        link.etag, link.starts_at, link.ends_at = event.etag, event.starts_at, event.ends_at
        link.updated_at = datetime.now(UTC)
    await session.flush()


async def drop_unlisted(
    session: AsyncSession,
    external: ExternalCalendar,
    listed: set[str],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> None:
    """After a full read: a block event the provider no longer lists (within the window read) was deleted there,
    and a full read does not report deletions. So the person deleted it: its block goes."""
    query = sa.select(CalendarBlockLink).where(col(CalendarBlockLink.external_calendar_id) == external.id)
    if start is not None and end is not None:
        query = query.where(col(CalendarBlockLink.ends_at) > start, col(CalendarBlockLink.starts_at) < end)
    gone = [link for link in (await session.execute(query)).scalars() if link.provider_event_id not in listed]
    await take_inbound(
        session,
        external,
        [BlockEvent(link.provider_event_id, link.time_block_id, None, True, None, None) for link in gone],
    )


# Out ------------------------------------------------------------------------------------------------------------


async def _wanted(session: AsyncSession, external: ExternalCalendar, ctx: SyncContext) -> dict[uuid.UUID, Wanted]:
    now = datetime.now(UTC)
    rows = await session.execute(
        sa.select(TimeBlock, col(Task.title), col(Habit.title))
        .outerjoin(Task, col(Task.id) == col(TimeBlock.task_id))
        .outerjoin(Habit, col(Habit.id) == col(TimeBlock.habit_id))
        .where(
            col(TimeBlock.user_id) == external.user_id,
            col(TimeBlock.state) == "planned",
            col(TimeBlock.ends_at) > now,
            col(TimeBlock.starts_at) < now + ctx.block_horizon,
        )
    )
    return {
        block.id: Wanted(block.id, block.company_id, block.task_id, block.habit_id,
                         task_title or habit_title or "Focus time", block.starts_at, block.ends_at)
        for block, task_title, habit_title in rows.all()
    }  # fmt: skip


async def _save_link(
    ctx: SyncContext, external: ExternalCalendar, wanted: Wanted, event_id: str, etag: str | None
) -> None:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        link = await _link(session, external, event_id)
        if link is None:
            link = CalendarBlockLink(
                company_id=external.company_id, user_id=external.user_id, external_calendar_id=external.id,
                time_block_id=wanted.block_id, block_company_id=wanted.company_id, provider_event_id=event_id,
                task_id=wanted.task_id, habit_id=wanted.habit_id, starts_at=wanted.starts_at, ends_at=wanted.ends_at,
            )  # fmt: skip
            session.add(link)
        link.etag, link.starts_at, link.ends_at = etag, wanted.starts_at, wanted.ends_at
        link.updated_at = datetime.now(UTC)


async def _forget(ctx: SyncContext, external: ExternalCalendar, link_id: uuid.UUID) -> None:
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        await session.execute(sa.delete(CalendarBlockLink).where(col(CalendarBlockLink.id) == link_id))


async def _take_current(ctx: SyncContext, external: ExternalCalendar, current: BlockEvent) -> None:
    """After a 412 or a 410: what the provider has now, read as any inbound change (the person's edit wins)."""
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        await take_inbound(session, external, [current])


def _moved(event: BlockEvent, starts_at: datetime, ends_at: datetime) -> bool:
    return not event.cancelled and (event.starts_at, event.ends_at) != (starts_at, ends_at)


async def _create(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, wanted: Wanted) -> None:
    event = await writer.create(external.external_id, wanted)
    if not event.cancelled and not _moved(event, wanted.starts_at, wanted.ends_at):
        await _save_link(ctx, external, wanted, event.provider_event_id, event.etag)
        return
    # A retried create met the event it made, changed since: a block keeps its times (a plan makes new blocks
    # rather than moving old ones), so other times, or a deletion, are the person's.
    await _save_link(ctx, external, wanted, event.provider_event_id, None)
    await _take_current(ctx, external, event)


async def _update(
    ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, wanted: Wanted, link: CalendarBlockLink
) -> None:
    try:
        event = await writer.update(external.external_id, link.provider_event_id, wanted, etag=link.etag)
    except PreconditionFailed:
        await _take_current(ctx, external, await writer.get(external.external_id, link.provider_event_id))
        return
    except (Gone, NotFound):
        await _take_current(
            ctx, external, BlockEvent(link.provider_event_id, link.time_block_id, None, True, None, None)
        )
        return
    await _save_link(ctx, external, wanted, event.provider_event_id, event.etag)


async def _remove(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar, link: CalendarBlockLink) -> None:
    calendar_id = external.external_id
    try:
        await writer.delete(calendar_id, link.provider_event_id, etag=link.etag)
    except PreconditionFailed:
        # Changed since Rhythm last read it: read it again, then decide. Moved or resized, it is the person's
        # edit, which wins (the block comes back pinned there); anything else leaves the plan's decision standing.
        try:
            current = await writer.get(calendar_id, link.provider_event_id)
        except (Gone, NotFound):
            current = None
        if current is not None and _moved(current, link.starts_at, link.ends_at):
            await _take_current(ctx, external, current)
            return
        if current is not None and not current.cancelled:
            try:
                await writer.delete(calendar_id, link.provider_event_id, etag=current.etag)
            except PreconditionFailed:
                return  # Changed once more: the next sync reads it and decides again.
            except (Gone, NotFound):
                pass
    except (Gone, NotFound):
        pass
    await _forget(ctx, external, link.id)


async def push_blocks(ctx: SyncContext, writer: BlockWriter, external: ExternalCalendar) -> int:
    """Make the receiving calendar hold the person's planned blocks; how many writes it took."""
    async with tenant_session(ctx.sessions, person(external.user_id)) as session:
        wanted = await _wanted(session, external, ctx)
        links = list(
            (
                await session.execute(
                    sa.select(CalendarBlockLink).where(col(CalendarBlockLink.external_calendar_id) == external.id)
                )
            ).scalars()
        )
        # Blocks that left the horizon but stand (past, started, done) keep their events as a record.
        standing = set(
            (
                await session.execute(
                    sa.select(col(TimeBlock.id)).where(
                        col(TimeBlock.id).in_([link.time_block_id for link in links]),
                        col(TimeBlock.state) != "missed",
                    )
                )
            ).scalars()
        )
    by_block = {link.time_block_id: link for link in links}
    writes = 0
    for link in links:
        if link.time_block_id not in wanted and link.time_block_id not in standing:
            await _remove(ctx, writer, external, link)
            writes += 1
    for block_id, block in sorted(wanted.items(), key=lambda item: item[1].starts_at):
        known = by_block.get(block_id)
        if known is None:
            await _create(ctx, writer, external, block)
            writes += 1
        elif (known.starts_at, known.ends_at) != (block.starts_at, block.ends_at):
            await _update(ctx, writer, external, block, known)
            writes += 1
    return writes


async def push_google(ctx: SyncContext, google: GoogleCalendar, external: ExternalCalendar) -> int:
    return await push_blocks(ctx, GoogleWriter(google), external)
