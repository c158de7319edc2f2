"""Calendar and event mutations. Only the owner writes; an event change asks for a replan of its owner."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.calendars import service
from domain.calendars.service import CalendarChanges, EventChanges
from domain.planner import Response, Transparency
from resolvers.calendars.types import Calendar, CalendarEvent
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person, run, signed_in

UNSET: Any = strawberry.UNSET


@strawberry.input(description="A new calendar of the viewer's in one of their companies.")
class CreateCalendarInput:
    company_id: relay.GlobalID = strawberry.field(description="The company the calendar belongs to.")
    name: str = strawberry.field(description="Its name (1-200 characters).")
    affects_availability: bool = strawberry.field(default=True, description="Whether its events keep plans away.")


@strawberry.input(description="Changes to a calendar; omitted fields stay as they are.")
class UpdateCalendarInput:
    id: relay.GlobalID = strawberry.field(description="The calendar.")
    name: str | None = strawberry.field(default=UNSET, description="Its name.")
    affects_availability: bool | None = strawberry.field(default=UNSET, description="Whether its events count.")


@strawberry.input(description="Names one calendar.")
class CalendarIdInput:
    id: relay.GlobalID = strawberry.field(description="The calendar.")


@strawberry.input(description="How an event repeats: an RFC 5545 rule and the occurrences it skips.")
class RecurrenceInput:
    rrule: str = strawberry.field(
        description="One RRULE such as FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231T000000Z (no DTSTART, EXDATE or RDATE; "
        "FREQ is required, COUNT and UNTIL exclude each other, at most hourly and 24 times a day). The event's own "
        "start is the first occurrence."
    )
    time_zone: str | None = strawberry.field(
        default=None,
        description="The IANA zone whose wall clock a timed series keeps across DST changes; the owner's by default.",
    )
    exception_starts: list[datetime] = strawberry.field(
        default_factory=list, description="Original starts of the occurrences a timed series skips."
    )
    exception_dates: list[date] = strawberry.field(default_factory=list, description="Dates an all-day series skips.")


@strawberry.input(description="A new event: give startsAt and endsAt, or allDay with startDate and endDate.")
class CreateCalendarEventInput:
    calendar_id: relay.GlobalID = strawberry.field(description="The calendar (the viewer's own).")
    title: str = strawberry.field(description="What the event is (1-500 characters).")
    description: str = strawberry.field(default="", description="Details.")
    location: str = strawberry.field(default="", description="Where it happens.")
    all_day: bool = strawberry.field(default=False, description="Whether it covers whole days.")
    starts_at: datetime | None = strawberry.field(default=None, description="When a timed event starts.")
    ends_at: datetime | None = strawberry.field(default=None, description="When a timed event ends.")
    start_date: date | None = strawberry.field(default=None, description="The first day of an all-day event.")
    end_date: date | None = strawberry.field(default=None, description="The day after its last day.")
    transparency: Transparency = strawberry.field(default=Transparency.BUSY, description="Busy or free.")
    response: Response | None = strawberry.field(default=None, description="The answer to an invitation.")
    recurrence: RecurrenceInput | None = strawberry.field(
        default=None, description="Makes it a recurring event (a series) starting with this occurrence."
    )


@strawberry.input(description="Changes to an event; omitted fields stay as they are.")
class UpdateCalendarEventInput:
    id: relay.GlobalID = strawberry.field(description="The event.")
    title: str | None = strawberry.field(default=UNSET, description="What the event is.")
    description: str | None = strawberry.field(default=UNSET, description="Details.")
    location: str | None = strawberry.field(default=UNSET, description="Where it happens.")
    all_day: bool | None = strawberry.field(default=UNSET, description="Whether it covers whole days.")
    starts_at: datetime | None = strawberry.field(default=UNSET, description="When a timed event starts.")
    ends_at: datetime | None = strawberry.field(default=UNSET, description="When a timed event ends.")
    start_date: date | None = strawberry.field(default=UNSET, description="The first day of an all-day event.")
    end_date: date | None = strawberry.field(default=UNSET, description="The day after its last day.")
    transparency: Transparency | None = strawberry.field(default=UNSET, description="Busy or free.")
    response: Response | None = strawberry.field(default=UNSET, description="The answer to an invitation, or null.")
    cancelled: bool | None = strawberry.field(default=UNSET, description="Whether it was cancelled.")
    recurrence: RecurrenceInput | None = strawberry.field(
        default=UNSET,
        description="A new rule and exceptions for the whole series, or null to make it a single event again "
        "(which drops its changed and cancelled occurrences).",
    )


@strawberry.input(description="Names one event.")
class CalendarEventIdInput:
    id: relay.GlobalID = strawberry.field(description="The event.")


CalendarResult = Annotated[
    Calendar | ErrorType, strawberry.union("CalendarResult", description="Calendar, or a typed error.")
]
CalendarEventResult = Annotated[
    CalendarEvent | ErrorType, strawberry.union("CalendarEventResult", description="CalendarEvent, or a typed error.")
]
CalendarDeleteResult = Annotated[
    Deleted | ErrorType, strawberry.union("CalendarDeleteResult", description="Deleted, or a typed error.")
]

_EVENT_FIELDS = (
    "title", "description", "location", "all_day", "starts_at", "ends_at", "start_date", "end_date", "transparency",
    "response", "cancelled",
)  # fmt: skip
_NOT_NULL = ("title", "description", "location", "all_day", "transparency", "cancelled")


def _event_changes(input: CreateCalendarEventInput | UpdateCalendarEventInput) -> EventChanges:
    changes = EventChanges()
    for name in _EVENT_FIELDS:
        value = getattr(input, name, UNSET)
        if value is UNSET or (value is None and name in _NOT_NULL):
            continue
        if isinstance(value, Transparency | Response):
            value = value.value
        setattr(changes, name, value)
    recurrence = getattr(input, "recurrence", UNSET)
    if recurrence is None and isinstance(input, UpdateCalendarEventInput):
        changes.rrule = None
    elif isinstance(recurrence, RecurrenceInput):
        changes.rrule = recurrence.rrule
        changes.exception_starts = list(recurrence.exception_starts)
        changes.exception_dates = list(recurrence.exception_dates)
        if recurrence.time_zone is not None:
            changes.time_zone = recurrence.time_zone
    return changes


@strawberry.type
class CalendarMutations:
    @strawberry.mutation(description="Make a calendar for the viewer in one of their companies.")
    async def create_calendar(self, info: Info, input: CreateCalendarInput) -> CalendarResult:
        async def work(session: AsyncSession) -> Calendar:
            row = await service.create_calendar(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                owner_id=person(info),
                name=input.name,
                affects_availability=input.affects_availability,
            )
            return Calendar.from_model(row)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Rename a calendar or change whether it counts for availability.")
    async def update_calendar(self, info: Info, input: UpdateCalendarInput) -> CalendarResult:
        async def work(session: AsyncSession) -> Calendar:
            changes = CalendarChanges()
            if input.name is not UNSET and input.name is not None:
                changes.name = input.name
            if input.affects_availability is not UNSET and input.affects_availability is not None:
                changes.affects_availability = input.affects_availability
            return Calendar.from_model(await service.update_calendar(session, uuid_of(input.id, "Calendar"), changes))

        return await as_person(info, work)

    @strawberry.mutation(description="Delete a calendar with its events.")
    async def delete_calendar(self, info: Info, input: CalendarIdInput) -> CalendarDeleteResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_calendar(session, uuid_of(input.id, "Calendar"))
            return Deleted(id=input.id)

        return await as_person(info, work)

    @strawberry.mutation(description="Add an event to one of the viewer's calendars.")
    async def create_calendar_event(self, info: Info, input: CreateCalendarEventInput) -> CalendarEventResult:
        async def work(session: AsyncSession) -> CalendarEvent:
            calendar_id = uuid_of(input.calendar_id, "Calendar")
            row = await service.create_event(session, calendar_id=calendar_id, changes=_event_changes(input))
            return CalendarEvent.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Change an event.")
    async def update_calendar_event(self, info: Info, input: UpdateCalendarEventInput) -> CalendarEventResult:
        async def work(session: AsyncSession) -> CalendarEvent:
            row = await service.update_event(session, uuid_of(input.id, "CalendarEvent"), _event_changes(input))
            return CalendarEvent.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Delete an event.")
    async def delete_calendar_event(self, info: Info, input: CalendarEventIdInput) -> CalendarDeleteResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_event(session, uuid_of(input.id, "CalendarEvent"))
            return Deleted(id=input.id)

        return await as_person(info, work)
