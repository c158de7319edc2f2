"""The signed-in person's sign-in history, mixed into `Viewer`."""

from __future__ import annotations

import uuid

import strawberry

from domain.audit import sign_ins
from resolvers.audit.types import SignInEvent
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info


@strawberry.type
class ViewerSignIns:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="Sign-ins to the person's account and failed attempts with its email, newest first.")
    async def sign_in_history(self, info: Info, first: First = None, after: After = None) -> Connection[SignInEvent]:
        request = page_request(first, after, info.context.services.max_page_size)
        async with info.context.transaction.exclusive_session() as session:
            page = await sign_ins.history(session, self.user_id, request)
        return connection_of(page, SignInEvent.from_model)
