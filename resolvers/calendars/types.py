"""Calendars and their events. Members of the calendar's company read them; only the owner changes them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import CalendarSource
from domain.planner import Response, Transparency
from domain.planner.events import makes_busy
from domain.schedules.occurrences import EventOccurrence, occurrence_of
from domain.schedules.problem import event_record
from resolvers.connections import After, Connection, First, connection_of, page_request
from resolvers.context import Info
from resolvers.ids import occurrence_node_id, parse_occurrence_node_id
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


@strawberry.type(description="How an event repeats (RFC 5545).")
class Recurrence:
    rrule: str = strawberry.field(description="The rule, such as FREQ=WEEKLY;BYDAY=MO,WE (without `RRULE:`).")
    time_zone: str | None = strawberry.field(
        description="The IANA zone whose wall clock a timed series keeps across DST changes; null for all-day ones."
    )
    exception_starts: list[datetime] = strawberry.field(
        description="Original starts of the occurrences a timed series skips (EXDATE)."
    )
    exception_dates: list[date] = strawberry.field(description="Dates an all-day series skips (EXDATE).")


@strawberry.type(
    description="An event: timed (instants) or all-day (dates, the end exclusive, in the owner's zone). A recurring "
    "event (a series) has a `recurrence`. Its occurrences are CalendarEvents too, so one fragment reads every event "
    "of a week, and caches that key objects by id keep each occurrence apart: an unchanged occurrence has an id of "
    "its own, made from its series and original start (the same in every request while the series keeps its first "
    "start and rule; `node(id:)` finds it while it stands), its own span, `originalStart` (or `originalDate`) and "
    "`series`; a changed occurrence is an event of its own row that also names its `series`. Edit the whole series "
    "through `series`, one occurrence with updateCalendarEventOccurrence or cancelCalendarEventOccurrence."
)
class CalendarEvent(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    calendar_id: strawberry.Private[uuid.UUID]
    series_id: strawberry.Private[uuid.UUID | None]
    # The node id of an unchanged occurrence (it has no row of its own); None for an event of its own row.
    occurrence_id: strawberry.Private[str | None]
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
    recurrence: Recurrence | None = strawberry.field(description="How the event repeats; null for a single event.")
    original_start: datetime | None = strawberry.field(
        description="For an occurrence of a timed series (or the event that changed one): its start in the series."
    )
    original_date: date | None = strawberry.field(
        description="For an occurrence of an all-day series (or the event that changed one): its date in the series."
    )
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
            recurrence=_recurrence(row),
            series_id=row.recurring_event_id,
            original_start=row.original_start,
            original_date=row.original_date,
            occurrence_id=None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @classmethod
    def from_occurrence(cls, occurrence: EventOccurrence) -> CalendarEvent:
        """A single event or an override as it is; an unchanged occurrence of a series with its own id and span,
        its original start, and its series."""
        event = cls.from_model(occurrence.event)
        if occurrence.original is None or occurrence.event.recurring_event_id is not None:
            return event
        start, end, original = occurrence.start, occurrence.end, occurrence.original
        series_id = occurrence.event.id
        event = dataclasses.replace(event, series_id=series_id, occurrence_id=occurrence_node_id(series_id, original))
        if isinstance(start, datetime) and isinstance(end, datetime) and isinstance(original, datetime):
            return dataclasses.replace(event, starts_at=start, ends_at=end, original_start=original)
        if not isinstance(start, datetime) and not isinstance(end, datetime) and not isinstance(original, datetime):
            return dataclasses.replace(event, start_date=start, end_date=end, original_date=original)
        return event

    @classmethod
    def resolve_id(cls, root: CalendarEvent, *, info: Info) -> str:
        return root.occurrence_id or str(root.id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[CalendarEvent | None]:
        # An occurrence's id names its series and original start; any other id is a row's.
        wanted = [(node_id, parse_occurrence_node_id(node_id)) for node_id in node_ids]
        rows = [node_id for node_id, occurrence in wanted if occurrence is None]
        found = iter(await nodes_by_ids(info.context.get_loaders().scheduling.event, rows, cls.from_model))
        return [next(found) if occurrence is None else await _occurrence(info, *occurrence) for _, occurrence in wanted]

    @strawberry.field(description="The calendar the event is in.")
    async def calendar(self, info: Info) -> Calendar:
        return Calendar.from_model(
            required(await info.context.get_loaders().scheduling.calendar.load(self.calendar_id))
        )

    @strawberry.field(
        description="The recurring event (the series) this is an occurrence of, or whose occurrence it changes; null "
        "for a single event or a series itself. Edit or delete the whole series through it."
    )
    async def series(self, info: Info) -> CalendarEvent | None:
        if self.series_id is None:
            return None
        row = await info.context.get_loaders().scheduling.event.load(self.series_id)
        return None if row is None else CalendarEvent.from_model(row)


async def _occurrence(info: Info, series_id: uuid.UUID, original: datetime | date) -> CalendarEvent | None:
    # Read as the caller, so the series' policies decide whether the occurrence is there at all.
    async with info.context.transaction.exclusive_session() as session:
        found = await occurrence_of(session, series_id, original)
    return None if found is None else CalendarEvent.from_occurrence(found)


def _recurrence(row: models.CalendarEvent) -> Recurrence | None:
    if row.rrule is None:
        return None
    return Recurrence(
        rrule=row.rrule,
        time_zone=None if row.all_day else row.time_zone,
        exception_starts=list(row.exception_starts),
        exception_dates=list(row.exception_dates),
    )
