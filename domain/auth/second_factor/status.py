"""What a person may know of their own second factor, and which of their companies require one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SecondFactor
from domain.auth.second_factor.enrolment import recovery_codes_left


@dataclass(frozen=True, slots=True)
class CompanyRequirement:
    company_id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class Status:
    enabled: bool
    enrolling: bool
    recovery_codes_left: int
    required_by: list[CompanyRequirement]


async def status_of(session: AsyncSession, user_id: uuid.UUID) -> Status:
    factor = await session.get(SecondFactor, user_id)
    enabled = factor is not None and factor.enabled_at is not None
    rows = await session.execute(sa.text("SELECT company_id, name FROM rhythm.companies_requiring_second_factor()"))
    return Status(
        enabled=enabled,
        enrolling=factor is not None and not enabled,
        recovery_codes_left=await recovery_codes_left(session, user_id) if enabled else 0,
        required_by=[CompanyRequirement(company_id=row.company_id, name=row.name) for row in rows],
    )
