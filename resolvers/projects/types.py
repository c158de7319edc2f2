from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from domain.projects.queries import ProjectRow
from resolvers.connections import After, Before, Connection, First, Last, connection_of
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids, required
from resolvers.tasks.inputs import FilterArgument, OrderArgument, task_list_args
from resolvers.tasks.lookahead import load_task_relations

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.tasks.types import Task


@strawberry.type(description="A project groups tasks inside one company.")
class Project(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The project's name.")
    description: str = strawberry.field(description="What the project is about.")
    archived: bool = strawberry.field(description="Archived projects are kept but hidden from active lists.")
    created_at: datetime = strawberry.field(description="When the project was made.")
    updated_at: datetime = strawberry.field(description="When the project last changed.")

    @classmethod
    def from_model(cls, row: models.Project | ProjectRow) -> Project:
        return cls(
            id=row.id,
            company_id=row.company_id,
            name=row.name,
            description=row.description,
            archived=row.archived,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Project | None]:
        return await nodes_by_ids(info.context.get_loaders().project, node_ids, cls.from_model)

    @strawberry.field(description="The company the project belongs to.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The project's tasks.")
    async def tasks(
        self,
        info: Info,
        filter: FilterArgument = None,
        order_by: OrderArgument = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Task, strawberry.lazy("resolvers.tasks.types")]]:
        from resolvers.tasks.types import Task

        args = task_list_args(info, filter, order_by, first, after, last, before)
        page = await info.context.get_loaders().tasks_of_project.load((self.id, args))
        await load_task_relations(info, page.rows)
        return connection_of(page, Task.from_model)
