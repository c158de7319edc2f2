from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import TimeEntry
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid

RECENT_FIRST = SortKey(
    name="time:started_at",
    columns=lambda row: [row.started_at, row.id],
    values=lambda row: [row.started_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


async def time_entries_of(session: AsyncSession, user_id: uuid.UUID, request: PageRequest) -> Page[TimeEntry]:
    return await page_of(session, TimeEntry, [TimeEntry.user_id == user_id], RECENT_FIRST, request)  # type: ignore[list-item]
