"""The Subscription root: live events over WebSocket (`graphql-transport-ws`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry import relay

from resolvers.ai.coach import CoachSubscription
from resolvers.context import Info
from resolvers.ids import optional_uuid_of
from resolvers.live.events import membership_event, notification_event, schedule_event, task_event
from resolvers.live.stream import Topic, live_events
from resolvers.live.types import MembershipEvent, NotificationEvent, ScheduleEvent, TaskEvent

TASKS = Topic(area="task", resource="tasks", shared=True)
MEMBERSHIPS = Topic(area="membership", resource="members")
NOTIFICATIONS = Topic(area="notification", resource=None)
SCHEDULES = Topic(area="schedule", resource=None)

CompanyFilter = Annotated[
    relay.GlobalID | None,
    strawberry.argument(description="Only this company's events; by default, every company the caller may read."),
]


@strawberry.type(
    description="Live updates over WebSocket (`graphql-transport-ws`, credentials in `connection_init`): "
    "committed changes, each checked against what the subscriber may see when it happens."
)
class Subscription(CoachSubscription):
    @strawberry.subscription(description="Tasks created, changed, completed or deleted.")
    def task_events(self, info: Info, company_id: CompanyFilter = None) -> AsyncGenerator[TaskEvent, None]:
        return live_events(info, TASKS, optional_uuid_of(company_id, "Company"), task_event)

    @strawberry.subscription(description="People joining or leaving companies, or changing role there.")
    def membership_events(self, info: Info, company_id: CompanyFilter = None) -> AsyncGenerator[MembershipEvent, None]:
        return live_events(info, MEMBERSHIPS, optional_uuid_of(company_id, "Company"), membership_event)

    @strawberry.subscription(
        description="The signed-in person's new notifications, across their companies, with the unread count. "
        "A person only: an API key may not subscribe."
    )
    def notification_events(self, info: Info) -> AsyncGenerator[NotificationEvent, None]:
        return live_events(info, NOTIFICATIONS, None, notification_event)

    @strawberry.subscription(
        description="Changes to the signed-in person's own schedule (their time blocks), one event per company "
        "whose blocks changed. A person only: an API key may not subscribe."
    )
    def schedule_events(self, info: Info) -> AsyncGenerator[ScheduleEvent, None]:
        return live_events(info, SCHEDULES, None, schedule_event)
