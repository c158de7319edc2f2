"""A person's notifications: the newest first, one by id, the unread count, and marking them read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Notification
from domain.errors import invalid
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid

NEWEST_FIRST = SortKey(
    name="notification:created_at",
    columns=lambda row: [row.created_at, row.id],
    values=lambda row: [row.created_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)
MAX_IDS = 100


async def notifications_of(
    session: AsyncSession, user_id: uuid.UUID, request: PageRequest, *, unread_only: bool = False
) -> Page[Notification]:
    # The policies leave the caller's own; the filter says so to the planner too.
    conditions = [col(Notification.user_id) == user_id]
    if unread_only:
        conditions.append(col(Notification.read_at).is_(None))
    return await page_of(session, Notification, conditions, NEWEST_FIRST, request)


async def notification_of(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
    """One of the person's notifications; None when it is someone else's, or the caller may not read it."""
    statement = sa.select(Notification).where(
        col(Notification.id) == notification_id, col(Notification.user_id) == user_id
    )
    return (await session.execute(statement)).scalars().first()


async def unread_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    statement = sa.select(sa.func.count()).where(
        col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)
    )
    return int((await session.execute(statement)).scalar_one())


async def mark_read(
    session: AsyncSession, user_id: uuid.UUID, *, ids: Sequence[uuid.UUID], everything: bool, now: datetime
) -> int:
    """Mark the given notifications (or all) of the person read; how many were unread. Others' ids mark nothing."""
    if not everything and not ids:
        raise invalid("ids", "Give the notifications to mark read, or set `all`.")
    if everything and ids:
        raise invalid("all", "Give either `ids` or `all`, not both.")
    if len(ids) > MAX_IDS:
        raise invalid("ids", f"At most {MAX_IDS} at once; use `all` for everything.")
    conditions = [col(Notification.user_id) == user_id, col(Notification.read_at).is_(None)]
    if not everything:
        conditions.append(col(Notification.id).in_(set(ids)))
    result = await session.execute(sa.update(Notification).where(*conditions).values(read_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]
