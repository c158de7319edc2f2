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
from domain.events.service import (
    EventType,
    outbox_insert_after,
    outbox_insert_from,
    outbox_parameters,
    outbox_values,
    record,
    snapshot,
)
from domain.sql_json import snapshot_sql
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
_SNAPSHOT = ("id", "company_id", "user_id", "task_id", "started_at", "ended_at", "note")
_TIME_ENTRIES = TimeEntry.__table__  # type: ignore[attr-defined]
# The running timer stopped and its event, in one statement: the event written over the row the UPDATE returns
# ($1 the person, $2 the time, then `outbox_parameters`), its payload written by PostgreSQL as `_event_data` writes it.
_STOP_WITH_EVENT_SQL = (
    f"WITH stopped AS ({_STOP_SQL}), event AS ("
    + outbox_insert_from(
        "stopped",
        company_id="stopped.company_id",
        event_type=f"'{EventType.TIMER_STOPPED.value}'",
        subject_id="stopped.id",
        payload=f"jsonb_build_object('time_entry', {snapshot_sql(_TIME_ENTRIES, 'stopped', _SNAPSHOT)})",
        first=3,
    )
    + ") SELECT * FROM stopped"
)
# The new entry and its event, in one statement: the entry's columns, then OUTBOX_INSERT_SQL's.
_START_WITH_EVENT_SQL = f"WITH entry AS ({_INSERT_SQL}) {outbox_insert_after(len(TimeEntryRow._fields))}"


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
        await connection.execute(_STOP_WITH_EVENT_SQL, user_id, utcnow(), *outbox_parameters(user_id))
    now = utcnow()
    assert company_id is not None
    entry = TimeEntryRow(uuid.uuid4(), company_id, user_id, task_id, now, None, note, now)
    event = outbox_values(
        EventType.TIMER_STARTED,
        company_id=entry.company_id,
        subject_id=entry.id,
        actor_user_id=user_id,
        data=_event_data(entry),
    )
    await connection.execute(_START_WITH_EVENT_SQL, *entry, *event)
    return entry


async def _record(session: AsyncSession, event_type: EventType, entry: TimeEntry) -> None:
    await record(session, event_type, company_id=entry.company_id, subject_id=entry.id, data=_event_data(entry))


def _event_data(entry: TimeEntry | TimeEntryRow) -> dict[str, object]:
    return {"time_entry": snapshot(entry, _SNAPSHOT)}
