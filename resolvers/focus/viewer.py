"""The signed-in person's focus sessions, mixed into `Viewer`."""

from __future__ import annotations

import uuid

import strawberry

from domain.focus import queries
from domain.focus.service import open_session
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.focus.types import FocusSession


@strawberry.type
class ViewerFocus:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The person's focus sessions in every company, most recent first.")
    async def focus_sessions(self, info: Info, first: First = None, after: After = None) -> Connection[FocusSession]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await queries.focus_sessions_of(session, self.user_id, request)
        return connection_of(page, FocusSession.from_model)

    @strawberry.field(description="The running or paused focus session, if any.")
    async def current_focus_session(self, info: Info) -> FocusSession | None:
        async with info.context.transaction.exclusive_session() as session:
            row = await open_session(session, self.user_id)
        return None if row is None else FocusSession.from_model(row)
