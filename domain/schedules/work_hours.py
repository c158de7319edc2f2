"""Work hours a person keeps for one company, in place of the hours and zone on their account. Plans place each
task inside the hours of its company; the person's own hours apply where they set none. Only the person sets
them (the policies say so); members of the company read them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import MembershipWorkHours
from domain.db_errors import refusals
from domain.errors import Forbidden, NotFound
from domain.lookups import require_company
from domain.validation import Checks

FIELDS = {"membership_work_hours_person_fkey": "companyId"}
REFUSED = Forbidden("Only the person may set their work hours.")


async def set_hours(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    user_id: uuid.UUID,
    time_zone: str,
    start: time,
    end: time,
    days: Sequence[int],
) -> MembershipWorkHours:
    checks = Checks()
    checks.time_zone("timeZone", time_zone)
    checks.work_hours("workDayEnd", start, end)
    checks.weekdays("workDays", days)
    checks.raise_if_any()
    await require_company(session, company_id)
    values = {
        "time_zone": time_zone,
        "work_day_start": start.replace(second=0, microsecond=0),
        "work_day_end": end.replace(second=0, microsecond=0),
        "work_days": sorted(set(days)),
        "updated_at": datetime.now(UTC),
    }
    statement = insert(MembershipWorkHours).values(company_id=company_id, user_id=user_id, **values)
    async with refusals(fields=FIELDS, refused=REFUSED):
        await session.execute(statement.on_conflict_do_update(index_elements=["company_id", "user_id"], set_=values))
    row = await session.get(MembershipWorkHours, (company_id, user_id), populate_existing=True)
    if row is None:
        raise NotFound("No such Company.")
    return row


async def clear_hours(session: AsyncSession, *, company_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Back to the person's own hours for the company; NotFound when none were set there."""
    mine = sa.and_(col(MembershipWorkHours.company_id) == company_id, col(MembershipWorkHours.user_id) == user_id)
    result = await session.execute(sa.delete(MembershipWorkHours).where(mine))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No work hours set for this company.")


async def hours_of(session: AsyncSession, user_id: uuid.UUID) -> dict[uuid.UUID, MembershipWorkHours]:
    """The person's hours per company, in the companies the caller may see."""
    statement = sa.select(MembershipWorkHours).where(col(MembershipWorkHours.user_id) == user_id)
    return {row.company_id: row for row in (await session.execute(statement)).scalars()}
