"""Plain language to a plan: planFromText reads the request, and previewSchedule places it with the person's
tasks, inside the preferred hours and before the deadline, without storing anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.ai.documents import PLAN
from tests.factories import sign_up
from tests.graphql import GraphQL

PREVIEW = """
mutation($request: PlanRequestInput) {
  previewSchedule(request: $request) {
    __typename
    ... on SchedulePlan { blocks { startsAt endsAt requested task { id } } unplaced { requested reason } }
    ... on Error { message }
  }
}"""


async def test_a_plan_read_from_plain_language_is_placed_in_the_preferred_hours_before_the_deadline(
    graphql: GraphQL,
) -> None:
    alice = await sign_up(graphql, name="Alice", time_zone="UTC")
    text = "find 3 hours for the report in 10 days, mornings only"
    read = await graphql(PLAN, {"input": {"companyId": alice.personal_company_id, "text": text}}, caller=alice)
    plan = read["planFromText"]
    request = {key: plan[key] for key in ("title", "durationMinutes", "deadline", "preferredStart", "preferredEnd")}

    data = await graphql(PREVIEW, {"request": request}, caller=alice)

    preview = data["previewSchedule"]
    assert preview["__typename"] == "SchedulePlan", preview
    requested = [b for b in preview["blocks"] if b["requested"]]
    assert preview["unplaced"] == []
    minutes = sum(
        (datetime.fromisoformat(b["endsAt"]) - datetime.fromisoformat(b["startsAt"])) / timedelta(minutes=1)
        for b in requested
    )
    assert minutes == 180
    deadline = datetime.fromisoformat(plan["deadline"])
    for block in requested:
        starts, ends = datetime.fromisoformat(block["startsAt"]), datetime.fromisoformat(block["endsAt"])
        assert block["task"] is None
        assert starts.hour >= 8
        assert ends <= ends.replace(hour=12, minute=0, second=0, microsecond=0)
        assert ends <= deadline


async def test_preview_schedule_without_a_request_is_unchanged(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")

    data = await graphql(PREVIEW, {}, caller=alice)

    assert data["previewSchedule"]["blocks"] == []


async def test_an_invalid_request_is_a_validation_error(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")

    data = await graphql(PREVIEW, {"request": {"title": "x", "durationMinutes": 1}}, caller=alice)

    assert data["previewSchedule"]["__typename"] == "ValidationFailed"
