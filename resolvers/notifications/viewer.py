"""The signed-in person's notification fields, mixed into `Viewer`."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from domain.notifications import queries
from domain.notifications.preferences import preferences_of
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.notifications.types import Notification, NotificationPreferences

UnreadOnly = Annotated[bool, strawberry.argument(description="Only notifications not marked read yet.")]


@strawberry.type
class ViewerNotifications:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The person's notifications across their companies, newest first.")
    async def notifications(
        self, info: Info, first: First = None, after: After = None, unread_only: UnreadOnly = False
    ) -> Connection[Notification]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await queries.notifications_of(session, self.user_id, request, unread_only=unread_only)
        return connection_of(page, Notification.from_model)

    @strawberry.field(description="How many of the person's notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        async with info.context.transaction.exclusive_session() as session:
            return await queries.unread_count(session, self.user_id)

    @strawberry.field(description="How the person is notified: email, muted kinds, the due-soon window.")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        async with info.context.transaction.exclusive_session() as session:
            found = await preferences_of(session, [self.user_id])
        return NotificationPreferences.of(found[self.user_id])
