"""People who work around the clock every day (so a plan has room whenever the tests run), with calendars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import Person, result_of
from tests.graphql import GraphQL

ALWAYS = """
mutation($viewer: UpdateViewerInput!, $profile: UpdateSchedulingProfileInput!) {
  updateViewer(input: $viewer) { __typename ... on Error { message } }
  updateSchedulingProfile(input: $profile) { __typename ... on Error { message } }
}"""

CREATE_CALENDAR = """
mutation($input: CreateCalendarInput!) {
  createCalendar(input: $input) { __typename ... on Calendar { id } ... on Error { message } }
}"""

CREATE_EVENT = """
mutation($input: CreateCalendarEventInput!) {
  createCalendarEvent(input: $input) {
    __typename ... on CalendarEvent { id busy }
    ... on ValidationFailed { fields { field message } } ... on Error { message }
  }
}"""

PLAN_FIELDS = """
applied
blocks { startsAt endsAt state pinned locked task { id } timeBlock { id } }
unplaced { reason detail task { id } }
quality { objective hardViolations lateMinutes unplaced strategy }
"""

RESULT = "{{ __typename ... on SchedulePlan {{ {fields} }} ... on Error {{ message }} }}"
PREVIEW = "mutation { previewSchedule " + RESULT.format(fields=PLAN_FIELDS) + " }"
APPLY = "mutation { applySchedule " + RESULT.format(fields=PLAN_FIELDS) + " }"

WEEK = """
query($start: DateTime!) {
  viewer {
    week(start: $start, days: 3) {
      blocks { id startsAt endsAt state pinned task { id title } }
      events { id title busy startsAt endsAt }
    }
  }
}"""


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def now() -> datetime:
    return datetime.now(UTC)


async def work_always(graphql: GraphQL, person: Person, *, horizon_days: int = 2) -> None:
    data = await graphql(
        ALWAYS,
        {
            "viewer": {"workDayStart": "00:00", "workDayEnd": "23:59", "workDays": [1, 2, 3, 4, 5, 6, 7]},
            "profile": {"horizonDays": horizon_days, "breaks": [], "bufferMinutes": 0},
        },
        caller=person,
    )
    assert all(result["__typename"] != "ValidationFailed" and "message" not in result for result in data.values()), data


async def create_calendar(graphql: GraphQL, person: Person, *, company_id: str, name: str = "Work") -> str:
    variables = {"input": {"companyId": company_id, "name": name}}
    return str((await result_of(graphql, "createCalendar", CREATE_CALENDAR, variables, person))["id"])


async def create_event(
    graphql: GraphQL, person: Person, *, calendar_id: str, title: str, start: datetime, end: datetime, **fields: Any
) -> str:
    variables = {
        "input": {"calendarId": calendar_id, "title": title, "startsAt": iso(start), "endsAt": iso(end), **fields}
    }
    return str((await result_of(graphql, "createCalendarEvent", CREATE_EVENT, variables, person))["id"])


async def plan(graphql: GraphQL, person: Person, *, apply: bool) -> dict[str, Any]:
    data = await graphql(APPLY if apply else PREVIEW, caller=person)
    result: dict[str, Any] = data["applySchedule" if apply else "previewSchedule"]
    assert result["__typename"] == "SchedulePlan", result
    return result


async def week(graphql: GraphQL, person: Person, *, start: datetime) -> dict[str, Any]:
    data = await graphql(WEEK, {"start": iso(start)}, caller=person)
    result: dict[str, Any] = data["viewer"]["week"]
    return result


def day_later() -> tuple[datetime, datetime]:
    """A meeting from an hour ago until 20 hours from now: nothing fits before its end."""
    return now() - timedelta(hours=1), now() + timedelta(hours=20)
