"""What a subscriber may read, asked of the same function the row-level policies use."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Membership

_READABLE = sa.text("SELECT unnest(rhythm.company_ids(:resource, 'read'))")


async def readable_companies(session: AsyncSession, resource: str) -> set[uuid.UUID]:
    """The companies whose `resource` (`tasks`, `members`, ...) the session's caller may read right now."""
    rows = await session.execute(_READABLE, {"resource": resource})
    return {row[0] for row in rows}


async def visible_membership(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
    return await session.get(Membership, (company_id, user_id))
