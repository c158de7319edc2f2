"""The lookups every area repeats: a row the caller may see, by its key, or NotFound.

Row-level security decides what a caller sees, so "no such row" and "not yours to see" are one answer.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Company
from domain.errors import NotFound

T = TypeVar("T")


async def get_one(session: AsyncSession, entity: type[T], key: Any, *, what: str, for_update: bool = False) -> T:
    """The row of `entity` with primary key `key`, else NotFound("No such <what>.")."""
    row = await session.get(entity, key, with_for_update=for_update)
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


async def require_company(session: AsyncSession, company_id: uuid.UUID) -> Company:
    """The company, when the caller sees it; NotFound otherwise (also for a request narrowed to another one)."""
    return await get_one(session, Company, company_id, what="Company")
