"""The audit log of a company and the sign-in history of a person, as GraphQL types."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from db import models
from domain.audit import AuditAction, SignInMethod
from domain.audit.queries import AuditFilter
from domain.errors import NotFound
from resolvers.context import Info
from resolvers.ids import global_id, parse_uuid
from resolvers.users.types import User

AuditActionEnum = strawberry.enum(
    AuditAction,
    name="AuditAction",
    description="What an audit entry records: membership changes, API keys, webhook endpoints and their secrets, "
    "calendar connections, feature flags.",
)
SignInMethodEnum = strawberry.enum(SignInMethod, name="SignInMethod", description="How a person signed in.")


@strawberry.enum(description="Whether a sign-in succeeded.")
class SignInOutcome(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


@strawberry.type(description="One thing done in a company: who, what, when and from where.")
class AuditEntry:
    actor_user_id: strawberry.Private[uuid.UUID | None]
    id: relay.GlobalID = strawberry.field(description="The entry's id.")
    action: AuditAction = strawberry.field(description="What was done.")
    actor_id: relay.GlobalID | None = strawberry.field(
        description="Who did it: a `User` or an `ApiKey`; null for Rhythm itself (a background job)."
    )
    target_id: relay.GlobalID | None = strawberry.field(description="What it was done to, if anything.")
    details: JSON = strawberry.field(description="What changed (never a secret), as a JSON object.")
    ip_address: str | None = strawberry.field(description="The client's address, when the change came by request.")
    user_agent: str | None = strawberry.field(description="The client's user agent, when it sent one.")
    request_id: str | None = strawberry.field(description="The request's id (`X-Request-Id`), to find its log lines.")
    occurred_at: datetime = strawberry.field(description="When it was done.")

    @classmethod
    def from_model(cls, row: models.AuditEntry) -> AuditEntry:
        actor = None
        if row.actor_user_id is not None:
            actor = global_id("User", row.actor_user_id)
        elif row.actor_api_key_id is not None:
            actor = global_id("ApiKey", row.actor_api_key_id)
        target = None
        if row.target_type is not None and row.target_id is not None:
            target = global_id(row.target_type, row.target_id)
        return cls(
            actor_user_id=row.actor_user_id,
            id=global_id("AuditEntry", row.id),
            action=AuditAction(row.action),
            actor_id=actor,
            target_id=target,
            details=cast(JSON, row.details),
            ip_address=None if row.ip_address is None else str(row.ip_address),
            user_agent=row.user_agent,
            request_id=row.request_id,
            occurred_at=row.occurred_at,
        )

    @strawberry.field(description="The person who did it; null for an API key, a job, or someone you cannot see.")
    async def actor(self, info: Info) -> User | None:
        if self.actor_user_id is None:
            return None
        row = await info.context.get_loaders().user.load(self.actor_user_id)
        return None if row is None else User.from_model(row)


@strawberry.input(description="Which audit entries to list; every condition given must hold.")
class AuditLogFilter:
    action: AuditAction | None = strawberry.field(default=None, description="Only entries of this action.")
    actor_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only entries by this `User` or `ApiKey`."
    )
    since: datetime | None = strawberry.field(default=None, description="Only entries at or after this instant.")
    until: datetime | None = strawberry.field(default=None, description="Only entries before this instant.")

    def to_domain(self) -> AuditFilter:
        actor = None
        if self.actor_id is not None:
            actor = parse_uuid(self.actor_id.node_id) if self.actor_id.type_name in ("User", "ApiKey") else None
            if actor is None:
                raise NotFound(f"No such {self.actor_id.type_name}.")
        return AuditFilter(action=self.action, actor_id=actor, since=self.since, until=self.until)


AuditFilterArgument = Annotated[
    AuditLogFilter | None, strawberry.argument(description="Only the entries that match; all if omitted.")
]


@strawberry.type(description="A sign-in to the person's account, or a failed attempt.")
class SignInEvent:
    id: relay.GlobalID = strawberry.field(description="The event's id.")
    outcome: SignInOutcome = strawberry.field(description="Whether it succeeded.")
    method: SignInMethod = strawberry.field(description="How the person signed in, or tried to.")
    ip_address: str | None = strawberry.field(description="The client's address.")
    user_agent: str | None = strawberry.field(description="The client's user agent, when it sent one.")
    occurred_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_model(cls, row: models.SignInEvent) -> SignInEvent:
        return cls(
            id=global_id("SignInEvent", row.id),
            outcome=SignInOutcome(row.outcome),
            method=SignInMethod(row.method),
            ip_address=None if row.ip_address is None else str(row.ip_address),
            user_agent=row.user_agent,
            occurred_at=row.occurred_at,
        )
