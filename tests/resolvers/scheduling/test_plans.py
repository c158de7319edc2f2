"""Planning through the API: previews and applied plans across a person's companies, the week view, pins, done and
missed blocks, unplaced tasks with reasons."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.resolvers.scheduling.world import (
    create_calendar,
    create_event,
    day_later,
    iso,
    now,
    parse,
    plan,
    week,
    work_always,
)

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
BLOCK_CHANGE = """
mutation($input: TimeBlockIdInput!) {
  %s(input: $input) { __typename ... on TimeBlock { id state pinned startsAt endsAt } ... on Error { message } }
}"""


async def test_a_preview_places_work_around_a_meeting_of_another_company_that_colleagues_there_cannot_see(
    graphql: GraphQL,
) -> None:
    ada = await sign_up(graphql, name="Ada Planner")
    grace = await sign_up(graphql, name="Grace Colleague")
    acme = await create_company(graphql, ada, name="Acme Plans")
    globex = await create_company(graphql, ada, name="Globex Plans")
    await invite(graphql, ada, company_id=acme, member=grace)
    await work_always(graphql, ada)
    start, end = day_later()
    calendar = await create_calendar(graphql, ada, company_id=globex)
    meeting = await create_event(graphql, ada, calendar_id=calendar, title="Globex board secret", start=start, end=end)
    task = await create_task(
        graphql, ada, company_id=acme, title="Acme report", estimatedMinutes=60, assigneeId=ada.user_id
    )

    preview = await plan(graphql, ada, apply=False)
    seen_by_grace = await graphql.post(NODE, {"id": meeting}, caller=grace)

    [block] = [b for b in preview["blocks"] if b["task"]["id"] == task["id"]]
    assert parse(block["startsAt"]) >= end - timedelta(minutes=1)
    assert preview["applied"] is False
    assert block["timeBlock"] is None
    assert preview["quality"]["hardViolations"] == 0
    assert seen_by_grace.json()["data"]["node"] is None
    assert "Globex board secret" not in seen_by_grace.text
    assert (await week(graphql, ada, start=now() - timedelta(hours=2)))["blocks"] == [], "a preview stores nothing"


async def test_an_applied_plan_shows_in_the_week_with_the_meetings(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Week")
    await work_always(graphql, ada)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    start, end = now() + timedelta(hours=1), now() + timedelta(hours=2)
    await create_event(graphql, ada, calendar_id=calendar, title="Dentist", start=start, end=end)
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Taxes", estimatedMinutes=90)

    applied = await plan(graphql, ada, apply=True)
    shown = await week(graphql, ada, start=now() - timedelta(hours=1))

    assert applied["applied"] is True
    [block] = shown["blocks"]
    assert block["task"] == {"id": task["id"], "title": "Taxes"}
    assert parse(block["endsAt"]) - parse(block["startsAt"]) == timedelta(minutes=90)
    assert not (parse(block["startsAt"]) < end and parse(block["endsAt"]) > start), "the block overlaps the event"
    assert [event["title"] for event in shown["events"]] == ["Dentist"]
    assert [b["timeBlock"]["id"] for b in applied["blocks"]] == [block["id"]]


async def test_a_pinned_block_survives_a_replan_where_an_unpinned_one_would_move(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Pin")
    await work_always(graphql, ada, horizon_days=3)
    company = ada.personal_company_id
    later = await create_task(graphql, ada, company_id=company, title="Later", estimatedMinutes=60, priority="LOW")
    await plan(graphql, ada, apply=True)
    [block] = (await week(graphql, ada, start=now() - timedelta(hours=1)))["blocks"]
    pinned = (await graphql(BLOCK_CHANGE % "pinTimeBlock", {"input": {"id": block["id"]}}, caller=ada))["pinTimeBlock"]
    # Urgent work that wants the same time comes in.
    await create_task(graphql, ada, company_id=company, title="Urgent", estimatedMinutes=600, priority="URGENT",
                      dueAt=iso(now() + timedelta(hours=10)))  # fmt: skip

    replanned = await plan(graphql, ada, apply=True)
    shown = await week(graphql, ada, start=now() - timedelta(hours=1))

    assert pinned["pinned"] is True
    kept = [b for b in shown["blocks"] if b["task"]["id"] == later["id"]]
    assert kept == [{**block, "pinned": True}]
    assert any(b["locked"] and b["pinned"] for b in replanned["blocks"])


async def test_done_and_missed_blocks(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Done")
    await work_always(graphql, ada)
    company = ada.personal_company_id
    await create_task(graphql, ada, company_id=company, title="Reading", estimatedMinutes=30)
    await create_task(graphql, ada, company_id=company, title="Writing", estimatedMinutes=30)
    await plan(graphql, ada, apply=True)
    first, second = (await week(graphql, ada, start=now() - timedelta(hours=1)))["blocks"]

    done = await graphql(BLOCK_CHANGE % "markTimeBlockDone", {"input": {"id": first["id"]}}, caller=ada)
    missed = await graphql(BLOCK_CHANGE % "markTimeBlockMissed", {"input": {"id": second["id"]}}, caller=ada)
    await plan(graphql, ada, apply=True)
    shown = await week(graphql, ada, start=now() - timedelta(hours=1))

    assert done["markTimeBlockDone"]["state"] == "DONE"
    assert missed["markTimeBlockMissed"]["state"] == "MISSED"
    states = sorted((b["task"]["title"], b["state"]) for b in shown["blocks"])
    # The done block keeps its place and its work; the missed one's work is placed again.
    assert (first["task"]["title"], "DONE") in states
    assert (second["task"]["title"], "MISSED") in states
    assert (second["task"]["title"], "PLANNED") in states
    assert (first["task"]["title"], "PLANNED") not in states


async def test_a_task_that_cannot_fit_before_its_hard_deadline_is_unplaced_with_the_reason(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Unplaced")
    await work_always(graphql, ada)
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)
    start, end = day_later()
    await create_event(graphql, ada, calendar_id=calendar, title="Offsite", start=start, end=end)
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Too late",
                             estimatedMinutes=60, dueAt=iso(now() + timedelta(hours=3)))  # fmt: skip
    settings = await graphql(
        """mutation($input: UpdateTaskSchedulingInput!) {
             updateTaskScheduling(input: $input) { __typename ... on TaskScheduling { deadlineKind } }
           }""",
        {"input": {"taskId": task["id"], "deadlineKind": "HARD"}},
        caller=ada,
    )

    applied = await plan(graphql, ada, apply=True)
    last = await graphql("{ viewer { lastSchedule { unplaced { reason task { id } } quality { unplaced } } } }",
                         caller=ada)  # fmt: skip

    assert settings["updateTaskScheduling"]["deadlineKind"] == "HARD"
    assert [(u["task"]["id"], u["reason"]) for u in applied["unplaced"]] == [
        (task["id"], "NO_CAPACITY_BEFORE_DEADLINE")
    ]
    assert applied["quality"]["unplaced"] > 0
    assert last["viewer"]["lastSchedule"]["unplaced"] == [
        {"reason": "NO_CAPACITY_BEFORE_DEADLINE", "task": {"id": task["id"]}}
    ]


async def test_a_timed_event_without_an_end_is_refused_field_by_field(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Invalid")
    calendar = await create_calendar(graphql, ada, company_id=ada.personal_company_id)

    data = await graphql(
        """mutation($input: CreateCalendarEventInput!) {
             createCalendarEvent(input: $input) { __typename ... on ValidationFailed { fields { field message } } }
           }""",
        {"input": {"calendarId": calendar, "title": "Open-ended", "startsAt": iso(now())}},
        caller=ada,
    )

    assert data["createCalendarEvent"]["__typename"] == "ValidationFailed"
    assert [f["field"] for f in data["createCalendarEvent"]["fields"]] == ["startsAt"]


async def test_predicted_minutes_start_at_the_estimate_with_no_confidence(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Predict")
    task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Fresh", estimatedMinutes=45)

    data = await graphql("query($id: ID!) { node(id: $id) { ... on Task { predictedMinutes predictionConfidence } } }",
                         {"id": task["id"]}, caller=ada)  # fmt: skip

    assert data["node"] == {"predictedMinutes": 45, "predictionConfidence": 0.0}
