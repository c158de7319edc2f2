"""Peak hours learned from focus ratings: declared ones stand until enough sessions are rated, then plans put deep
work where the person's focus ratings are highest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.factories import Person, create_task, result_of, sign_up
from tests.graphql import GraphQL
from tests.resolvers.focus.world import rated_session
from tests.resolvers.scheduling.world import parse, plan, work_always

PROFILE = """
{ viewer { schedulingProfile { peakHours { start end } learnedPeakHours { start end } peakHoursSource } } }"""
SET_PEAKS = """
mutation($input: UpdateSchedulingProfileInput!) {
  updateSchedulingProfile(input: $input) { __typename ... on Error { message } }
}"""
DEEP = """
mutation($input: UpdateTaskSchedulingInput!) {
  updateTaskScheduling(input: $input) { __typename ... on TaskScheduling { workKind } ... on Error { message } }
}"""


def zone_early_in_the_hour() -> str:
    """A zone where the local time is in the first half of an hour, so deep work still fits in this hour."""
    return "UTC" if datetime.now(UTC).minute < 30 else "Asia/Kolkata"


def hhmm(hour: int) -> str:
    return f"{hour % 24:02d}:00"


async def profile(graphql: GraphQL, person: Person) -> dict[str, Any]:
    result: dict[str, Any] = (await graphql(PROFILE, caller=person))["viewer"]["schedulingProfile"]
    return result


async def deep_block_hour(graphql: GraphQL, person: Person, task_id: str, zone: ZoneInfo) -> int:
    [block] = [b for b in (await plan(graphql, person, apply=False))["blocks"] if b["task"]["id"] == task_id]
    return parse(block["startsAt"]).astimezone(zone).hour


async def test_enough_rated_sessions_replace_the_declared_peak_hours_and_the_plan_follows(graphql: GraphQL) -> None:
    zone_name = zone_early_in_the_hour()
    zone = ZoneInfo(zone_name)
    ada = await sign_up(graphql, name="Ada Energy", time_zone=zone_name)
    await work_always(graphql, ada)
    hour = datetime.now(zone).hour
    # Six hours on, or five where six would be 23:00, whose hour would end at 00:00, before it starts.
    declared = (hour + 6) % 24 if (hour + 6) % 24 != 23 else (hour + 5) % 24
    peaks = {"input": {"peakHours": [{"start": hhmm(declared), "end": hhmm(declared + 1)}]}}
    assert (await graphql(SET_PEAKS, peaks, caller=ada))["updateSchedulingProfile"]["__typename"] == "SchedulingProfile"
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Deep thinking")
    variables = {"input": {"taskId": task["id"], "workKind": "DEEP", "durationMinutes": 15}}
    await result_of(graphql, "updateTaskScheduling", DEEP, variables, ada)
    for _ in range(4):
        await rated_session(graphql, ada, focus=5)

    too_few = await profile(graphql, ada)
    before = await deep_block_hour(graphql, ada, task["id"], zone)
    await rated_session(graphql, ada, focus=5)
    learned = await profile(graphql, ada)
    after = await deep_block_hour(graphql, ada, task["id"], zone)

    assert (too_few["peakHoursSource"], too_few["learnedPeakHours"]) == ("DECLARED", [])
    assert before == declared
    assert learned["peakHoursSource"] == "LEARNED"
    assert learned["learnedPeakHours"] == [{"start": f"{hhmm(hour)}:00", "end": f"{hhmm(hour + 1)}:00"}]
    assert learned["peakHours"] == too_few["peakHours"], "the declared hours stay as the person set them"
    assert after == hour


async def test_low_ratings_keep_the_declared_peak_hours(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Tired")
    await graphql(SET_PEAKS, {"input": {"peakHours": [{"start": "09:00", "end": "11:00"}]}}, caller=ada)
    for _ in range(6):
        await rated_session(graphql, ada, focus=1)

    shown = await profile(graphql, ada)

    assert (shown["peakHoursSource"], shown["learnedPeakHours"]) == ("DECLARED", [])
