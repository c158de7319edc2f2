"""Changing or cancelling one occurrence of a recurring event. Only the owner writes; like any event change, it asks
for a replan of its owner. Deleting a series or an override goes through `deleteCalendarEvent`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.calendars import occurrences
from domain.calendars.occurrences import OriginalStart
from domain.calendars.service import EventChanges
from domain.errors import invalid
from domain.planner import Response, Transparency
from resolvers.calendars.mutations import CalendarEventResult
from resolvers.calendars.types import CalendarEvent
from resolvers.context import Info
from resolvers.ids import parse_occurrence_node_id, uuid_of
from resolvers.mutation import as_person

UNSET: Any = strawberry.UNSET


@strawberry.input(
    description="One occurrence of a recurring event: its own id (as the week shows it), or the series' id with "
    "originalStart (timed) or originalDate (all-day)."
)
class CalendarEventOccurrenceInput:
    event_id: relay.GlobalID = strawberry.field(
        description="The occurrence's own id, or the recurring event's (the series') with originalStart or "
        "originalDate."
    )
    original_start: datetime | None = strawberry.field(
        default=None, description="The start the occurrence has in the series (a timed series given by its id)."
    )
    original_date: date | None = strawberry.field(
        default=None, description="The date the occurrence has in the series (an all-day series given by its id)."
    )


@strawberry.input(description="Changes to one occurrence of a recurring event; omitted fields stay as they are.")
class UpdateCalendarEventOccurrenceInput(CalendarEventOccurrenceInput):
    title: str | None = strawberry.field(default=UNSET, description="What this occurrence is.")
    description: str | None = strawberry.field(default=UNSET, description="Details.")
    location: str | None = strawberry.field(default=UNSET, description="Where it happens.")
    starts_at: datetime | None = strawberry.field(default=UNSET, description="When it starts instead (timed).")
    ends_at: datetime | None = strawberry.field(default=UNSET, description="When it ends instead (timed).")
    start_date: date | None = strawberry.field(default=UNSET, description="Its first day instead (all-day).")
    end_date: date | None = strawberry.field(default=UNSET, description="The day after its last day (all-day).")
    transparency: Transparency | None = strawberry.field(default=UNSET, description="Busy or free.")
    response: Response | None = strawberry.field(default=UNSET, description="The answer to this occurrence.")
    cancelled: bool | None = strawberry.field(default=UNSET, description="Whether this occurrence is cancelled.")


_FIELDS = (
    "title", "description", "location", "starts_at", "ends_at", "start_date", "end_date", "transparency", "response",
    "cancelled",
)  # fmt: skip
_NOT_NULL = ("title", "description", "location", "transparency", "cancelled")


def _occurrence(input: CalendarEventOccurrenceInput) -> tuple[uuid.UUID, OriginalStart]:
    """The series and original start: named by the occurrence's own id, or by the series' id and the start."""
    given = OriginalStart(start=input.original_start, day=input.original_date)
    named = parse_occurrence_node_id(input.event_id.node_id) if input.event_id.type_name == "CalendarEvent" else None
    if named is None:
        return uuid_of(input.event_id, "CalendarEvent"), given
    if given != OriginalStart():
        field = "originalStart" if input.original_start is not None else "originalDate"
        raise invalid(field, "Leave out with an occurrence's own id, which names its original start.")
    series_id, original = named
    if isinstance(original, datetime):
        return series_id, OriginalStart(start=original)
    return series_id, OriginalStart(day=original)


def _changes(input: UpdateCalendarEventOccurrenceInput) -> EventChanges:
    changes = EventChanges()
    for name in _FIELDS:
        value = getattr(input, name)
        if value is UNSET or (value is None and name in _NOT_NULL):
            continue
        if isinstance(value, Transparency | Response):
            value = value.value
        setattr(changes, name, value)
    return changes


@strawberry.type
class OccurrenceMutations:
    @strawberry.mutation(
        description="Change one occurrence of a recurring event (its times, details or answer), named by its own id "
        "or by the series' id and original start; the series stays. Returns the event that now stands for the "
        "occurrence, with an id of its own row (the occurrence's former id then finds nothing)."
    )
    async def update_calendar_event_occurrence(
        self, info: Info, input: UpdateCalendarEventOccurrenceInput
    ) -> CalendarEventResult:
        async def work(session: AsyncSession) -> CalendarEvent:
            row = await occurrences.change_occurrence(session, *_occurrence(input), _changes(input))
            return CalendarEvent.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(
        description="Cancel one occurrence of a recurring event, named by its own id or by the series' id and "
        "original start; deleting the returned event brings it back."
    )
    async def cancel_calendar_event_occurrence(
        self, info: Info, input: CalendarEventOccurrenceInput
    ) -> CalendarEventResult:
        async def work(session: AsyncSession) -> CalendarEvent:
            row = await occurrences.cancel_occurrence(session, *_occurrence(input))
            return CalendarEvent.from_model(row)

        return await as_person(info, work)
