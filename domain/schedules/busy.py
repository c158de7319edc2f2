"""When a person is busy, for a colleague who shares a company with them but may not see their events.

A person's events belong to the company they were made (or mirrored) in, and only its members read them. A
colleague elsewhere still needs to know when the person is taken, so the events mirrored from the person's
connected calendars are read through `rhythm.busy_events_of` (migration 0021): their times and busy-ness, never
their details, and only for callers who share a company with the person. They are expanded and merged exactly as
the planner merges its busy time, so what a colleague sees is spans of busy time, not events.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Calendar, CalendarEvent, User
from domain.errors import invalid
from domain.planner import busy_intervals
from domain.planner.model import Interval
from domain.schedules.occurrences import EventOccurrence, expand_series, record_of, single
from domain.schedules.window import EARLIEST, LATEST, OUT_OF_RANGE

#: The longest window one read may ask for.
MAX_WINDOW = timedelta(days=62)

_BUSY_EVENTS = sa.text(
    "SELECT * FROM rhythm.busy_events_of(CAST(:user_id AS uuid), CAST(:start AS timestamptz),"
    " CAST(:end AS timestamptz))"
)


#: Where an event or calendar field was not read.
_UNREAD = uuid.UUID(int=0)


def _event_of(row: Any, user_id: uuid.UUID) -> CalendarEvent:
    """A transient event with the times only: nothing else was read."""
    return CalendarEvent(
        id=row.event_key, calendar_id=_UNREAD, company_id=_UNREAD, user_id=user_id, title="", all_day=row.all_day,
        starts_at=row.starts_at, ends_at=row.ends_at, start_date=row.start_date, end_date=row.end_date,
        transparency=row.transparency, response=row.response, cancelled=row.cancelled,
        rrule=row.rrule, time_zone=row.time_zone, exception_starts=list(row.exception_starts),
        exception_dates=list(row.exception_dates), recurring_event_id=row.series_key,
        original_start=row.original_start, original_date=row.original_date,
    )  # fmt: skip


def check_window(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("from", "Give times with a UTC offset.")
    if end <= start:
        raise invalid("to", "Must be after `from`.")
    if start < EARLIEST or end > LATEST:
        raise invalid("from", OUT_OF_RANGE)
    if end - start > MAX_WINDOW:
        raise invalid("to", f"At most {MAX_WINDOW.days} days after `from`.")


async def busy_of(session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime) -> list[Interval] | None:
    """The person's busy spans from their connected calendars within [start, end), merged; None when the caller
    shares no company with them."""
    check_window(start, end)
    person = await session.get(User, user_id)
    if person is None:  # not someone the caller shares a company with
        return None
    zone = ZoneInfo(person.time_zone)
    rows = (await session.execute(_BUSY_EVENTS, {"user_id": user_id, "start": start, "end": end})).all()
    events = [_event_of(row, user_id) for row in rows]
    # Every row comes from a calendar that counts as busy; the calendar itself stays unread.
    calendar = Calendar(id=_UNREAD, company_id=_UNREAD, owner_id=user_id, name="", affects_availability=True)
    overrides: dict[uuid.UUID, list[CalendarEvent]] = {}
    for event in events:
        if event.recurring_event_id is not None:
            overrides.setdefault(event.recurring_event_id, []).append(event)
    found: list[EventOccurrence] = []
    for event in events:
        if event.rrule is not None:
            found += expand_series(event, calendar, overrides.get(event.id, []), zone, start, end)
        elif event.recurring_event_id is None:
            found.append(single(event, calendar))
    return list(busy_intervals([record_of(occurrence) for occurrence in found], zone, start, end))
