"""Task lists in compiled reads: every filter and ordering of `tasks`, `Company.tasks` and `Project.tasks`.

The arguments are read by the resolvers' own input types (`TaskFilterInput.to_domain`), so a value they refuse
(a search too long, an id of another type) declines compilation and the resolvers report it; the conditions
and orderings are `domain.tasks.queries`' written as SQL, and cursors name the same orderings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry import relay
from strawberry.relay.types import GlobalIDValueError

from domain.errors import DomainError
from domain.tasks.queries import NO_DUE_DATE, TaskFilter, TaskOrderField, escape_like, task_sort
from resolvers.compiled.columns import (
    Condition,
    Declined,
    Expr,
    Ordering,
    SortColumn,
    as_text,
    column,
    instant_of,
    json_ascii,
)
from resolvers.enums import OrderDirection
from resolvers.tasks.inputs import TaskFilterInput


def _due(alias: str) -> str:
    # Tasks without a due date sort as if due at the end of time, as `domain.tasks.queries` orders them.
    return f"coalesce({alias}.due_at, '{NO_DUE_DATE.isoformat()}'::timestamptz)"


_KEYS: dict[TaskOrderField, tuple[Expr, Expr]] = {
    TaskOrderField.CREATED_AT: (column("created_at"), instant_of(column("created_at"))),
    TaskOrderField.UPDATED_AT: (column("updated_at"), instant_of(column("updated_at"))),
    TaskOrderField.DUE_AT: (_due, instant_of(_due)),
    TaskOrderField.PRIORITY: (column("priority"), as_text(column("priority"))),
    TaskOrderField.TITLE: (column("title"), json_ascii(column("title"))),
}


@cache
def task_ordering(field: TaskOrderField = TaskOrderField.CREATED_AT, *, descending: bool = False) -> Ordering:
    expression, text = _KEYS[field]
    return Ordering(
        task_sort(field, descending=descending),
        (SortColumn(expression, text), SortColumn(column("id"), as_text(column("id")))),
    )


def task_list_arguments(arguments: dict[str, Any]) -> tuple[Ordering, list[Condition]]:
    """The ordering and conditions of `filter` and `orderBy` (popped from `arguments`)."""
    order = arguments.pop("orderBy", None) or {}
    field = order.get("field", TaskOrderField.CREATED_AT)
    direction = order.get("direction", OrderDirection.ASC)
    return task_ordering(field, descending=direction is OrderDirection.DESC), _conditions(
        _task_filter(arguments.pop("filter", None))
    )


def _task_filter(given: dict[str, Any] | None) -> TaskFilter:
    if not given:
        return TaskFilter()
    try:
        return TaskFilterInput(
            company_id=_global_id(given.get("companyId")),
            project_id=_global_id(given.get("projectId")),
            assignee_id=_global_id(given.get("assigneeId")),
            status=given.get("status"),
            due_after=given.get("dueAfter"),
            due_before=given.get("dueBefore"),
            search=given.get("search"),
            tags=given.get("tags"),
        ).to_domain()
    except (DomainError, GlobalIDValueError):
        raise Declined("filter") from None  # the resolvers report it


def _global_id(value: str | None) -> relay.GlobalID | None:
    return None if value is None else relay.GlobalID.from_id(value)


def _equals(name: str, value: object) -> Condition:
    return lambda alias, param: f"{alias}.{name} = {param(value)}"


def _conditions(task_filter: TaskFilter) -> list[Condition]:
    """`TaskFilter.conditions`, in SQL."""
    found: list[Condition] = []
    for name in ("company_id", "project_id", "assignee_id"):
        value = getattr(task_filter, name)
        if value is not None:
            found.append(_equals(name, value))
    if task_filter.statuses:
        statuses = [status.value for status in task_filter.statuses]
        found.append(lambda alias, param: f"{alias}.status = ANY({param(statuses)})")
    if task_filter.due_after is not None:
        after = task_filter.due_after
        found.append(lambda alias, param: f"{alias}.due_at >= {param(after)}")
    if task_filter.due_before is not None:
        before = task_filter.due_before
        found.append(lambda alias, param: f"{alias}.due_at < {param(before)}")
    if task_filter.search:
        pattern = f"%{escape_like(task_filter.search)}%"
        found.append(lambda alias, param: f"{alias}.title ILIKE {param(pattern)} ESCAPE '\\'")
    if task_filter.tags:
        tags = list(task_filter.tags)
        found.append(lambda alias, param: f"{alias}.tags @> {param(tags)}")
    return found
