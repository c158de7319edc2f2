from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids, required
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.tasks.types import Task


@strawberry.type(description="Time a person spent, in one company, optionally on a task. Running while it has no end.")
class TimeEntry(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID | None]
    started_at: datetime = strawberry.field(description="When the timer started.")
    ended_at: datetime | None = strawberry.field(description="When it stopped; null while running.")
    note: str = strawberry.field(description="What the time was spent on.")

    @classmethod
    def from_model(cls, row: models.TimeEntry) -> TimeEntry:
        return cls(
            id=row.id,
            company_id=row.company_id,
            user_id=row.user_id,
            task_id=row.task_id,
            started_at=row.started_at,
            ended_at=row.ended_at,
            note=row.note,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TimeEntry | None]:
        return await nodes_by_ids(info.context.get_loaders().time_entry, node_ids, cls.from_model)

    @strawberry.field(description="True while the timer runs.")
    def running(self) -> bool:
        return self.ended_at is None

    @strawberry.field(description="Seconds tracked so far.")
    def duration_seconds(self) -> int:
        end = self.ended_at or datetime.now(UTC)
        return max(0, int((end - self.started_at).total_seconds()))

    @strawberry.field(description="The person who tracked the time.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))

    @strawberry.field(description="The company the time counts for.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The task, if the time was spent on one.")
    async def task(self, info: Info) -> Annotated[Task, strawberry.lazy("resolvers.tasks.types")] | None:
        from resolvers.tasks.types import Task

        if self.task_id is None:
            return None
        row = await info.context.get_loaders().task.load(self.task_id)
        return None if row is None else Task.from_model(row)
