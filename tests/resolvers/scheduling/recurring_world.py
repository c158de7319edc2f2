"""Recurring events through the API, and the busy time a person's plan sees, read as the person."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import Caller, tenant_session
from domain.planner import Interval
from domain.schedules.problem import build_problem
from tests.factories import Person, result_of
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.resolvers.scheduling.world import iso

EVENT_FIELDS = """
id title busy startsAt endsAt startDate endDate originalStart originalDate cancelled
recurrence { rrule timeZone exceptionStarts exceptionDates } series { id }
"""

CREATE_EVENT = (
    "mutation($input: CreateCalendarEventInput!) { createCalendarEvent(input: $input) {"
    " __typename ... on CalendarEvent {" + EVENT_FIELDS + "}"
    " ... on ValidationFailed { fields { field message code } } ... on Error { message } } }"
)
UPDATE_EVENT = (
    "mutation($input: UpdateCalendarEventInput!) { updateCalendarEvent(input: $input) {"
    " __typename ... on CalendarEvent {" + EVENT_FIELDS + "}"
    " ... on ValidationFailed { fields { field message code } } ... on Error { message } } }"
)
CHANGE_OCCURRENCE = (
    "mutation($input: UpdateCalendarEventOccurrenceInput!) { updateCalendarEventOccurrence(input: $input) {"
    " __typename ... on CalendarEvent {" + EVENT_FIELDS + "}"
    " ... on ValidationFailed { fields { field message code } } ... on Error { message } } }"
)
CANCEL_OCCURRENCE = (
    "mutation($input: CalendarEventOccurrenceInput!) { cancelCalendarEventOccurrence(input: $input) {"
    " __typename ... on CalendarEvent {" + EVENT_FIELDS + "} ... on Error { message } } }"
)
WEEK = (
    "query($start: DateTime!, $days: Int!) { viewer { week(start: $start, days: $days) { events {"
    + EVENT_FIELDS
    + "} } } }"
)


def next_day_at(hour: int, days: int = 1) -> datetime:
    """`hour`:00 UTC, `days` days from today."""
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), time(hour), tzinfo=UTC)


async def create_series(
    graphql: GraphQL, person: Person, *, calendar_id: str, title: str, start: datetime, end: datetime,
    rrule: str = "FREQ=WEEKLY", time_zone: str | None = "UTC", **recurrence: Any,
) -> dict[str, Any]:  # fmt: skip
    variables = {"input": {
        "calendarId": calendar_id, "title": title, "startsAt": iso(start), "endsAt": iso(end),
        "recurrence": {"rrule": rrule, "timeZone": time_zone, **recurrence},
    }}  # fmt: skip
    return await result_of(graphql, "createCalendarEvent", CREATE_EVENT, variables, person)


async def change_occurrence(graphql: GraphQL, person: Person, **fields: Any) -> dict[str, Any]:
    return await result_of(graphql, "updateCalendarEventOccurrence", CHANGE_OCCURRENCE, {"input": fields}, person)


async def cancel_occurrence(graphql: GraphQL, person: Person, **fields: Any) -> dict[str, Any]:
    return await result_of(graphql, "cancelCalendarEventOccurrence", CANCEL_OCCURRENCE, {"input": fields}, person)


async def week_events(graphql: GraphQL, person: Person, *, start: datetime, days: int) -> list[dict[str, Any]]:
    data = await graphql(WEEK, {"start": iso(start), "days": days}, caller=person)
    events: list[dict[str, Any]] = data["viewer"]["week"]["events"]
    return events


async def busy_of(sessions: async_sessionmaker[AsyncSession], person: Person) -> tuple[Interval, ...]:
    """The busy time of the person's next plan, across every company, as the planner reads it."""
    user_id = uuid_of(person.user_id)
    async with tenant_session(sessions, Caller(user_id=user_id)) as session:
        built = await build_problem(session, user_id, datetime.now(UTC))
    return built.problem.busy


def covers(busy: tuple[Interval, ...], start: datetime, end: datetime) -> bool:
    return any(span.start <= start and end <= span.end for span in busy)


def touches(busy: tuple[Interval, ...], start: datetime, end: datetime) -> bool:
    return any(span.start < end and start < span.end for span in busy)


def spans(events: list[dict[str, Any]]) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(e["startsAt"]), datetime.fromisoformat(e["endsAt"])) for e in events]
