"""The lookups every area repeats: a row the caller may see, by its key, or NotFound.

Row-level security decides what a caller sees, so "no such row" and "not yours to see" are one answer.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Company
from db.tenant import caller_of
from domain.errors import NotFound, SecondFactorRequired

T = TypeVar("T")


async def get_one(session: AsyncSession, entity: type[T], key: Any, *, what: str, for_update: bool = False) -> T:
    """The row of `entity` with primary key `key`, else NotFound("No such <what>.")."""
    row = await session.get(entity, key, with_for_update=for_update)
    if row is None:
        raise NotFound(f"No such {what}.")
    return row


async def require_company(session: AsyncSession, company_id: uuid.UUID) -> Company:
    """The company, when the caller sees it; SecondFactorRequired for a member whose session has not passed the
    second factor the company requires; NotFound otherwise (also for a request narrowed to another one)."""
    company = await session.get(Company, company_id)
    if company is None:
        if await _awaits_second_factor(session, company_id):
            raise SecondFactorRequired()
        raise NotFound("No such Company.")
    return company


async def _awaits_second_factor(session: AsyncSession, company_id: uuid.UUID) -> bool:
    """Whether the caller belongs to the company but the policies hide it until their session passes a second
    factor (migration 0017). Only asked on the way to NotFound, so it costs the usual path nothing."""
    caller = caller_of(session)
    if caller.user_id is None or caller.second_factor:
        return False
    found = await session.execute(
        sa.text("SELECT 1 FROM rhythm.companies_requiring_second_factor() WHERE company_id = :company_id"),
        {"company_id": company_id},
    )
    return found.first() is not None
