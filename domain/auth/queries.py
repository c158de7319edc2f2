"""API keys as lists read them, batched by company."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import ApiKey
from domain.reads import any_of


async def api_keys_of(session: AsyncSession, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ApiKey]]:
    statement = (
        sa.select(ApiKey).where(col(ApiKey.company_id) == any_of(company_ids)).order_by(ApiKey.created_at, ApiKey.id)  # type: ignore[arg-type]
    )
    grouped: dict[uuid.UUID, list[ApiKey]] = {company_id: [] for company_id in company_ids}
    for key in (await session.execute(statement)).scalars():
        grouped[key.company_id].append(key)
    return grouped
