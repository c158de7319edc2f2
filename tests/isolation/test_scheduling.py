"""Calendars, events and time blocks of company A, aimed at by Bob (not a member) and by company B's API key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants
from tests.resolvers.scheduling.habits_world import HABITS, create_habit, set_hours
from tests.resolvers.scheduling.recurring_world import change_occurrence, create_series, next_day_at, week_events
from tests.resolvers.scheduling.world import create_calendar, create_event, iso, now, plan, week, work_always

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


async def alices_schedule(graphql: GraphQL, tenants: Tenants) -> dict[str, str]:
    """A calendar, an event and a weekly series with one changed occurrence and one unchanged of Alice's in company A,
    and a block of A's task on her week."""
    alice = tenants.alice
    await work_always(graphql, alice)
    calendar = await create_calendar(graphql, alice, company_id=tenants.a.company_id, name=f"Cal {tenants.a.marker}")
    event = await create_event(graphql, alice, calendar_id=calendar, title=f"Meet {tenants.a.marker}",
                               start=now() + timedelta(hours=1), end=now() + timedelta(hours=2))  # fmt: skip
    first = next_day_at(23)
    series = await create_series(graphql, alice, calendar_id=calendar, title=f"Weekly {tenants.a.marker}",
                                 start=first, end=first + timedelta(minutes=30))  # fmt: skip
    override = await change_occurrence(graphql, alice, eventId=series["id"], originalStart=iso(first),
                                       title=f"Moved {tenants.a.marker}")  # fmt: skip
    [occurrence] = await week_events(graphql, alice, start=first + timedelta(days=7), days=1)
    habit = await create_habit(graphql, alice, company_id=tenants.a.company_id, title=f"Run {tenants.a.marker}")
    await set_hours(graphql, alice, company_id=tenants.a.company_id, timeZone="UTC", workDayStart="00:00",
                    workDayEnd="23:59", workDays=[1, 2, 3, 4, 5, 6, 7])  # fmt: skip
    await plan(graphql, alice, apply=True)
    blocks = (await week(graphql, alice, start=now() - timedelta(hours=1)))["blocks"]
    [block] = [b for b in blocks if b["task"] is not None and b["task"]["id"] == tenants.a.task_id]
    return {"calendar": calendar, "event": event, "block": block["id"], "habit": habit["id"], "series": series["id"],
            "override": override["id"], "occurrence": occurrence["id"], "original": iso(first)}  # fmt: skip


ATTACKS: list[tuple[str, Callable[[dict[str, str], Tenants], dict[str, Any]] | None, str]] = [
    ("createCalendar", lambda ids, t: {"companyId": t.a.company_id, "name": "Pwned"}, "NotFound"),
    ("updateCalendar", lambda ids, t: {"id": ids["calendar"], "name": "Pwned"}, "NotFound"),
    ("deleteCalendar", lambda ids, t: {"id": ids["calendar"]}, "NotFound"),
    ("createCalendarEvent", lambda ids, t: {"calendarId": ids["calendar"], "title": "Pwned",
     "startsAt": "2030-01-01T10:00:00Z", "endsAt": "2030-01-01T11:00:00Z"}, "NotFound"),
    ("updateCalendarEvent", lambda ids, t: {"id": ids["event"], "title": "Pwned"}, "NotFound"),
    ("deleteCalendarEvent", lambda ids, t: {"id": ids["event"]}, "NotFound"),
    ("updateCalendarEvent", lambda ids, t: {"id": ids["series"], "recurrence": None}, "NotFound"),
    ("updateCalendarEvent", lambda ids, t: {"id": ids["override"], "cancelled": True}, "NotFound"),
    ("deleteCalendarEvent", lambda ids, t: {"id": ids["series"]}, "NotFound"),
    ("deleteCalendarEvent", lambda ids, t: {"id": ids["override"]}, "NotFound"),
    ("updateCalendarEventOccurrence", lambda ids, t: {"eventId": ids["series"], "originalStart": ids["original"],
     "title": "Pwned"}, "NotFound"),
    ("cancelCalendarEventOccurrence", lambda ids, t: {"eventId": ids["series"], "originalStart": ids["original"]},
     "NotFound"),
    ("updateCalendarEventOccurrence", lambda ids, t: {"eventId": ids["occurrence"], "title": "Pwned"}, "NotFound"),
    ("cancelCalendarEventOccurrence", lambda ids, t: {"eventId": ids["occurrence"]}, "NotFound"),
    ("pinTimeBlock", lambda ids, t: {"id": ids["block"]}, "NotFound"),
    ("unpinTimeBlock", lambda ids, t: {"id": ids["block"]}, "NotFound"),
    ("markTimeBlockDone", lambda ids, t: {"id": ids["block"]}, "NotFound"),
    ("markTimeBlockMissed", lambda ids, t: {"id": ids["block"]}, "NotFound"),
    ("updateTaskScheduling", lambda ids, t: {"taskId": t.a.task_id, "durationMinutes": 5}, "NotFound"),
    ("updateTaskScheduling", lambda ids, t: {"taskId": t.b.task_id, "dependsOn": [t.a.task_id]}, "ValidationFailed"),
    # These act on the caller's own plan and profile only.
    ("previewSchedule", None, "SchedulePlan"),
    ("applySchedule", None, "SchedulePlan"),
    ("updateSchedulingProfile", lambda ids, t: {"bufferMinutes": 15}, "SchedulingProfile"),
    ("createHabit", lambda ids, t: {"companyId": t.a.company_id, "title": "Pwned", "rrule": "FREQ=DAILY",
     "timeZone": "UTC", "windowStart": "07:00", "windowEnd": "08:00", "durationMinutes": 30}, "NotFound"),
    ("updateHabit", lambda ids, t: {"id": ids["habit"], "title": "Pwned", "active": False}, "NotFound"),
    ("deleteHabit", lambda ids, t: {"id": ids["habit"]}, "NotFound"),
    ("setCompanyWorkHours", lambda ids, t: {"companyId": t.a.company_id, "timeZone": "UTC", "workDayStart": "01:00",
     "workDayEnd": "02:00", "workDays": [1]}, "NotFound"),
    ("clearCompanyWorkHours", lambda ids, t: {"companyId": t.a.company_id}, "NotFound"),
]  # fmt: skip

MUTATIONS = {mutation for mutation, _, _ in ATTACKS}


# Ids by position: a lambda's default id names its address, which differs between the test processes.
@pytest.mark.parametrize(
    ("mutation", "make_input", "expect"),
    ATTACKS,
    ids=[f"{number}-{mutation}-{expect}" for number, (mutation, _, expect) in enumerate(ATTACKS)],
)
async def test_outsiders_cannot_reach_company_as_schedule_through(
    graphql: GraphQL, tenants: Tenants, mutation: str, make_input: Any, expect: str
) -> None:
    ids = await alices_schedule(graphql, tenants)
    variables = None if make_input is None else {"input": make_input(ids, tenants)}
    before = await week(graphql, tenants.alice, start=now() - timedelta(hours=1))
    habits_before = await graphql(HABITS, caller=tenants.alice)

    by_bob = await graphql.post(mutation_document(mutation), variables, caller=tenants.bob)
    by_key = await graphql.post(mutation_document(mutation), variables, caller=tenants.b.api_key.caller())

    for response in (by_bob, by_key):
        assert tenants.a.marker not in response.text
    assert by_bob.json()["data"][mutation]["__typename"] == expect
    assert by_key.json()["data"][mutation]["__typename"] == "Forbidden"
    assert await week(graphql, tenants.alice, start=now() - timedelta(hours=1)) == before
    assert await graphql(HABITS, caller=tenants.alice) == habits_before


async def test_bob_gets_null_for_alices_calendar_event_occurrence_block_and_habit(
    graphql: GraphQL, tenants: Tenants
) -> None:
    ids = await alices_schedule(graphql, tenants)
    nodes = [value for name, value in ids.items() if name != "original"]

    answers = [await graphql.post(NODE, {"id": value}, caller=tenants.bob) for value in nodes]
    seen_by_alice = [await graphql(NODE, {"id": value}, caller=tenants.alice) for value in nodes]

    assert [answer.json()["data"]["node"] for answer in answers] == [None] * len(nodes)
    assert all(data["node"] is not None for data in seen_by_alice)
    assert all(tenants.a.marker not in answer.text for answer in answers)
