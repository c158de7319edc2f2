"""The events of `week`: occurrences of recurring events are expanded in Python (RRULE with overrides and
exceptions, all-day ones on the person's days), so the statement takes them as a parameter worked out just
before it runs, in its transaction and as its caller: which row each occurrence shows, and its span. The
statement reads every other field from that row, under the same policies as any other read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from domain.schedules import blocks, occurrences
from resolvers.calendars.types import CalendarEvent

# The parameter's record: an occurrence's order, its row, its node id, and the span and series it shows.
_RECORD = (
    "n int, event_id uuid, node_key text, starts_at timestamptz, ends_at timestamptz, start_date date,"
    " end_date date, original_start timestamptz, original_date date, series_id uuid"
)
# The row's own columns the `CalendarEvent` fields read; the span and series are the occurrence's.
_ROW_COLUMNS = (
    "id", "company_id", "calendar_id", "title", "description", "location", "all_day", "transparency", "response",
    "cancelled", "rrule", "time_zone", "exception_starts", "exception_dates", "created_at", "updated_at",
)  # fmt: skip
_OCCURRENCE_COLUMNS = ("node_key", "starts_at", "ends_at", "start_date", "end_date", "original_start", "original_date")


@dataclass(frozen=True, slots=True)
class WeekOccurrences:
    """A parameter the statement is rendered with and whose value is read at each execution: the caller's
    events touching [start, end), as JSON records in the resolver's order."""

    start: datetime
    end: datetime

    async def value(self, session: AsyncSession, user_id: uuid.UUID) -> str:
        zone = await blocks.zone_of(session, user_id)
        # The single events as their ids and spans only (no model for each: a busy week has hundreds).
        singles = await occurrences.single_spans(session, user_id, self.start, self.end)
        expanded = await occurrences.series_occurrences(session, user_id, zone, self.start, self.end)
        placed: list[tuple[tuple[datetime, str], dict[str, object]]] = []
        for span in singles:
            timed = isinstance(span.start, datetime)
            record: dict[str, object] = {"event_id": str(span.event_id), "node_key": str(span.event_id)}
            record.update(
                {"starts_at": span.start, "ends_at": span.end} if timed
                else {"start_date": span.start, "end_date": span.end}
            )  # fmt: skip
            placed.append((occurrences.time_order(span.start, span.event_id, zone), record))
        for occurrence in expanded:
            # As the resolver shows it: an override as its row, an unchanged occurrence with its own id, span and
            # series.
            event = CalendarEvent.from_occurrence(occurrence)
            placed.append((occurrences.time_order(occurrence.start, occurrence.event.id, zone), {
                # Ids as text: the driver's own UUID type is not one orjson writes.
                "event_id": str(event.id), "node_key": event.occurrence_id or str(event.id),
                "starts_at": event.starts_at, "ends_at": event.ends_at, "start_date": event.start_date,
                "end_date": event.end_date, "original_start": event.original_start,
                "original_date": event.original_date,
                "series_id": None if event.series_id is None else str(event.series_id),
            }))  # fmt: skip
        placed.sort(key=lambda item: item[0])
        return orjson.dumps([{"n": number, **record} for number, (_, record) in enumerate(placed)]).decode()


def occurrence_rows(parameter: str, record: str, alias: str) -> str:
    """FROM items that name each occurrence's row `alias`, with the columns the event's fields read, in `record.n`
    order. A row gone since the parameter was read (deleted in between) drops out, as if read a moment later."""
    columns = ", ".join(
        [*(f"e.{name}" for name in _ROW_COLUMNS), *(f"{record}.{name}" for name in _OCCURRENCE_COLUMNS)]
    )
    return (
        f"json_to_recordset({parameter}) AS {record}({_RECORD}) CROSS JOIN LATERAL"
        f" (SELECT {columns}, {record}.series_id AS recurring_event_id"
        f" FROM calendar_events e WHERE e.id = {record}.event_id) {alias}"
    )
