from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import FocusSession
from domain.pagination import Page, PageRequest, SortKey, page_of, parse_datetime, parse_uuid

RECENT_FIRST = SortKey(
    name="focus:started_at",
    columns=lambda row: [row.started_at, row.id],
    values=lambda row: [row.started_at, row.id],
    parsers=[parse_datetime, parse_uuid],
    descending=True,
)


async def focus_sessions_of(session: AsyncSession, user_id: uuid.UUID, request: PageRequest) -> Page[FocusSession]:
    return await page_of(session, FocusSession, [col(FocusSession.user_id) == user_id], RECENT_FIRST, request)
