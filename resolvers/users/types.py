from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, time
from typing import Annotated

import strawberry
from strawberry import relay

from db import models
from domain.schedules.busy import busy_of
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids


@strawberry.type(description="A span of time in which a person is busy; what they are busy with is not shown.")
class BusyInterval:
    start: datetime = strawberry.field(description="When the busy span starts.")
    end: datetime = strawberry.field(description="When it ends (exclusive).")


BusyFrom = Annotated[datetime, strawberry.argument(name="from", description="The window's start, with an offset.")]
BusyTo = Annotated[
    datetime, strawberry.argument(name="to", description="The window's end: after `from`, at most 62 days later.")
]


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

    @strawberry.field(
        description="When the person is busy between `from` and `to`, from the calendars they connected (Google,"
        " Outlook) in any of their companies, merged into spans: seen by everyone who shares a company with them,"
        " with no title, attendee or other detail, which only members of the calendar's own company read."
    )
    async def busy(self, info: Info, start: BusyFrom, end: BusyTo) -> list[BusyInterval]:
        async with info.context.transaction.exclusive_session() as session:
            spans = await busy_of(session, self.id, start, end)
        return [BusyInterval(start=span.start, end=span.end) for span in spans or []]

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
