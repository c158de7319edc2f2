"""Jobs take effect once: each claims its key in the job ledger, in the same transaction as its effect."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import JobRun, OutboxEvent


async def first_run(session: AsyncSession, job_key: str, company_id: uuid.UUID) -> bool:
    """True the first time `job_key` runs to commit; False on a redelivery of a job that already took effect."""
    statement = (
        insert(JobRun)
        .values(job_key=job_key, company_id=company_id)
        .on_conflict_do_nothing(index_elements=["job_key"])
        .returning(col(JobRun.job_key))
    )
    return (await session.execute(statement)).first() is not None


async def load_event(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    statement = sa.select(OutboxEvent).where(col(OutboxEvent.id) == event_id)
    return (await session.execute(statement)).scalars().first()


async def complete(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> None:
    """Record that every reaction to these events ran: the relay stops dispatching them."""
    await session.execute(text("SELECT rhythm.complete_events(:ids)"), {"ids": list(event_ids)})
