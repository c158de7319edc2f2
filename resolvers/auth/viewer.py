"""The signed-in person's account fields, mixed into `Viewer`: whether their email is verified, and their sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry import relay

from base.clock import utcnow
from db.models import SignInSession
from domain.auth.sessions import open_sessions
from resolvers.context import Info
from resolvers.ids import global_id
from resolvers.nodes import required


@strawberry.type(description="A signed-in device: one sign-in and the refresh tokens rotated from it.")
class Session:
    id: relay.GlobalID = strawberry.field(description="Pass to `revokeSession` to sign this device out.")
    created_at: datetime = strawberry.field(description="When the person signed in.")
    last_used_at: datetime = strawberry.field(description="The sign-in or the latest token refresh.")
    expires_at: datetime = strawberry.field(description="When it ends unless refreshed before.")
    user_agent: str | None = strawberry.field(description="The client's User-Agent at the latest use.")
    ip_address: str | None = strawberry.field(
        description="The client's address at the latest use (through trusted proxies only)."
    )
    current: bool = strawberry.field(description="Whether this request comes from this session.")

    @classmethod
    def from_model(cls, row: SignInSession, current: uuid.UUID | None) -> Session:
        return cls(
            id=global_id("Session", row.id),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip_address=row.ip_address,
            current=row.id == current,
        )


@strawberry.type
class ViewerAccount:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="Whether the person has verified their email address (a verification or reset link). Unverified"
        " accounts work; features that trust an address ask for a verified one."
    )
    async def email_verified(self, info: Info) -> bool:
        user = required(await info.context.get_loaders().user.load(self.user_id))
        return user.email_verified_at is not None

    @strawberry.field(description="The person's signed-in devices, most recently used first.")
    async def sessions(self, info: Info) -> list[Session]:
        current = info.context.caller.session_id
        async with info.context.transaction.exclusive_session() as session:
            rows = await open_sessions(session, self.user_id, now=utcnow())
        return [Session.from_model(row, current) for row in rows]
