"""The scheduling fields of a task (duration, chunks, deadline kind, deep or shallow) and its dependencies."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import TaskDependency, TaskScheduling
from domain.changes import UNCHANGED, Change, Unchanged
from domain.db_errors import refusals
from domain.errors import Forbidden, invalid
from domain.events.service import EventType
from domain.reads import any_of
from domain.tasks import service as tasks
from domain.validation import Checks

FIELDS = {
    "task_dependencies_depends_on_fkey": "dependsOn",
    "task_dependencies_not_itself": "dependsOn",
    "task_scheduling_chunks": "maxChunkMinutes",
}


@dataclass(slots=True)
class SchedulingChanges:
    duration_minutes: Change[int | None] = UNCHANGED
    splittable: Change[bool] = UNCHANGED
    min_chunk_minutes: Change[int] = UNCHANGED
    max_chunk_minutes: Change[int | None] = UNCHANGED
    deadline_kind: Change[str] = UNCHANGED
    work_kind: Change[str] = UNCHANGED
    # Replaces the task's dependencies when given.
    depends_on: Change[list[uuid.UUID]] = UNCHANGED

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if not isinstance(v := getattr(self, f.name), Unchanged)}


def _check(settings: TaskScheduling, depends_on: list[uuid.UUID] | None) -> None:
    checks = Checks()
    checks.between("durationMinutes", settings.duration_minutes, 1, 100_000)
    checks.between("minChunkMinutes", settings.min_chunk_minutes, 5, 1440)
    checks.between("maxChunkMinutes", settings.max_chunk_minutes, 5, 1440)
    if settings.max_chunk_minutes is not None and settings.max_chunk_minutes < settings.min_chunk_minutes:
        checks.fail("maxChunkMinutes", "Must be at least the minimum chunk.")
    if depends_on is not None and len(depends_on) > 50:
        checks.fail("dependsOn", "At most 50 dependencies.")
    checks.raise_if_any()


async def settings_of(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskScheduling]:
    statement = sa.select(TaskScheduling).where(col(TaskScheduling.task_id) == any_of(task_ids))
    return {row.task_id: row for row in (await session.execute(statement)).scalars()}


async def dependencies_of(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    statement = sa.select(TaskDependency).where(col(TaskDependency.task_id) == any_of(task_ids))
    grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for row in (await session.execute(statement)).scalars():
        grouped[row.task_id].append(row.depends_on_id)
    return {task_id: sorted(grouped[task_id]) for task_id in task_ids}


async def set_scheduling(session: AsyncSession, task_id: uuid.UUID, changes: SchedulingChanges) -> TaskScheduling:
    task = await tasks.get_task(session, task_id)
    settings = await session.get(TaskScheduling, task_id) or TaskScheduling(task_id=task_id, company_id=task.company_id)
    depends_on = None if isinstance(changes.depends_on, Unchanged) else sorted(set(changes.depends_on))
    for name, value in changes.given().items():
        if name != "depends_on":
            setattr(settings, name, value)
    _check(settings, depends_on)
    if depends_on is not None and task_id in depends_on:
        raise invalid("dependsOn", "A task cannot depend on itself.")
    settings.updated_at = datetime.now(UTC)
    refused = Forbidden("You may not change tasks in this company.")
    async with refusals(fields=FIELDS, refused=refused):
        session.add(settings)
        if depends_on is not None:
            await session.execute(sa.delete(TaskDependency).where(col(TaskDependency.task_id) == task_id))
            session.add_all(
                TaskDependency(task_id=task_id, depends_on_id=other, company_id=task.company_id) for other in depends_on
            )
        await session.flush()
    await tasks.record_task_event(session, EventType.TASK_UPDATED, task, changed={"scheduling": True})
    return settings
