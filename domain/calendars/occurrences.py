"""Changing or cancelling one occurrence of a recurring event. The change is a row of its own (an override) that
names its series and the original start of the occurrence it replaces; the series stays as it was. Deleting the
override (`delete_event`) brings the occurrence back; deleting the series takes its overrides with it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import CalendarEvent
from domain.calendars.recurrence import occurrence_span
from domain.calendars.service import REFUSED, EventChanges, check_event, get_event, record_change
from domain.db_errors import refusals
from domain.errors import invalid
from domain.events.service import EventType

# What an override may change: its details, its span, and the owner's answer; the rest is the series'.
OVERRIDABLE = (
    "title", "description", "location", "starts_at", "ends_at", "start_date", "end_date", "transparency",
    "response", "cancelled",
)  # fmt: skip
COPIED = ("title", "description", "location", "all_day", "transparency", "response")


@dataclass(frozen=True, slots=True)
class OriginalStart:
    """Which occurrence: its original start (timed series) or date (all-day series)."""

    start: datetime | None = None
    day: date | None = None


async def _series(session: AsyncSession, series_id: uuid.UUID) -> CalendarEvent:
    series = await get_event(session, series_id)
    if series.rrule is None:
        raise invalid("eventId", "Is not a recurring event.", "NOT_RECURRING")
    return series


def _original(series: CalendarEvent, original: OriginalStart) -> datetime | date:
    """The original start, checked to be one of the series' occurrences."""
    if series.all_day:
        if original.day is None or original.start is not None:
            raise invalid("originalDate", "An all-day series names its occurrences by date.")
        value: datetime | date | None = original.day
    else:
        if original.start is None or original.day is not None:
            raise invalid("originalStart", "A timed series names its occurrences by their original start.")
        value = original.start.astimezone(UTC)
    if value is None or occurrence_span(series, value) is None:
        field = "originalDate" if series.all_day else "originalStart"
        raise invalid(field, "Is not an occurrence of the series.", "NOT_AN_OCCURRENCE")
    return value


async def _override_of(session: AsyncSession, series: CalendarEvent, original: datetime | date) -> CalendarEvent | None:
    column = col(CalendarEvent.original_date) if series.all_day else col(CalendarEvent.original_start)
    statement = sa.select(CalendarEvent).where(col(CalendarEvent.recurring_event_id) == series.id, column == original)
    return (await session.execute(statement)).scalar_one_or_none()


def _new_override(series: CalendarEvent, original: datetime | date) -> CalendarEvent:
    span = occurrence_span(series, original)
    assert span is not None
    start, end = span
    override = CalendarEvent(
        company_id=series.company_id, calendar_id=series.calendar_id, user_id=series.user_id,
        recurring_event_id=series.id, **{name: getattr(series, name) for name in COPIED},
    )  # fmt: skip
    if isinstance(original, datetime) and isinstance(start, datetime) and isinstance(end, datetime):
        override.original_start, override.starts_at, override.ends_at = original, start, end
    elif isinstance(original, date) and isinstance(start, date) and isinstance(end, date):
        override.original_date, override.start_date, override.end_date = original, start, end
    return override


async def change_occurrence(
    session: AsyncSession, series_id: uuid.UUID, original: OriginalStart, changes: EventChanges
) -> CalendarEvent:
    """Change (or cancel) one occurrence: its override, made from the series on the first change."""
    series = await _series(session, series_id)
    start = _original(series, original)
    override = await _override_of(session, series, start)
    created = override is None
    if override is None:
        override = _new_override(series, start)
    for name, value in changes.given().items():
        if name in OVERRIDABLE:
            setattr(override, name, value.strip() if name == "title" and isinstance(value, str) else value)
    check_event(override)
    override.updated_at = datetime.now(UTC)
    async with refusals(refused=REFUSED):
        if created:
            session.add(override)
        await session.flush()
    await record_change(session, EventType.EVENT_CREATED if created else EventType.EVENT_UPDATED, override)
    return override


async def cancel_occurrence(session: AsyncSession, series_id: uuid.UUID, original: OriginalStart) -> CalendarEvent:
    return await change_occurrence(session, series_id, original, EventChanges(cancelled=True))
