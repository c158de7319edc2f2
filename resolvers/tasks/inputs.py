"""Arguments shared by every task list: the root `tasks`, `Company.tasks` and `Project.tasks`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from db.models import TaskStatus
from domain.tasks.queries import TaskFilter, TaskOrderField
from domain.validation import Checks
from resolvers.connections import page_request
from resolvers.context import Info
from resolvers.enums import OrderDirection
from resolvers.ids import optional_uuid_of
from resolvers.loaders import TaskListArgs


@strawberry.input(description="Narrows a task list; every given condition must hold.")
class TaskFilterInput:
    company_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this company's tasks.")
    project_id: relay.GlobalID | None = strawberry.field(default=None, description="Only this project's tasks.")
    assignee_id: relay.GlobalID | None = strawberry.field(default=None, description="Only tasks assigned to them.")
    status: list[TaskStatus] | None = strawberry.field(default=None, description="Any of these statuses.")
    due_after: datetime | None = strawberry.field(default=None, description="Due at or after this instant.")
    due_before: datetime | None = strawberry.field(default=None, description="Due before this instant.")
    search: str | None = strawberry.field(default=None, description="Title contains this text (any case).")
    tags: list[str] | None = strawberry.field(default=None, description="Carries all of these tags.")

    def to_domain(self) -> TaskFilter:
        checks = Checks()
        checks.text("filter.search", self.search, max_length=200, required=False)
        checks.tags("filter.tags", self.tags)
        checks.raise_if_any()
        return TaskFilter(
            company_id=optional_uuid_of(self.company_id, "Company"),
            project_id=optional_uuid_of(self.project_id, "Project"),
            assignee_id=optional_uuid_of(self.assignee_id, "User"),
            statuses=tuple(self.status or ()),
            due_after=self.due_after,
            due_before=self.due_before,
            search=self.search or None,
            # Stored tags are trimmed, so the filter's are too.
            tags=tuple(sorted({tag.strip() for tag in self.tags or ()})),
        )


@strawberry.input(description="How a task list is sorted; ties are broken by id, so pages never overlap.")
class TaskOrder:
    field: TaskOrderField = strawberry.field(default=TaskOrderField.CREATED_AT, description="The sort key.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="The direction.")


FilterArgument = Annotated[
    TaskFilterInput | None, strawberry.argument(description="Only tasks that meet every given condition.")
]
OrderArgument = Annotated[TaskOrder | None, strawberry.argument(description="The order; oldest first by default.")]


def task_list_args(
    info: Info,
    task_filter: TaskFilterInput | None,
    order_by: TaskOrder | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> TaskListArgs:
    order = order_by or TaskOrder()
    return (
        (task_filter or TaskFilterInput()).to_domain(),
        order.field,
        order.direction is OrderDirection.DESC,
        page_request(first, after, info.context.services.max_page_size, last=last, before=before),
    )
