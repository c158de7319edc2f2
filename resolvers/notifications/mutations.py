from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db.models import NotificationType
from domain.notifications import queries
from domain.notifications.preferences import PreferenceChanges, update_preferences
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import person, run
from resolvers.notifications.types import NotificationPreferences


@strawberry.input(description="Which of the signed-in person's notifications to mark read: `ids`, or `all`.")
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Notifications to mark read, at most 100. Ids of others' mark nothing."
    )
    all: bool = strawberry.field(default=False, description="True to mark every unread notification read.")


@strawberry.type(description="Notifications were marked read.")
class NotificationsMarkedRead:
    marked_count: int = strawberry.field(description="How many unread notifications this marked read.")
    unread_count: int = strawberry.field(description="How many of the person's notifications are still unread.")


@strawberry.input(description="Changes to the signed-in person's notification preferences; omitted fields stay.")
class UpdateNotificationPreferencesInput:
    email_enabled: bool | None = strawberry.field(default=None, description="Also email notifications, or not.")
    muted_types: list[NotificationType] | None = strawberry.field(
        default=None, description="The kinds never to notify of (replaces the list; empty mutes nothing)."
    )
    due_soon_window_hours: int | None = strawberry.field(
        default=None, description="Hours before its due time that an assigned task is due soon: 1 to 336."
    )


MarkNotificationsReadResult = Annotated[
    NotificationsMarkedRead | ErrorType,
    strawberry.union("MarkNotificationsReadResult", description="NotificationsMarkedRead, or a typed error."),
]
UpdateNotificationPreferencesResult = Annotated[
    NotificationPreferences | ErrorType,
    strawberry.union("UpdateNotificationPreferencesResult", description="NotificationPreferences, or a typed error."),
]


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark some or all of the signed-in person's notifications read.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadResult:
        async def work(session: AsyncSession) -> NotificationsMarkedRead:
            user_id = person(info)
            ids = [uuid_of(value, "Notification") for value in input.ids]
            marked = await queries.mark_read(session, user_id, ids=ids, everything=input.all, now=datetime.now(UTC))
            unread = await queries.unread_count(session, user_id)
            return NotificationsMarkedRead(marked_count=marked, unread_count=unread)

        return await run(info, work)

    @strawberry.mutation(description="Change how the signed-in person is notified.")
    async def update_notification_preferences(
        self, info: Info, input: UpdateNotificationPreferencesInput
    ) -> UpdateNotificationPreferencesResult:
        async def work(session: AsyncSession) -> NotificationPreferences:
            changes = PreferenceChanges(
                email_enabled=input.email_enabled,
                muted_types=input.muted_types,
                due_soon_hours=input.due_soon_window_hours,
            )
            return NotificationPreferences.of(await update_preferences(session, person(info), changes))

        return await run(info, work)
