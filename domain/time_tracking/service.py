"""Timers: a person runs at most one at a time, across all their companies (a unique index says so)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Company, TimeEntry
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden, NotFound
from domain.events.service import EventType, record, snapshot
from domain.tasks.service import get_task
from domain.validation import Checks


async def running_timer(session: AsyncSession, user_id: uuid.UUID) -> TimeEntry | None:
    statement = sa.select(TimeEntry).where(col(TimeEntry.user_id) == user_id, col(TimeEntry.ended_at).is_(None))
    return (await session.execute(statement)).scalars().first()


async def stop_timer(session: AsyncSession, user_id: uuid.UUID) -> TimeEntry:
    entry = await running_timer(session, user_id)
    if entry is None:
        raise NotFound("No timer is running.")
    entry.ended_at = max(datetime.now(UTC), entry.started_at)
    async with refusals():
        await session.flush()
    await _record(session, EventType.TIMER_STOPPED, entry)
    return entry


async def start_timer(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    company_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    note: str,
    stop_running: bool,
) -> TimeEntry:
    """Start a timer on a task (in the task's company) or, without a task, in `company_id`."""
    checks = Checks()
    checks.text("note", note, max_length=2000, required=False)
    if task_id is None and company_id is None:
        checks.fail("companyId", "Name a company or a task.")
    checks.raise_if_any()
    if task_id is not None:
        # A task is visible only through its company, so the company needs no look of its own.
        company_id = (await get_task(session, task_id)).company_id
    elif company_id is None or await session.get(Company, company_id) is None:
        raise NotFound("No such Company.")
    if await running_timer(session, user_id) is not None:
        if not stop_running:
            raise Conflict("A timer is already running: stop it first, or start with stopRunning.")
        await stop_timer(session, user_id)
    entry = TimeEntry(company_id=company_id, user_id=user_id, task_id=task_id, note=note)
    # The unique index settles a race between two starts.
    async with refusals(refused=Forbidden("You may not track time in this company.")):
        session.add(entry)
        await session.flush()
    await _record(session, EventType.TIMER_STARTED, entry)
    return entry


async def _record(session: AsyncSession, event_type: EventType, entry: TimeEntry) -> None:
    data = {"time_entry": snapshot(entry, ("id", "company_id", "user_id", "task_id", "started_at", "ended_at", "note"))}
    await record(session, event_type, company_id=entry.company_id, subject_id=entry.id, data=data)
