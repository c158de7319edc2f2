"""Creating, changing and deleting calendars and their events. Only the calendar's owner writes them (the
policies say so); members of the company read them. Every event change is recorded for the replanner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Calendar, CalendarEvent, User
from domain.calendars.recurrence import MAX_EXCEPTIONS, normalized, rule_problem
from domain.changes import UNCHANGED, Change, Unchanged
from domain.db_errors import delete_visible, refusals
from domain.errors import Forbidden, invalid
from domain.events.service import EventType, record, snapshot
from domain.lookups import get_one, require_company
from domain.validation import Checks

CALENDAR_FIELDS = {"calendars_owner_fkey": "companyId"}
REFUSED = Forbidden("Only the calendar's owner may change it.")
TRANSPARENCIES = ("busy", "free")
RESPONSES = ("accepted", "tentative", "declined", "needs_action")


@dataclass(slots=True)
class CalendarChanges:
    name: Change[str] = UNCHANGED
    affects_availability: Change[bool] = UNCHANGED


@dataclass(slots=True)
class EventChanges:
    title: Change[str] = UNCHANGED
    description: Change[str] = UNCHANGED
    location: Change[str] = UNCHANGED
    starts_at: Change[datetime | None] = UNCHANGED
    ends_at: Change[datetime | None] = UNCHANGED
    start_date: Change[date | None] = UNCHANGED
    end_date: Change[date | None] = UNCHANGED
    all_day: Change[bool] = UNCHANGED
    transparency: Change[str] = UNCHANGED
    response: Change[str | None] = UNCHANGED
    cancelled: Change[bool] = UNCHANGED
    # A series: its rule (None: a single event), the zone it repeats in, and the occurrences it skips.
    rrule: Change[str | None] = UNCHANGED
    time_zone: Change[str | None] = UNCHANGED
    exception_starts: Change[list[datetime]] = UNCHANGED
    exception_dates: Change[list[date]] = UNCHANGED

    def given(self) -> dict[str, object]:
        return {f.name: v for f in fields(self) if not isinstance(v := getattr(self, f.name), Unchanged)}


def _check_calendar(name: str | None) -> None:
    checks = Checks()
    checks.text("name", name, max_length=200)
    checks.raise_if_any()


async def create_calendar(
    session: AsyncSession, *, company_id: uuid.UUID, owner_id: uuid.UUID, name: str, affects_availability: bool
) -> Calendar:
    _check_calendar(name)
    await require_company(session, company_id)
    calendar = Calendar(
        company_id=company_id, owner_id=owner_id, name=name.strip(), affects_availability=affects_availability
    )
    async with refusals(fields=CALENDAR_FIELDS, refused=Forbidden("You may not add calendars to this company.")):
        session.add(calendar)
        await session.flush()
    return calendar


async def get_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> Calendar:
    return await get_one(session, Calendar, calendar_id, what="Calendar")


async def update_calendar(session: AsyncSession, calendar_id: uuid.UUID, changes: CalendarChanges) -> Calendar:
    calendar = await get_calendar(session, calendar_id)
    if not isinstance(changes.name, Unchanged):
        _check_calendar(changes.name)
        calendar.name = changes.name.strip()
    if not isinstance(changes.affects_availability, Unchanged):
        calendar.affects_availability = changes.affects_availability
    calendar.updated_at = datetime.now(UTC)
    async with refusals(refused=REFUSED):
        await session.flush()
    return calendar


async def delete_calendar(session: AsyncSession, calendar_id: uuid.UUID) -> None:
    calendar = await get_calendar(session, calendar_id)
    # Its events go with it, which changes the owner's free time.
    await record(
        session, EventType.EVENT_DELETED, company_id=calendar.company_id, subject_id=calendar.id,
        data={"event": {"calendar_id": str(calendar.id), "user_id": str(calendar.owner_id)}},
    )  # fmt: skip
    await delete_visible(session, Calendar, calendar_id, what="Calendar", refused=REFUSED)


def check_event(event: CalendarEvent) -> None:
    """The whole event after the changes: timed events need instants, all-day ones dates."""
    checks = Checks()
    checks.text("title", event.title, max_length=500)
    checks.text("description", event.description, max_length=10_000, required=False)
    checks.text("location", event.location, max_length=500, required=False)
    if event.all_day:
        if event.start_date is None or event.end_date is None:
            checks.fail("startDate", "An all-day event needs a start and an end date.")
        elif event.end_date <= event.start_date:
            checks.fail("endDate", "Must be after the start date (the end date is exclusive).")
    elif event.starts_at is None or event.ends_at is None:
        checks.fail("startsAt", "A timed event needs a start and an end.")
    elif event.ends_at <= event.starts_at:
        checks.fail("endsAt", "Must be after the start.")
    if event.transparency not in TRANSPARENCIES:
        checks.fail("transparency", "Must be busy or free.")
    if event.response is not None and event.response not in RESPONSES:
        checks.fail("response", "Is not a known response.")
    _check_recurrence(checks, event)
    checks.raise_if_any()


def _check_recurrence(checks: Checks, event: CalendarEvent) -> None:
    if event.rrule is None:
        return
    if event.recurring_event_id is not None:
        checks.fail("recurrence", "An occurrence of a series cannot repeat itself.")
    elif (problem := rule_problem(event.rrule)) is not None:
        checks.fail("recurrence.rrule", problem.message, problem.code)
    checks.time_zone("recurrence.timeZone", event.time_zone)
    exceptions = event.exception_dates if event.all_day else event.exception_starts
    if len(exceptions) > MAX_EXCEPTIONS:
        checks.fail("recurrence", f"At most {MAX_EXCEPTIONS} exceptions.")
    if event.all_day and event.exception_starts:
        checks.fail("recurrence.exceptionStarts", "An all-day series skips dates: use exceptionDates.")
    if not event.all_day and event.exception_dates:
        checks.fail("recurrence.exceptionDates", "A timed series skips starts: use exceptionStarts.")


def _apply(event: CalendarEvent, changes: EventChanges) -> None:
    given = changes.given()
    for name, value in given.items():
        if name == "title" and isinstance(value, str):
            value = value.strip()
        if name == "rrule" and isinstance(value, str):
            value = normalized(value)
        if name in ("exception_starts", "exception_dates") and isinstance(value, list):
            value = sorted(set(value))
        setattr(event, name, value)
    # One kind of span at a time, as the table requires.
    if event.all_day:
        event.starts_at = event.ends_at = None
    else:
        event.start_date = event.end_date = None
    # Exceptions of the other kind go when a series changes kind, unless the change names them.
    if event.rrule is None or (event.all_day and "exception_starts" not in given):
        event.exception_starts = []
    if event.rrule is None or (not event.all_day and "exception_dates" not in given):
        event.exception_dates = []


async def _zone_of_owner(session: AsyncSession, event: CalendarEvent) -> None:
    """A timed series repeats on its owner's wall clock unless it names a zone of its own."""
    if event.rrule is not None and not event.all_day and event.time_zone is None:
        owner = await session.get(User, event.user_id)
        event.time_zone = owner.time_zone if owner is not None else "UTC"


async def create_event(session: AsyncSession, *, calendar_id: uuid.UUID, changes: EventChanges) -> CalendarEvent:
    calendar = await get_calendar(session, calendar_id)
    event = CalendarEvent(company_id=calendar.company_id, calendar_id=calendar.id, user_id=calendar.owner_id, title="")
    _apply(event, changes)
    await _zone_of_owner(session, event)
    check_event(event)
    async with refusals(refused=REFUSED):
        session.add(event)
        await session.flush()
    await record_change(session, EventType.EVENT_CREATED, event)
    return event


async def get_event(session: AsyncSession, event_id: uuid.UUID) -> CalendarEvent:
    return await get_one(session, CalendarEvent, event_id, what="CalendarEvent")


async def update_event(session: AsyncSession, event_id: uuid.UUID, changes: EventChanges) -> CalendarEvent:
    event = await get_event(session, event_id)
    was_series = event.rrule is not None
    if event.recurring_event_id is not None and changes.given().get("all_day", event.all_day) != event.all_day:
        raise invalid("allDay", "An occurrence keeps its series' kind (timed or all-day).")
    _apply(event, changes)
    await _zone_of_owner(session, event)
    check_event(event)
    event.updated_at = datetime.now(UTC)
    async with refusals(refused=REFUSED):
        await session.flush()
        if was_series and event.rrule is None:
            # No longer a series: its changed and cancelled occurrences have nothing left to replace.
            overrides = sa.delete(CalendarEvent).where(col(CalendarEvent.recurring_event_id) == event.id)
            await session.execute(overrides)
    await record_change(session, EventType.EVENT_UPDATED, event)
    return event


async def delete_event(session: AsyncSession, event_id: uuid.UUID) -> None:
    event = await get_event(session, event_id)
    await record_change(session, EventType.EVENT_DELETED, event)
    await delete_visible(session, CalendarEvent, event_id, what="CalendarEvent", refused=REFUSED)


SNAPSHOT = (
    "id", "company_id", "calendar_id", "user_id", "all_day", "starts_at", "ends_at", "start_date", "end_date",
    "transparency", "response", "cancelled", "rrule", "time_zone", "exception_starts", "exception_dates",
    "recurring_event_id", "original_start", "original_date", "updated_at",
)  # fmt: skip


async def record_change(session: AsyncSession, event_type: EventType, event: CalendarEvent) -> None:
    # Times and ids only: webhooks of the company may receive it, and the replanner needs no more.
    await record(
        session, event_type, company_id=event.company_id, subject_id=event.id,
        data={"event": snapshot(event, SNAPSHOT)},
    )  # fmt: skip
