"""Timers: a person runs at most one at a time, across all their companies (a unique index says so)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NamedTuple

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from base.clock import utcnow
from db.models import Company, TimeEntry
from domain.db_errors import refusals
from domain.errors import Conflict, Forbidden, NotFound
from domain.events.service import EventType, record, record_on, snapshot
from domain.tasks.service import get_task
from domain.validation import Checks


async def running_timer(session: AsyncSession, user_id: uuid.UUID) -> TimeEntry | None:
    statement = sa.select(TimeEntry).where(col(TimeEntry.user_id) == user_id, col(TimeEntry.ended_at).is_(None))
    return (await session.execute(statement)).scalars().first()


async def stop_timer(session: AsyncSession, user_id: uuid.UUID) -> TimeEntry:
    entry = await running_timer(session, user_id)
    if entry is None:
        raise NotFound("No timer is running.")
    entry.ended_at = max(utcnow(), entry.started_at)
    async with refusals():
        await session.flush()
    await _record(session, EventType.TIMER_STOPPED, entry)
    return entry


def _check_start(company_id: uuid.UUID | None, task_id: uuid.UUID | None, note: str) -> None:
    checks = Checks()
    checks.text("note", note, max_length=2000, required=False)
    if task_id is None and company_id is None:
        checks.fail("companyId", "Name a company or a task.")
    checks.raise_if_any()


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
    _check_start(company_id, task_id, note)
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


class TimeEntryRow(NamedTuple):
    """A time entry as the driver returns it, with the model's attributes."""

    id: uuid.UUID
    company_id: uuid.UUID
    user_id: uuid.UUID
    task_id: uuid.UUID | None
    started_at: datetime
    ended_at: datetime | None
    note: str
    created_at: datetime


_COLUMNS = ", ".join(TimeEntryRow._fields)
_TASK_COMPANY_SQL = "SELECT company_id FROM tasks WHERE id = $1"
_VISIBLE_COMPANY_SQL = "SELECT true FROM companies WHERE id = $1"
_RUNNING_SQL = "SELECT true FROM time_entries WHERE user_id = $1 AND ended_at IS NULL"
# The running timer, stopped as `stop_timer` stops it: now, or its start when it starts in the future.
_STOP_SQL = (
    f"UPDATE time_entries SET ended_at = greatest($2::timestamptz, started_at) WHERE user_id = $1"
    f" AND ended_at IS NULL RETURNING {_COLUMNS}"
)
_INSERT_SQL = (
    f"INSERT INTO time_entries ({_COLUMNS})"
    f" VALUES ({', '.join(f'${n}' for n in range(1, len(TimeEntryRow._fields) + 1))})"
)


async def start_timer_on(
    connection: asyncpg.Connection,
    *,
    user_id: uuid.UUID,
    company_id: uuid.UUID | None,
    task_id: uuid.UUID | None,
    note: str,
    stop_running: bool,
) -> TimeEntryRow | None:
    """`start_timer` in a transaction run straight through the driver (db.tenant.write_as): the same rows and
    events, in the same order. None where `start_timer` raises a typed error (it words it): no such task or
    company, a timer running without `stop_running`. A refused row raises the driver's error, unworded."""
    _check_start(company_id, task_id, note)
    if task_id is not None:
        company_id = await connection.fetchval(_TASK_COMPANY_SQL, task_id)
        if company_id is None:
            return None
    elif await connection.fetchval(_VISIBLE_COMPANY_SQL, company_id) is None:
        return None
    if not stop_running:
        if await connection.fetchval(_RUNNING_SQL, user_id) is not None:
            return None
    else:
        stopped = await connection.fetchrow(_STOP_SQL, user_id, utcnow())
        if stopped is not None:
            await _record_on(connection, EventType.TIMER_STOPPED, TimeEntryRow(*stopped))
    now = utcnow()
    assert company_id is not None
    entry = TimeEntryRow(uuid.uuid4(), company_id, user_id, task_id, now, None, note, now)
    await connection.execute(_INSERT_SQL, *entry)
    await _record_on(connection, EventType.TIMER_STARTED, entry)
    return entry


_SNAPSHOT = ("id", "company_id", "user_id", "task_id", "started_at", "ended_at", "note")


async def _record(session: AsyncSession, event_type: EventType, entry: TimeEntry) -> None:
    data = {"time_entry": snapshot(entry, _SNAPSHOT)}
    await record(session, event_type, company_id=entry.company_id, subject_id=entry.id, data=data)


async def _record_on(connection: asyncpg.Connection, event_type: EventType, entry: TimeEntryRow) -> None:
    data = {"time_entry": snapshot(entry, _SNAPSHOT)}
    await record_on(
        connection, event_type, company_id=entry.company_id, subject_id=entry.id, actor_user_id=entry.user_id, data=data
    )
