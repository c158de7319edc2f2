"""What subscriptions yield: one event per committed change the subscriber may see."""

from __future__ import annotations

import enum

import strawberry
from strawberry import relay

from resolvers.companies.types import Membership
from resolvers.notifications.types import Notification
from resolvers.tasks.types import Task


@strawberry.enum(description="What happened to a task.")
class TaskEventType(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    COMPLETED = "completed"
    DELETED = "deleted"


@strawberry.type(description="A committed change to a task the subscriber may see.")
class TaskEvent:
    type: TaskEventType = strawberry.field(description="What happened.")
    task_id: relay.GlobalID = strawberry.field(description="The task's id, also when it was deleted.")
    task: Task | None = strawberry.field(description="The task as it is now; null when it was deleted.")


@strawberry.enum(description="What happened to a membership.")
class MembershipEventType(enum.Enum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@strawberry.type(description="A person joined or left a company the subscriber may see, or changed role there.")
class MembershipEvent:
    type: MembershipEventType = strawberry.field(description="What happened.")
    company_id: relay.GlobalID = strawberry.field(description="The company's id.")
    user_id: relay.GlobalID = strawberry.field(description="The member's id.")
    membership: Membership | None = strawberry.field(description="The membership as it is now; null when removed.")


@strawberry.enum(description="What happened to one of the subscriber's notifications.")
class NotificationEventType(enum.Enum):
    CREATED = "created"


@strawberry.type(description="A notification for the subscriber, made and committed just now.")
class NotificationEvent:
    type: NotificationEventType = strawberry.field(description="What happened.")
    notification: Notification = strawberry.field(description="The notification as it is now.")
    unread_count: int = strawberry.field(
        description="How many of the subscriber's notifications are unread now, this one included while it is."
    )
