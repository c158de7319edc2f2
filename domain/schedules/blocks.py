"""Changing one time block by hand: pin it where it is, unpin it, or record that it was started, done or missed.
Only the person whose block it is may (the policies say so); members of its company may only read it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import TimeBlock, User
from domain.db_errors import refusals
from domain.errors import Forbidden
from domain.lookups import get_one
from domain.planner import BlockState
from domain.schedules import changes
from domain.schedules.occurrences import EventOccurrence, occurrences_of

REFUSED = Forbidden("Only the person whose block it is may change it.")


async def get_block(session: AsyncSession, block_id: uuid.UUID) -> TimeBlock:
    return await get_one(session, TimeBlock, block_id, what="TimeBlock")


async def _change(session: AsyncSession, block_id: uuid.UUID, cause: str, **values: object) -> TimeBlock:
    block = await get_block(session, block_id)
    changed = any(getattr(block, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(block, name, value)
    block.updated_at = datetime.now(UTC)
    async with refusals(refused=REFUSED):
        await session.flush()
    if changed:
        await changes.record_block(session, block, cause)
    return block


async def set_pinned(session: AsyncSession, block_id: uuid.UUID, *, pinned: bool) -> TimeBlock:
    return await _change(session, block_id, "pin" if pinned else "unpin", pinned=pinned)


async def set_state(session: AsyncSession, block_id: uuid.UUID, state: BlockState) -> TimeBlock:
    # A missed block no longer holds its time: the next plan places that work again.
    return await _change(session, block_id, state.value, state=state.value)


async def week_blocks(session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime) -> list[TimeBlock]:
    statement = sa.select(TimeBlock).where(
        col(TimeBlock.user_id) == user_id, col(TimeBlock.starts_at) < end, col(TimeBlock.ends_at) > start
    )
    return list((await session.execute(statement.order_by(col(TimeBlock.starts_at), col(TimeBlock.id)))).scalars())


async def week_events(
    session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime
) -> list[EventOccurrence]:
    """The person's events touching the window, recurring ones expanded (all-day ones on the person's days)."""
    return await occurrences_of(session, user_id, await zone_of(session, user_id), start, end)


async def zone_of(session: AsyncSession, user_id: uuid.UUID) -> ZoneInfo:
    """The person's time zone, whose days all-day events cover."""
    person = await session.get(User, user_id)
    return ZoneInfo(person.time_zone if person is not None else "UTC")
