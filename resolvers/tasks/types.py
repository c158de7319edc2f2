from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import TaskPriority, TaskStatus
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids, required
from resolvers.scheduling.task_fields import TaskSchedulingFields
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.projects.types import Project


@strawberry.type(description="A piece of work in one company, optionally in a project and assigned to a member.")
class Task(relay.Node, TaskSchedulingFields):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID | None]
    assignee_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    title: str = strawberry.field(description="What is to be done.")
    description: str = strawberry.field(description="Details, in plain text or Markdown.")
    status: TaskStatus = strawberry.field(description="Where the task stands.")
    priority: TaskPriority = strawberry.field(description="How much the task matters.")
    effort: int | None = strawberry.field(description="Effort from 1 (light) to 5 (heavy).")
    estimated_minutes: int | None = strawberry.field(description="The estimate, in minutes.")
    due_at: datetime | None = strawberry.field(description="When the task is due.")
    start_after: datetime | None = strawberry.field(description="The task cannot start before this instant.")
    tags: list[str] = strawberry.field(description="Free-form labels, sorted.")
    completed_at: datetime | None = strawberry.field(description="When the task was done.")
    created_at: datetime = strawberry.field(description="When the task was made.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")

    @classmethod
    def from_model(cls, row: models.Task) -> Task:
        return cls(
            id=row.id,
            company_id=row.company_id,
            project_id=row.project_id,
            assignee_id=row.assignee_id,
            created_by_id=row.created_by,
            title=row.title,
            description=row.description,
            status=TaskStatus(row.status),
            priority=TaskPriority(row.priority),
            effort=row.effort,
            estimated_minutes=row.estimated_minutes,
            due_at=row.due_at,
            start_after=row.start_after,
            tags=list(row.tags),
            completed_at=row.completed_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Task | None]:
        return await nodes_by_ids(info.context.get_loaders().task, node_ids, cls.from_model)

    @strawberry.field(description="The company the task belongs to.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The project, if the task is in one.")
    async def project(self, info: Info) -> Annotated[Project, strawberry.lazy("resolvers.projects.types")] | None:
        from resolvers.projects.types import Project

        if self.project_id is None:
            return None
        return Project.from_model(required(await info.context.get_loaders().project.load(self.project_id)))

    @strawberry.field(description="The member the task is assigned to.")
    async def assignee(self, info: Info) -> User | None:
        return await _user(info, self.assignee_id)

    @strawberry.field(description="Who made the task (null for an API key or a removed account).")
    async def created_by(self, info: Info) -> User | None:
        return await _user(info, self.created_by_id)

    @strawberry.field(description="The task's checklist, in order.")
    async def subtasks(self, info: Info) -> list[Subtask]:
        rows = await info.context.get_loaders().subtasks_of_task.load(self.id)
        return [Subtask.from_model(row) for row in rows]


async def _user(info: Info, user_id: uuid.UUID | None) -> User | None:
    if user_id is None:
        return None
    # A former colleague is no longer visible: show nobody rather than fail.
    row = await info.context.get_loaders().user.load(user_id)
    return None if row is None else User.from_model(row)


@strawberry.type(description="One item of a task's checklist.")
class Subtask(relay.Node):
    id: relay.NodeID[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID]
    title: str = strawberry.field(description="What is to be done.")
    done: bool = strawberry.field(description="Whether it is done.")
    position: int = strawberry.field(description="Its place in the checklist, from 0.")

    @classmethod
    def from_model(cls, row: models.Subtask) -> Subtask:
        return cls(id=row.id, task_id=row.task_id, title=row.title, done=row.done, position=row.position)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Subtask | None]:
        return await nodes_by_ids(info.context.get_loaders().subtask, node_ids, cls.from_model)

    @strawberry.field(description="The task this item belongs to.")
    async def task(self, info: Info) -> Task:
        return Task.from_model(required(await info.context.get_loaders().task.load(self.task_id)))
