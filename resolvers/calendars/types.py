"""Calendars and their events. Members of the calendar's company read them; only the owner changes them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import CalendarSource
from domain.schedules.problem import event_record
from domain.scheduling import Response, Transparency
from domain.scheduling.events import makes_busy
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids, required
from resolvers.scheduling import enums  # noqa: F401  (gives the enums their names and descriptions)
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company


@strawberry.type(description="A calendar of one member in one company; its events make the owner busy or free.")
class Calendar(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The calendar's name.")
    source: CalendarSource = strawberry.field(description="Kept in Rhythm, or a mirror filled by a sync.")
    affects_availability: bool = strawberry.field(description="Whether its busy events keep plans away.")
    created_at: datetime = strawberry.field(description="When the calendar was made.")
    updated_at: datetime = strawberry.field(description="When the calendar last changed.")

    @classmethod
    def from_model(cls, row: models.Calendar) -> Calendar:
        return cls(
            id=row.id,
            company_id=row.company_id,
            owner_id=row.owner_id,
            name=row.name,
            source=CalendarSource(row.source),
            affects_availability=row.affects_availability,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Calendar | None]:
        return await nodes_by_ids(info.context.get_loaders().scheduling.calendar, node_ids, cls.from_model)

    @strawberry.field(description="The company the calendar belongs to.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The member whose calendar it is.")
    async def owner(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.owner_id)))

    @strawberry.field(description="The calendar's events, in the order they were made.")
    async def events(self, info: Info, first: First = None, after: After = None) -> Connection[CalendarEvent]:
        request = page_request(first, after, info.context.services.max_page_size)
        page = await info.context.get_loaders().scheduling.events_of_calendar.load((self.id, request))
        return connection_of(page, CalendarEvent.from_model)


@strawberry.type(description="An event: timed (instants) or all-day (dates, the end exclusive, in the owner's zone).")
class CalendarEvent(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    calendar_id: strawberry.Private[uuid.UUID]
    title: str = strawberry.field(description="What the event is.")
    description: str = strawberry.field(description="Details.")
    location: str = strawberry.field(description="Where it happens.")
    all_day: bool = strawberry.field(description="Whether it covers whole days.")
    starts_at: datetime | None = strawberry.field(description="When a timed event starts.")
    ends_at: datetime | None = strawberry.field(description="When a timed event ends.")
    start_date: date | None = strawberry.field(description="The first day of an all-day event.")
    end_date: date | None = strawberry.field(description="The day after the last day of an all-day event.")
    transparency: Transparency = strawberry.field(description="Busy or free, as set on the event.")
    response: Response | None = strawberry.field(description="The owner's answer to an invitation, if it is one.")
    cancelled: bool = strawberry.field(description="Whether the event was cancelled.")
    busy: bool = strawberry.field(description="Whether it keeps plans away (tentative counts; declined does not).")
    created_at: datetime = strawberry.field(description="When the event was made.")
    updated_at: datetime = strawberry.field(description="When the event last changed.")

    @classmethod
    def from_model(cls, row: models.CalendarEvent) -> CalendarEvent:
        return cls(
            id=row.id,
            company_id=row.company_id,
            calendar_id=row.calendar_id,
            title=row.title,
            description=row.description,
            location=row.location,
            all_day=row.all_day,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            start_date=row.start_date,
            end_date=row.end_date,
            transparency=Transparency(row.transparency),
            response=None if row.response is None else Response(row.response),
            cancelled=row.cancelled,
            # The calendar's own switch is applied where busy time is worked out.
            busy=makes_busy(event_record(row, True)),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CalendarEvent | None]:
        return await nodes_by_ids(info.context.get_loaders().scheduling.event, node_ids, cls.from_model)

    @strawberry.field(description="The calendar the event is in.")
    async def calendar(self, info: Info) -> Calendar:
        return Calendar.from_model(
            required(await info.context.get_loaders().scheduling.calendar.load(self.calendar_id))
        )
