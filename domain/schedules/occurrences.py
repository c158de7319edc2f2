"""A person's calendar events in a window, with recurring ones expanded: what plans avoid and the week shows.

Single events are read as they are. A series (an event with an RRULE) is expanded inside the window only, by the
engine's expander (`domain.planner.recurrence`), on the wall clock of the series' zone (all-day series on the
person's days), less its exceptions, with its overrides in place of the occurrences they replace: one moved into
the window counts, a cancelled one does not. Three statements, whatever the number of series. One unchanged
occurrence can also be found again by its series and original start, with the same expansion.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Calendar, CalendarEvent
from domain.calendars.recurrence import recurring
from domain.planner import EventRecord, Response, Transparency
from domain.planner.localtime import day_start
from domain.planner.recurrence import expand
from domain.reads import any_of

T = TypeVar("T")
When = datetime | date


@dataclass(frozen=True, slots=True)
class EventOccurrence:
    """One event as it happens: `event` is the row whose details it has (a single event, the series of an
    occurrence, or the override that replaced one), `start` and `end` its span, `original` the original start of
    an occurrence of a series (None for a single event)."""

    event: CalendarEvent
    calendar: Calendar
    start: When
    end: When
    original: When | None = None


def _present(value: T | None) -> T:
    # The table's span check guarantees the fields of the event's kind.
    if value is None:
        raise ValueError("an event without its span")
    return value


def record_of(occurrence: EventOccurrence) -> EventRecord:
    event = occurrence.event
    return EventRecord(
        start=occurrence.start,
        end=occurrence.end,
        transparency=Transparency(event.transparency),
        response=None if event.response is None else Response(event.response),
        affects_availability=occurrence.calendar.affects_availability,
        cancelled=event.cancelled,
    )


def single(event: CalendarEvent, calendar: Calendar) -> EventOccurrence:
    if event.all_day:
        return EventOccurrence(event, calendar, _present(event.start_date), _present(event.end_date))
    return EventOccurrence(event, calendar, _present(event.starts_at), _present(event.ends_at))


def _touching(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    timed = sa.and_(col(CalendarEvent.starts_at) < end, col(CalendarEvent.ends_at) > start)
    # All-day dates are local to the person: a day of margin each side, clipped later.
    dated = sa.and_(
        col(CalendarEvent.start_date) <= (end + timedelta(days=1)).date(),
        col(CalendarEvent.end_date) >= (start - timedelta(days=1)).date(),
    )
    return sa.or_(timed, dated)


def _single_events(user_id: uuid.UUID, start: datetime, end: datetime) -> list[sa.ColumnElement[bool]]:
    return [
        col(CalendarEvent.user_id) == user_id,
        _touching(start, end),
        col(CalendarEvent.rrule).is_(None),
        col(CalendarEvent.recurring_event_id).is_(None),
    ]


async def _singles(
    session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime
) -> list[tuple[CalendarEvent, Calendar]]:
    statement = (
        sa.select(CalendarEvent, Calendar)
        .join(Calendar, col(Calendar.id) == col(CalendarEvent.calendar_id))
        .where(*_single_events(user_id, start, end))
    )
    return [(event, calendar) for event, calendar in await session.execute(statement)]


@dataclass(frozen=True, slots=True)
class SingleSpan:
    """A single event's row and span, without the rest of the row (for a reader that takes that from the table)."""

    event_id: uuid.UUID
    start: When
    end: When


async def single_spans(session: AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime) -> list[SingleSpan]:
    """The spans of the single events `occurrences_of` reads, with no model built for each."""
    statement = (
        sa.select(col(CalendarEvent.id), col(CalendarEvent.all_day), col(CalendarEvent.starts_at),
                  col(CalendarEvent.ends_at), col(CalendarEvent.start_date), col(CalendarEvent.end_date))
        .join(Calendar, col(Calendar.id) == col(CalendarEvent.calendar_id))
        .where(*_single_events(user_id, start, end))
    )  # fmt: skip
    spans = []
    for row_id, all_day, starts_at, ends_at, start_date, end_date in await session.execute(statement):
        if all_day:
            spans.append(SingleSpan(row_id, _present(start_date), _present(end_date)))
        else:
            spans.append(SingleSpan(row_id, _present(starts_at), _present(ends_at)))
    return spans


async def _series(session: AsyncSession, user_id: uuid.UUID, end: datetime) -> list[tuple[CalendarEvent, Calendar]]:
    """Series that start before the window ends (COUNT and UNTIL are left to the expander)."""
    started = sa.or_(
        col(CalendarEvent.starts_at) < end, col(CalendarEvent.start_date) <= (end + timedelta(days=1)).date()
    )
    statement = (
        sa.select(CalendarEvent, Calendar)
        .join(Calendar, col(Calendar.id) == col(CalendarEvent.calendar_id))
        .where(col(CalendarEvent.user_id) == user_id, col(CalendarEvent.rrule).is_not(None), started)
    )
    return [(event, calendar) for event, calendar in await session.execute(statement)]


def _longest(series: list[CalendarEvent]) -> timedelta:
    def length(event: CalendarEvent) -> timedelta:
        if event.all_day:
            return _present(event.end_date) - _present(event.start_date)
        return _present(event.ends_at) - _present(event.starts_at)

    return max((length(event) for event in series), default=timedelta(0))


async def _overrides(
    session: AsyncSession, series: list[CalendarEvent], start: datetime, end: datetime
) -> dict[uuid.UUID, list[CalendarEvent]]:
    """The overrides that matter to the window: those in it, and those replacing an occurrence that would be."""
    if not series:
        return {}
    margin = _longest(series) + timedelta(days=2)
    replaced = sa.or_(
        sa.and_(col(CalendarEvent.original_start) > start - margin, col(CalendarEvent.original_start) < end),
        sa.and_(
            col(CalendarEvent.original_date) >= (start - margin).date(),
            col(CalendarEvent.original_date) <= (end + timedelta(days=1)).date(),
        ),
    )
    statement = sa.select(CalendarEvent).where(
        col(CalendarEvent.recurring_event_id) == any_of([event.id for event in series]),
        sa.or_(_touching(start, end), replaced),
    )
    found: dict[uuid.UUID, list[CalendarEvent]] = {}
    for override in (await session.execute(statement)).scalars():
        if override.recurring_event_id is not None:
            found.setdefault(override.recurring_event_id, []).append(override)
    return found


def expand_series(
    series: CalendarEvent, calendar: Calendar, overrides: list[CalendarEvent], zone: ZoneInfo, start: datetime,
    end: datetime,
) -> list[EventOccurrence]:  # fmt: skip
    """The series' occurrences touching [start, end), each with the row that describes it."""
    by_original = {o.original_date if series.all_day else o.original_start: o for o in overrides}
    found = []
    for occurrence in expand(recurring(series, overrides), start, end, zone):
        row = by_original.get(occurrence.recurrence_id) if occurrence.overridden else None
        found.append(EventOccurrence(row or series, calendar, occurrence.start, occurrence.end,
                                     occurrence.recurrence_id))  # fmt: skip
    return found


def _instant(value: When, zone: ZoneInfo) -> datetime:
    return value if isinstance(value, datetime) else day_start(value, zone)


def time_order(start: When, event_id: uuid.UUID, zone: ZoneInfo) -> tuple[datetime, str]:
    """Where an event goes in a window's time order: by when it starts (an all-day one at the start of its day in
    the person's zone), then by its row's id."""
    return _instant(start, zone), str(event_id)


async def series_occurrences(
    session: AsyncSession, user_id: uuid.UUID, zone: ZoneInfo, start: datetime, end: datetime
) -> list[EventOccurrence]:
    """The occurrences of the person's series touching [start, end) (their overrides in place), in no order."""
    series = await _series(session, user_id, end)
    overrides = await _overrides(session, [event for event, _ in series], start, end)
    found: list[EventOccurrence] = []
    for event, calendar in series:
        found += expand_series(event, calendar, overrides.get(event.id, []), zone, start, end)
    return found


async def occurrences_of(
    session: AsyncSession, user_id: uuid.UUID, zone: ZoneInfo, start: datetime, end: datetime
) -> list[EventOccurrence]:
    """The person's events (their calendars in every company the caller may see) touching [start, end), series
    expanded, in time order. `zone` is the person's: all-day events cover its days."""
    found = [single(event, calendar) for event, calendar in await _singles(session, user_id, start, end)]
    found += await series_occurrences(session, user_id, zone, start, end)
    return sorted(found, key=lambda o: time_order(o.start, o.event.id, zone))


async def occurrence_of(session: AsyncSession, series_id: uuid.UUID, original: When) -> EventOccurrence | None:
    """The unchanged occurrence of a series that starts at `original` (its date for an all-day series), expanded as
    the week expands it. None when the caller cannot see the series, or the occurrence is not one of its own, is an
    exception, or was changed or cancelled (an override of its own stands for it then)."""
    statement = (
        sa.select(CalendarEvent, Calendar)
        .join(Calendar, col(Calendar.id) == col(CalendarEvent.calendar_id))
        .where(col(CalendarEvent.id) == series_id, col(CalendarEvent.rrule).is_not(None))
    )
    found = (await session.execute(statement)).one_or_none()
    if found is None:
        return None
    series, calendar = found
    if series.all_day == isinstance(original, datetime):
        return None
    # Expanded just around the original start (all-day dates in UTC, with a day of margin each side).
    utc = ZoneInfo("UTC")
    margin = timedelta(microseconds=1) if isinstance(original, datetime) else timedelta(days=1)
    start, end = _instant(original, utc) - margin, _instant(original, utc) + 2 * margin
    overrides = await _overrides(session, [series], start, end)
    for occurrence in expand_series(series, calendar, overrides.get(series.id, []), utc, start, end):
        if occurrence.original == original and occurrence.event is series:
            return occurrence
    return None
