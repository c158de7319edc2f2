"""The job ledger (`job_runs`): a job takes effect once, by claiming its key in the same transaction as its
effect; a redelivered job finds its key taken and does nothing."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import JobRun


async def first_run(session: AsyncSession, job_key: str, company_id: uuid.UUID) -> bool:
    """True the first time `job_key` runs to commit; False on a redelivery of a job that already took effect."""
    statement = (
        insert(JobRun)
        .values(job_key=job_key, company_id=company_id)
        .on_conflict_do_nothing(index_elements=["job_key"])
        .returning(col(JobRun.job_key))
    )
    return (await session.execute(statement)).first() is not None
