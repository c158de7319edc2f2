from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, time

import strawberry
from strawberry import relay

from db import models
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids


@strawberry.type(description="A person. Others see a person only while they share a company.")
class User(relay.Node):
    id: relay.NodeID[uuid.UUID]
    email: str = strawberry.field(description="Sign-in email address.")
    display_name: str = strawberry.field(description="The name shown to colleagues.")
    time_zone: str = strawberry.field(description="IANA time zone, such as Europe/Berlin.")
    work_day_start: time = strawberry.field(description="When the work day starts, in the person's zone.")
    work_day_end: time = strawberry.field(description="When the work day ends, in the person's zone.")
    work_days: list[int] = strawberry.field(description="ISO weekdays worked: 1 is Monday, 7 is Sunday.")
    created_at: datetime = strawberry.field(description="When the account was made.")

    @classmethod
    def from_model(cls, row: models.User) -> User:
        return cls(
            id=row.id,
            email=row.email,
            display_name=row.display_name,
            time_zone=row.time_zone,
            work_day_start=row.work_day_start,
            work_day_end=row.work_day_end,
            work_days=list(row.work_days),
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[User | None]:
        return await nodes_by_ids(info.context.get_loaders().user, node_ids, cls.from_model)
