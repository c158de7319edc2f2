"""Batched reads for the scheduling dataloaders: one statement for any number of parents."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Calendar, CalendarEvent, Task, TimeBlock
from domain import reads
from domain.pagination import Page, PageRequest, page_of, pages_per_parent
from domain.planner import DurationPrediction
from domain.reads import any_of
from domain.schedules.durations import models_of
from domain.schedules.task_fields import settings_of

CALENDAR_ORDER = reads.created_order("calendar")
EVENT_ORDER = reads.created_order("calendar_event")


async def calendars_of(session: AsyncSession, user_id: uuid.UUID, request: PageRequest) -> Page[Calendar]:
    return await page_of(session, Calendar, [col(Calendar.owner_id) == user_id], CALENDAR_ORDER, request)


async def events_per_calendar(
    session: AsyncSession, calendar_ids: Sequence[uuid.UUID], request: PageRequest
) -> dict[uuid.UUID, Page[CalendarEvent]]:
    return await pages_per_parent(
        session, CalendarEvent, "calendar_id", calendar_ids, lambda _: [], EVENT_ORDER, request
    )


async def blocks_per_task(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[TimeBlock]]:
    statement = (
        sa.select(TimeBlock)
        .where(col(TimeBlock.task_id) == any_of(task_ids))
        .order_by(col(TimeBlock.starts_at), col(TimeBlock.id))
    )
    grouped: dict[uuid.UUID, list[TimeBlock]] = defaultdict(list)
    for row in (await session.execute(statement)).scalars():
        if row.task_id is not None:
            grouped[row.task_id].append(row)
    return grouped


async def predictions(
    session: AsyncSession, tasks: Sequence[Task], viewer_id: uuid.UUID | None
) -> dict[uuid.UUID, DurationPrediction | None]:
    """Each task's predicted duration from its assignee's history (the viewer's for an unassigned task); None
    for a task without an estimate."""
    people = {task.id: task.assignee_id or viewer_id for task in tasks}
    models = await models_of(session, sorted({p for p in people.values() if p is not None}))
    settings = await settings_of(session, [task.id for task in tasks])
    found: dict[uuid.UUID, DurationPrediction | None] = {}
    for task in tasks:
        person, own = people[task.id], settings.get(task.id)
        if task.estimated_minutes is None or person is None:
            found[task.id] = None
            continue
        kind = own.work_kind if own is not None else "shallow"
        found[task.id] = models[person].predict(task.estimated_minutes, kind)
    return found
