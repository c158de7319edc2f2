"""Habits and company work hours made through the API, and helpers to read blocks in a zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.factories import Person, result_of
from tests.graphql import GraphQL

BERLIN = ZoneInfo("Europe/Berlin")

HABIT_FIELDS = """
id title rrule timeZone startsOn windowStart windowEnd idealTime durationMinutes timesPerPeriod period priority
workKind active company { id }
"""

CREATE_HABIT = (
    "mutation($input: CreateHabitInput!) { createHabit(input: $input) { __typename ... on Habit { "
    + HABIT_FIELDS
    + " } ... on ValidationFailed { fields { field message } } ... on Error { message } } }"
)

UPDATE_HABIT = (
    "mutation($input: UpdateHabitInput!) { updateHabit(input: $input) { __typename ... on Habit { "
    + HABIT_FIELDS
    + " } ... on ValidationFailed { fields { field message } } ... on Error { message } } }"
)

SET_HOURS = """
mutation($input: SetCompanyWorkHoursInput!) {
  setCompanyWorkHours(input: $input) {
    __typename ... on CompanyWorkHours { timeZone workDayStart workDayEnd workDays company { id } }
    ... on ValidationFailed { fields { field message } } ... on Error { message }
  }
}"""

HABITS = "{ viewer { habits { " + HABIT_FIELDS + " } companyWorkHours { timeZone workDayStart company { id } } } }"

MORNING_RUN = {
    "title": "Morning run",
    "rrule": "FREQ=DAILY",
    "timeZone": "Europe/Berlin",
    "windowStart": "07:00",
    "windowEnd": "09:00",
    "idealTime": "07:30",
    "durationMinutes": 30,
    "timesPerPeriod": 3,
    "period": "WEEK",
}


async def create_habit(graphql: GraphQL, person: Person, *, company_id: str, **fields: Any) -> dict[str, Any]:
    variables = {"input": {**MORNING_RUN, "companyId": company_id, **fields}}
    result: dict[str, Any] = await result_of(graphql, "createHabit", CREATE_HABIT, variables, person)
    assert result["__typename"] == "Habit", result
    return result


async def set_hours(graphql: GraphQL, person: Person, *, company_id: str, **fields: Any) -> dict[str, Any]:
    variables = {"input": {"companyId": company_id, **fields}}
    result: dict[str, Any] = await result_of(graphql, "setCompanyWorkHours", SET_HOURS, variables, person)
    assert result["__typename"] == "CompanyWorkHours", result
    return result


def local(value: datetime | str, zone: ZoneInfo = BERLIN) -> datetime:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(zone)


def full_weeks(start: datetime, end: datetime, zone: ZoneInfo = BERLIN) -> list[date]:
    """The Mondays of the ISO weeks (in `zone`) lying wholly inside [start, end)."""
    day = local(start, zone).date()
    monday = day + timedelta(days=(7 - day.weekday()) % 7)
    if monday == day and local(start, zone).time() != datetime.min.time():
        monday += timedelta(days=7)
    found = []
    while datetime.combine(monday + timedelta(days=7), datetime.min.time(), zone) <= end:
        found.append(monday)
        monday += timedelta(days=7)
    return found
