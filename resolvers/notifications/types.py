from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import NotificationType
from domain import reads
from domain.notifications.preferences import Preferences
from resolvers.context import Info
from resolvers.ids import parse_uuid
from resolvers.nodes import required

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.tasks.types import Task

NotificationTypeEnum = strawberry.enum(
    NotificationType,
    name="NotificationType",
    description="What a notification is about: TASK_ASSIGNED, TASK_COMPLETED (a task you made), TASK_DUE_SOON, "
    "TASK_OVERDUE (tasks assigned to you), MEMBER_ADDED (to a company), WEBHOOK_ENDPOINT_DISABLED (owners, admins).",
)
TASK_TYPES = frozenset(
    {
        NotificationType.TASK_ASSIGNED,
        NotificationType.TASK_COMPLETED,
        NotificationType.TASK_DUE_SOON,
        NotificationType.TASK_OVERDUE,
    }
)


@strawberry.type(description="Something that concerns the signed-in person. Only its recipient ever sees it.")
class Notification(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    subject_id: strawberry.Private[uuid.UUID | None]
    type: NotificationType = strawberry.field(description="What the notification is about.")
    title: str = strawberry.field(description="One line saying what happened.")
    body: str = strawberry.field(description="More detail, in plain text; may be empty.")
    read_at: datetime | None = strawberry.field(description="When it was marked read; null while unread.")
    emailed_at: datetime | None = strawberry.field(description="When it was emailed; null if it was not (yet).")
    created_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_model(cls, row: models.Notification) -> Notification:
        return cls(
            id=row.id,
            company_id=row.company_id,
            subject_id=row.subject_id,
            type=NotificationType(row.type),
            title=row.title,
            body=row.body,
            read_at=row.read_at,
            emailed_at=row.emailed_at,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Notification | None]:
        ids = [parse_uuid(node_id) for node_id in node_ids]
        async with info.context.transaction.exclusive_session() as session:
            rows = await reads.by_ids(session, models.Notification, [row_id for row_id in ids if row_id is not None])
        found = iter(rows)
        converted = [None if row_id is None else next(found) for row_id in ids]
        return [None if row is None else cls.from_model(row) for row in converted]

    @strawberry.field(description="True once it was marked read.")
    def read(self) -> bool:
        return self.read_at is not None

    @strawberry.field(description="The company it happened in.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The task it is about, for task notifications; null if it is gone or hidden.")
    async def task(self, info: Info) -> Annotated[Task, strawberry.lazy("resolvers.tasks.types")] | None:
        from resolvers.tasks.types import Task

        if self.type not in TASK_TYPES or self.subject_id is None:
            return None
        row = await info.context.get_loaders().task.load(self.subject_id)
        return None if row is None else Task.from_model(row)


@strawberry.type(description="How the signed-in person is notified.")
class NotificationPreferences:
    email_enabled: bool = strawberry.field(
        description="Whether notifications are also emailed (when the server has email set up)."
    )
    muted_types: list[NotificationType] = strawberry.field(
        description="Kinds of notification the person never gets, in the app or by email."
    )
    due_soon_window_hours: int = strawberry.field(
        description="How many hours before its due time an assigned task is reminded of as due soon."
    )

    @classmethod
    def of(cls, preferences: Preferences) -> NotificationPreferences:
        return cls(
            email_enabled=preferences.email_enabled,
            muted_types=sorted(preferences.muted_types),
            due_soon_window_hours=preferences.due_soon_hours,
        )
