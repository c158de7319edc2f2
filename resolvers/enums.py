"""GraphQL enums, made from the domain's own enums so the two cannot drift."""

from __future__ import annotations

import enum

import strawberry

from db.models import ApiScope, MembershipRole, TaskPriority, TaskStatus
from domain.tasks.queries import TaskOrderField

TaskStatusEnum = strawberry.enum(TaskStatus, name="TaskStatus", description="Where a task stands.")
TaskPriorityEnum = strawberry.enum(TaskPriority, name="TaskPriority", description="How much a task matters.")
MembershipRoleEnum = strawberry.enum(
    MembershipRole,
    name="MembershipRole",
    description="A member's role: owners manage everything, admins manage members and settings.",
)
ApiScopeEnum = strawberry.enum(ApiScope, name="ApiScope", description="What an API key may read or change.")
TaskOrderFieldEnum = strawberry.enum(TaskOrderField, name="TaskOrderField", description="What tasks sort by.")


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"
