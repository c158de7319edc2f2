"""Reading tasks: filters and orderings shared by every task list, root or nested."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from db.models import Subtask, Task, TaskStatus
from domain.pagination import (
    Page,
    PageRequest,
    SortKey,
    page_of,
    pages_per_parent,
    parse_datetime,
    parse_uuid,
)
from domain.reads import any_of

# Far beyond any due date, so tasks without one sort last in ascending order.
NO_DUE_DATE = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


class TaskOrderField(enum.Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_AT = "due_at"
    PRIORITY = "priority"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class TaskFilter:
    company_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    statuses: tuple[TaskStatus, ...] = ()
    due_after: datetime | None = None
    due_before: datetime | None = None
    search: str | None = None
    tags: tuple[str, ...] = ()

    def conditions(self, task: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.company_id is not None:
            where.append(task.company_id == self.company_id)
        if self.project_id is not None:
            where.append(task.project_id == self.project_id)
        if self.assignee_id is not None:
            where.append(task.assignee_id == self.assignee_id)
        if self.statuses:
            where.append(task.status.in_([status.value for status in self.statuses]))
        if self.due_after is not None:
            where.append(task.due_at >= self.due_after)
        if self.due_before is not None:
            where.append(task.due_at < self.due_before)
        if self.search:
            where.append(task.title.ilike(f"%{_escape_like(self.search)}%", escape="\\"))
        if self.tags:
            where.append(task.tags.contains(list(self.tags)))
        return where


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _column(field: TaskOrderField, task: Any) -> ColumnElement[Any]:
    if field is TaskOrderField.DUE_AT:
        return sa.func.coalesce(task.due_at, NO_DUE_DATE)
    return getattr(task, field.value)  # type: ignore[no-any-return]


def _value(field: TaskOrderField, row: Any) -> Any:
    value = getattr(row, field.value)
    return NO_DUE_DATE if field is TaskOrderField.DUE_AT and value is None else value


_PARSERS: dict[TaskOrderField, Any] = {
    TaskOrderField.CREATED_AT: parse_datetime,
    TaskOrderField.UPDATED_AT: parse_datetime,
    TaskOrderField.DUE_AT: parse_datetime,
    TaskOrderField.PRIORITY: int,
    TaskOrderField.TITLE: str,
}


@cache
def task_sort(field: TaskOrderField = TaskOrderField.CREATED_AT, *, descending: bool = False) -> SortKey:
    return SortKey(
        # The direction is part of the name: a cursor is a position in one ordering only.
        name=f"task:{field.value}:{'desc' if descending else 'asc'}",
        columns=lambda task: [_column(field, task), task.id],
        values=lambda row: [_value(field, row), row.id],
        parsers=[_PARSERS[field], parse_uuid],
        descending=descending,
    )


async def list_tasks(session: AsyncSession, task_filter: TaskFilter, sort: SortKey, request: PageRequest) -> Page[Task]:
    return await page_of(session, Task, task_filter.conditions(Task), sort, request)


async def tasks_per_parent(
    session: AsyncSession,
    parent_column: str,
    parent_ids: Sequence[uuid.UUID],
    task_filter: TaskFilter,
    sort: SortKey,
    request: PageRequest,
) -> dict[uuid.UUID, Page[Task]]:
    return await pages_per_parent(session, Task, parent_column, parent_ids, task_filter.conditions, sort, request)


async def subtasks_of(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Subtask]]:
    statement = (
        sa.select(Subtask)
        .where(col(Subtask.task_id) == any_of(task_ids))
        .order_by(Subtask.task_id, Subtask.position, Subtask.id)  # type: ignore[arg-type]
    )
    grouped: dict[uuid.UUID, list[Subtask]] = {task_id: [] for task_id in task_ids}
    for subtask in (await session.execute(statement)).scalars():
        grouped[subtask.task_id].append(subtask)
    return grouped
