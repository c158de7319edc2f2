"""Habits through the API: made, checked, planned inside their window (also across DST changes), shown on the week,
changed and deleted."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.tenant import Caller, tenant_session
from domain.schedules import plans
from tests.factories import sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.resolvers.scheduling.habits_world import (
    BERLIN,
    CREATE_HABIT,
    HABITS,
    UPDATE_HABIT,
    create_habit,
    full_weeks,
    local,
)
from tests.resolvers.scheduling.world import iso, now, plan

PROFILE = """
mutation($viewer: UpdateViewerInput!, $profile: UpdateSchedulingProfileInput!) {
  updateViewer(input: $viewer) { __typename ... on Error { message } }
  updateSchedulingProfile(input: $profile) { __typename ... on Error { message } }
}"""

WEEK = """
query($start: DateTime!, $days: Int!) {
  viewer { week(start: $start, days: $days) { blocks { id startsAt endsAt task { id } habit { id title } } } }
}"""

PLAN = """
mutation {
  applySchedule {
    __typename
    ... on SchedulePlan { horizonStart horizonEnd blocks { startsAt endsAt task { id } habit { id } timeBlock { id } } }
    ... on Error { message }
  }
}"""

DELETE_HABIT = """
mutation($input: HabitIdInput!) { deleteHabit(input: $input) { __typename ... on Error { message } } }
"""


async def office_hours_in_berlin(graphql: GraphQL, person: Any, *, horizon_days: int) -> None:
    """Nine to five on weekdays in Berlin: the habit's morning window lies outside the person's work hours."""
    data = await graphql(
        PROFILE,
        {
            "viewer": {"timeZone": "Europe/Berlin", "workDayStart": "09:00", "workDayEnd": "17:00",
                       "workDays": [1, 2, 3, 4, 5]},
            "profile": {"horizonDays": horizon_days, "breaks": [], "bufferMinutes": 0},
        },
        caller=person,
    )  # fmt: skip
    assert all("message" not in result for result in data.values()), data


def assert_in_morning_window(starts: datetime, ends: datetime) -> None:
    start, end = local(starts), local(ends)
    assert time(7) <= start.time(), start
    assert end.time() <= time(9), end
    assert start.date() == end.date()
    assert end - start == timedelta(minutes=30)


async def test_a_habit_three_times_a_week_gets_three_blocks_in_its_window_each_week_shown_on_the_week(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Habit")
    await office_hours_in_berlin(graphql, ada, horizon_days=22)
    habit = await create_habit(graphql, ada, company_id=ada.personal_company_id)

    applied = (await graphql(PLAN, caller=ada))["applySchedule"]
    start, end = datetime.fromisoformat(applied["horizonStart"]), datetime.fromisoformat(applied["horizonEnd"])
    shown = (await graphql(WEEK, {"start": iso(start), "days": 23}, caller=ada))["viewer"]["week"]["blocks"]

    habit_blocks = [b for b in shown if b["habit"] is not None]
    assert habit_blocks
    assert all(b["habit"] == {"id": habit["id"], "title": "Morning run"} for b in habit_blocks)
    assert all(b["task"] is None for b in habit_blocks)
    for block in habit_blocks:
        assert_in_morning_window(datetime.fromisoformat(block["startsAt"]), datetime.fromisoformat(block["endsAt"]))
    per_week = Counter(
        local(b["startsAt"]).date() - timedelta(days=local(b["startsAt"]).weekday()) for b in habit_blocks
    )
    weeks = full_weeks(start, end)
    assert len(weeks) >= 2
    assert [per_week[monday] for monday in weeks] == [3] * len(weeks)
    days = [local(b["startsAt"]).date() for b in habit_blocks]
    assert len(days) == len(set(days)), "one occurrence a day"
    assert sorted(b["timeBlock"]["id"] for b in applied["blocks"] if b["habit"]) == sorted(
        b["id"] for b in habit_blocks
    )


@pytest.mark.parametrize(
    "monday",
    [datetime(2027, 3, 22, tzinfo=BERLIN), datetime(2027, 10, 25, tzinfo=BERLIN)],
    ids=["spring-forward", "fall-back"],
)
async def test_habit_blocks_keep_their_wall_clock_window_across_a_dst_change(
    graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], monday: datetime
) -> None:
    ada = await sign_up(graphql, name="Ada Daylight")
    await office_hours_in_berlin(graphql, ada, horizon_days=14)
    habit = await create_habit(graphql, ada, company_id=ada.personal_company_id)

    # A plan made on a Monday before the last Sunday of March (October): its fortnight crosses the change.
    async with tenant_session(sessions, Caller(user_id=uuid_of(ada.user_id))) as session:
        planned = await plans.preview(session, uuid_of(ada.user_id), monday.astimezone(UTC))

    blocks = [b for b in planned.schedule.blocks if planned.person.habits.get(b.task_id) == uuid_of(habit["id"])]
    assert len(blocks) == 6
    for block in blocks:
        assert_in_morning_window(block.start, block.end)
    offsets = Counter(local(b.start).utcoffset() for b in blocks)
    assert sorted(offsets.values()) == [3, 3], "three blocks on each side of the change, each at its local time"
    assert planned.schedule.quality.hard_violations == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"rrule": "FREQ=HOURLY"}, "rrule"),
        ({"rrule": "DTSTART:20260101T000000\nRRULE:FREQ=DAILY"}, "rrule"),
        ({"windowStart": "09:00", "windowEnd": "08:00"}, "windowEnd"),
        ({"timeZone": "Mars/Olympus"}, "timeZone"),
        ({"idealTime": "10:00"}, "idealTime"),
        ({"durationMinutes": 180}, "durationMinutes"),
    ],
)
async def test_an_invalid_habit_is_validation_failed_on_its_field(
    graphql: GraphQL, fields: dict[str, Any], field: str
) -> None:
    ada = await sign_up(graphql, name="Ada Invalid")
    variables = {"input": {**_morning(ada.personal_company_id), **fields}}

    result = (await graphql(CREATE_HABIT, variables, caller=ada))["createHabit"]
    listed = (await graphql(HABITS, caller=ada))["viewer"]["habits"]

    assert result["__typename"] == "ValidationFailed", result
    assert field in [item["field"] for item in result["fields"]]
    assert listed == []


def _morning(company_id: str) -> dict[str, Any]:
    from tests.resolvers.scheduling.habits_world import MORNING_RUN

    return {**MORNING_RUN, "companyId": company_id}


async def test_a_changed_habit_moves_its_blocks_and_a_deleted_one_takes_them_away(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Change")
    await office_hours_in_berlin(graphql, ada, horizon_days=8)
    habit = await create_habit(graphql, ada, company_id=ada.personal_company_id)
    await plan(graphql, ada, apply=True)

    evening = {"id": habit["id"], "windowStart": "18:00", "windowEnd": "19:00", "idealTime": None}
    changed = await graphql(UPDATE_HABIT, {"input": evening}, caller=ada)
    await plan(graphql, ada, apply=True)
    moved = (await graphql(WEEK, {"start": iso(now()), "days": 9}, caller=ada))["viewer"]["week"]["blocks"]
    deleted = await graphql(DELETE_HABIT, {"input": {"id": habit["id"]}}, caller=ada)
    after = (await graphql(WEEK, {"start": iso(now()), "days": 9}, caller=ada))["viewer"]["week"]["blocks"]

    assert changed["updateHabit"]["windowStart"] == "18:00:00"
    assert changed["updateHabit"]["idealTime"] is None
    assert moved
    assert all(time(18) <= local(b["startsAt"]).time() < time(19) for b in moved)
    assert deleted["deleteHabit"]["__typename"] == "Deleted"
    assert after == []
    assert (await graphql(HABITS, caller=ada))["viewer"]["habits"] == []


async def test_an_inactive_habit_is_not_planned(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Pause")
    await office_hours_in_berlin(graphql, ada, horizon_days=8)
    habit = await create_habit(graphql, ada, company_id=ada.personal_company_id)
    await graphql(UPDATE_HABIT, {"input": {"id": habit["id"], "active": False}}, caller=ada)

    applied = await plan(graphql, ada, apply=True)

    assert applied["blocks"] == []
