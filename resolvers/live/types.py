"""What subscriptions yield: one event per committed change the subscriber may see."""

from __future__ import annotations

import enum
import uuid

import strawberry
from strawberry import relay

from domain.schedules import plans
from resolvers.companies.types import Company, Membership
from resolvers.context import Info
from resolvers.nodes import required
from resolvers.notifications.types import Notification
from resolvers.scheduling.types import ScheduleRun, WeekView
from resolvers.scheduling.viewer import Days, ViewerSchedule, WeekStart
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


@strawberry.enum(description="What happened to the subscriber's schedule.")
class ScheduleEventType(enum.Enum):
    UPDATED = "updated"


@strawberry.type(
    description="The subscriber's time blocks in one company changed, committed just now: a plan was applied (by "
    "them or by a background replan), or a block was pinned, unpinned, done or missed. Re-read `week` to show it."
)
class ScheduleEvent:
    type: ScheduleEventType = strawberry.field(description="What happened.")
    company_id: relay.GlobalID = strawberry.field(description="The company whose blocks changed.")
    user_id: strawberry.Private[uuid.UUID]
    company_uuid: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The company whose blocks changed, as it is now.")
    async def company(self, info: Info) -> Company:
        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_uuid)))

    @strawberry.field(
        description="The subscriber's blocks and events from `start` for `days` days, across their companies, "
        "as they are now."
    )
    async def week(self, info: Info, start: WeekStart = None, days: Days = 7) -> WeekView:
        view: WeekView = await ViewerSchedule(user_id=self.user_id).week(info, start, days)
        return view

    @strawberry.field(description="The subscriber's last applied plan, as it is now; null before the first.")
    async def last_schedule(self, info: Info) -> ScheduleRun | None:
        async with info.context.transaction.exclusive_session() as session:
            row = await plans.last_run(session, self.user_id)
        return None if row is None else ScheduleRun.from_model(row)
