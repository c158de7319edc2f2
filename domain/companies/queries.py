"""Companies and memberships as lists read them: the caller's companies, members and roles, batched."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, Membership
from domain.pagination import Page, PageRequest, SortKey, page_of, pages_per_parent, parse_datetime, parse_uuid
from domain.reads import any_of, created_order

COMPANY_ORDER = created_order("company")
MEMBER_ORDER = SortKey(
    name="member:created_at",
    columns=lambda row: [row.created_at, row.user_id],
    values=lambda row: [row.created_at, row.user_id],
    parsers=[parse_datetime, parse_uuid],
)


async def companies_page(session: AsyncSession, request: PageRequest) -> Page[Company]:
    # The policies leave exactly the caller's companies.
    return await page_of(session, Company, [], COMPANY_ORDER, request)


async def members_per_company(
    session: AsyncSession, company_ids: Sequence[uuid.UUID], request: PageRequest
) -> dict[uuid.UUID, Page[Membership]]:
    return await pages_per_parent(session, Membership, "company_id", company_ids, lambda _: [], MEMBER_ORDER, request)


async def roles_of(session: AsyncSession, user_id: uuid.UUID, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    statement = sa.select(col(Membership.company_id), col(Membership.role)).where(
        col(Membership.user_id) == user_id, col(Membership.company_id) == any_of(company_ids)
    )
    return {company_id: role for company_id, role in await session.execute(statement)}
