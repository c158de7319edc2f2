"""Rhythm's blocks in the receiving calendar, both ways (the rules; workers/calendar_sync/block_pushes.py writes).

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
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Habit, Task, TimeBlock
from db.models.calendar_sync import CalendarBlockLink, ExternalCalendar
from domain.calendar_sync.google_events import BlockEvent
from domain.calendar_sync.writers import Wanted
from domain.schedules import changes

log = structlog.get_logger("rhythm.calendar_sync")
CAUSE = "calendar"


# In -------------------------------------------------------------------------------------------------------------


async def link_of(session: AsyncSession, external: ExternalCalendar, event_id: str) -> CalendarBlockLink | None:
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
        link = await link_of(session, external, event.provider_event_id)
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


async def wanted_blocks(
    session: AsyncSession, external: ExternalCalendar, horizon: timedelta
) -> dict[uuid.UUID, Wanted]:
    """The person's planned blocks (in every company) within the horizon, as the receiving calendar should hold them."""
    now = datetime.now(UTC)
    rows = await session.execute(
        sa.select(TimeBlock, col(Task.title), col(Habit.title))
        .outerjoin(Task, col(Task.id) == col(TimeBlock.task_id))
        .outerjoin(Habit, col(Habit.id) == col(TimeBlock.habit_id))
        .where(
            col(TimeBlock.user_id) == external.user_id,
            col(TimeBlock.state) == "planned",
            col(TimeBlock.ends_at) > now,
            col(TimeBlock.starts_at) < now + horizon,
        )
    )
    return {
        block.id: Wanted(block.id, block.company_id, block.task_id, block.habit_id,
                         task_title or habit_title or "Focus time", block.starts_at, block.ends_at)
        for block, task_title, habit_title in rows.all()
    }  # fmt: skip
