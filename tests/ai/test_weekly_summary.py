"""The weekly summary: a few sentences from the numbers Rhythm has, by the model or by the heuristic."""

from __future__ import annotations

import json

from tests.ai.fake_model import FakeModel, Reply
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL

SUMMARY = "query($company: ID!) { weeklySummary(companyId: $company) { summary source reason } }"
COMPLETE = "mutation($input: TaskIdInput!) { completeTask(input: $input) { __typename } }"


async def test_without_a_model_the_summary_is_written_from_the_numbers(graphql: GraphQL) -> None:
    alice = await sign_up(graphql, name="Alice")
    company = alice.personal_company_id
    done = await create_task(graphql, alice, company_id=company, title="Ship it")
    await create_task(graphql, alice, company_id=company, title="Open one")
    await graphql(COMPLETE, {"input": {"id": done["id"]}}, caller=alice)

    data = await graphql(SUMMARY, {"company": company}, caller=alice)

    summary = data["weeklySummary"]
    assert (summary["source"], summary["reason"]) == ("HEURISTIC", "NO_MODEL")
    assert summary["summary"].startswith("This week you completed 1 tasks")
    assert "1 tasks are open, 0 overdue" in summary["summary"]


async def test_the_model_sees_numbers_only_and_writes_the_summary(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    await create_task(ai_graphql, alice, company_id=alice.personal_company_id, title="Secret launch plan")
    model.reset(Reply(content={"summary": "A steady week."}))

    data = await ai_graphql(SUMMARY, {"company": alice.personal_company_id}, caller=alice)

    assert data["weeklySummary"] == {"summary": "A steady week.", "source": "MODEL", "reason": None}
    numbers = json.loads(model.requests[0]["messages"][1]["content"])
    assert numbers["open_tasks"] == 1
    assert "Secret launch plan" not in model.prompts()[0]
