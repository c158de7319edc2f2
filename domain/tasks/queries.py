"""Reading tasks: filters and orderings shared by every task list, root or nested."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from db.models import Project, Subtask, Task, TaskStatus
from domain.pagination import (
    Children,
    Page,
    PageRequest,
    SortKey,
    alias_of,
    page_of,
    pages_two_levels_down,
    parse_datetime,
    parse_uuid,
    rows_per_parent,
)
from domain.projects.queries import PROJECT_ORDER, PROJECT_ROWS, ProjectRow, project_conditions

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
            where.append(task.title.ilike(f"%{escape_like(self.search)}%", escape="\\"))
        if self.tags:
            where.append(task.tags.contains(list(self.tags)))
        return where


def escape_like(text: str) -> str:
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


class TaskRow(NamedTuple):
    """A task as lists show it: a plain tuple, several times cheaper to read than an ORM instance."""

    id: uuid.UUID
    company_id: uuid.UUID
    project_id: uuid.UUID | None
    title: str
    description: str
    status: str
    priority: int
    effort: int | None
    estimated_minutes: int | None
    due_at: datetime | None
    start_after: datetime | None
    assignee_id: uuid.UUID | None
    tags: list[str]
    completed_at: datetime | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


def _task_rows(parent_column: str, task_filter: TaskFilter, sort: SortKey, request: PageRequest) -> Children[TaskRow]:
    return Children(Task, parent_column, task_filter.conditions, sort, request, TaskRow._fields, TaskRow._make)


async def tasks_per_parent(
    session: AsyncSession,
    parent_column: str,
    parent_ids: Sequence[uuid.UUID],
    task_filter: TaskFilter,
    sort: SortKey,
    request: PageRequest,
) -> dict[uuid.UUID, Page[TaskRow]]:
    return await rows_per_parent(session, parent_ids, _task_rows(parent_column, task_filter, sort, request))


async def projects_with_tasks_per_company(
    session: AsyncSession,
    company_ids: Sequence[uuid.UUID],
    archived: bool | None,
    project_request: PageRequest,
    tasks: tuple[TaskFilter, SortKey, PageRequest],
) -> tuple[dict[uuid.UUID, Page[ProjectRow]], dict[uuid.UUID, Page[TaskRow]]]:
    """A page of projects for each company and a page of tasks for each of those projects, in one statement:
    the pages `projects_per_company` and `tasks_per_parent` by project would return."""
    task_filter, sort, task_request = tasks
    projects = Children(
        Project, "company_id", project_conditions(archived), PROJECT_ORDER, project_request, *PROJECT_ROWS
    )
    return await pages_two_levels_down(
        session, company_ids, projects, _task_rows("project_id", task_filter, sort, task_request)
    )


class SubtaskRow(NamedTuple):
    """A checklist item as lists show it: a plain tuple, several times cheaper to read than an ORM instance."""

    id: uuid.UUID
    task_id: uuid.UUID
    title: str
    done: bool
    position: int


async def subtasks_of(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SubtaskRow]]:
    """Each task's checklist in order. A LATERAL join per task walks (task_id, position, id) and needs no sort;
    `task_id = ANY(...)` alone lets the planner AND it with the policy's company index, which reads every
    subtask of the caller's companies."""
    tasks = sa.func.unnest(sa.cast(list(task_ids), sa.ARRAY(sa.Uuid))).table_valued("id").render_derived()
    subtask = alias_of(Subtask, "checklist")
    checklist = (
        sa.select(*(getattr(subtask, name) for name in SubtaskRow._fields))
        .where(col(subtask.task_id) == tasks.c.id)
        .order_by(subtask.position, subtask.id)
        .lateral("checklist")
    )
    statement = sa.select(checklist).select_from(tasks).join(checklist, sa.true())
    grouped: dict[uuid.UUID, list[SubtaskRow]] = {task_id: [] for task_id in task_ids}
    for row in await session.execute(statement):
        item = SubtaskRow._make(row)
        grouped[item.task_id].append(item)
    return grouped
