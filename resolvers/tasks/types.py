from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import TaskPriority, TaskStatus
from domain.tasks.queries import SubtaskRow, TaskRow
from resolvers.context import Info
from resolvers.lookahead import loaded, then
from resolvers.nodes import nodes_by_ids, required
from resolvers.scheduling.task_fields import TaskSchedulingFields
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.projects.types import Project

CompanyRef = Annotated["Company", strawberry.lazy("resolvers.companies.types")]
ProjectRef = Annotated["Project", strawberry.lazy("resolvers.projects.types")]


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
    def from_model(cls, row: models.Task | TaskRow) -> Task:
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

    # The relations resolve synchronously when the list holding the task loaded them ahead (resolvers/lookahead.py),
    # and through the dataloaders otherwise; `graphql_type` names what the schema shows either way.
    @strawberry.field(description="The company the task belongs to.", graphql_type=CompanyRef)
    def company(self, info: Info) -> Company | Awaitable[Company]:
        from resolvers.companies.types import Company

        row = loaded(info.context.get_loaders().company, self.company_id)
        return then(row, lambda found: Company.from_model(required(found)))

    @strawberry.field(description="The project, if the task is in one.", graphql_type=ProjectRef | None)
    def project(self, info: Info) -> Project | Awaitable[Project] | None:
        from resolvers.projects.types import Project

        if self.project_id is None:
            return None
        row = loaded(info.context.get_loaders().project, self.project_id)
        return then(row, lambda found: Project.from_model(required(found)))

    @strawberry.field(description="The member the task is assigned to.", graphql_type=User | None)
    def assignee(self, info: Info) -> User | Awaitable[User | None] | None:
        return _user(info, self.assignee_id)

    @strawberry.field(
        description="Who made the task (null for an API key or a removed account).", graphql_type=User | None
    )
    def created_by(self, info: Info) -> User | Awaitable[User | None] | None:
        return _user(info, self.created_by_id)

    @strawberry.field(description="The task's checklist, in order.", graphql_type=list["Subtask"])
    def subtasks(self, info: Info) -> list[Subtask] | Awaitable[list[Subtask]]:
        rows = loaded(info.context.get_loaders().subtasks_of_task, self.id)
        return then(rows, lambda found: [Subtask.from_model(row) for row in found])


def _user(info: Info, user_id: uuid.UUID | None) -> User | Awaitable[User | None] | None:
    if user_id is None:
        return None
    # A former colleague is no longer visible: show nobody rather than fail.
    return then(loaded(info.context.get_loaders().user, user_id), _visible_user)


def _visible_user(row: models.User | None) -> User | None:
    return None if row is None else User.from_model(row)


@strawberry.type(description="One item of a task's checklist.")
class Subtask(relay.Node):
    id: relay.NodeID[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID]
    title: str = strawberry.field(description="What is to be done.")
    done: bool = strawberry.field(description="Whether it is done.")
    position: int = strawberry.field(description="Its place in the checklist, from 0.")

    @classmethod
    def from_model(cls, row: models.Subtask | SubtaskRow) -> Subtask:
        return cls(id=row.id, task_id=row.task_id, title=row.title, done=row.done, position=row.position)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Subtask | None]:
        return await nodes_by_ids(info.context.get_loaders().subtask, node_ids, cls.from_model)

    @strawberry.field(description="The task this item belongs to.")
    async def task(self, info: Info) -> Task:
        return Task.from_model(required(await info.context.get_loaders().task.load(self.task_id)))
