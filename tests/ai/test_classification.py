"""Classification: once a company turns it on, a job classifies each new task (beside the task, which keeps its
own estimate), through the same heuristic fallback and metering as every AI answer. Plans take the classifier's
estimate where the person gave none."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg

from base.settings import Settings
from domain.ai.calls import AiRuntime
from tests.ai.documents import SET_BUDGET
from tests.ai.fake_model import FakeModel, Reply
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.resolvers.scheduling.world import parse, plan, work_always
from tests.waiting import PATIENCE_SECONDS
from workers.ai import actors as workers_ai


async def classification_of(owner: asyncpg.Connection, task_id: str) -> dict[str, Any] | None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        row = await owner.fetchrow(
            "SELECT category, depth, effort, estimated_minutes, source FROM ai_task_classifications WHERE task_id = $1",
            uuid_of(task_id),
        )
        if row is not None:
            return dict(row)
        await asyncio.sleep(0.2)
    return None


async def test_a_new_task_is_classified_once_the_company_turns_it_on(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    alice = await sign_up(graphql, name="Alice")
    company = alice.personal_company_id
    before = await create_task(graphql, alice, company_id=company, title="Refactor the billing module")
    await graphql(SET_BUDGET, {"input": {"companyId": company, "classifyTasks": True}}, caller=alice)

    task = await create_task(graphql, alice, company_id=company, title="Fix the flaky login test", estimatedMinutes=50)
    classified = await classification_of(owner, task["id"])
    unclassified = await owner.fetchval(
        "SELECT count(*) FROM ai_task_classifications WHERE task_id = $1", uuid_of(before["id"])
    )
    usage = await owner.fetch(
        "SELECT feature, source, reason, user_id FROM ai_usage WHERE company_id = $1", uuid_of(company)
    )

    assert classified == {"category": "engineering", "depth": "deep", "effort": 3, "estimated_minutes": 50,
                          "source": "HEURISTIC"}  # fmt: skip
    assert unclassified == 0, "tasks made before classification was turned on are left alone"
    assert [dict(row) for row in usage] == [
        {"feature": "classify", "source": "HEURISTIC", "reason": "NO_MODEL", "user_id": uuid_of(alice.user_id)}
    ]


async def test_the_job_asks_the_model_as_a_worker_and_keeps_its_answer_checked_like_input(
    graphql: GraphQL, owner: asyncpg.Connection, model: FakeModel, ai_settings: Settings
) -> None:
    alice = await sign_up(graphql, name="Alice")
    company = alice.personal_company_id
    await graphql(SET_BUDGET, {"input": {"companyId": company, "classifyTasks": True}}, caller=alice)
    model.reset(
        Reply(content={"category": "Writing", "depth": "deep", "effort": 4, "estimated_minutes": 150},
              tokens_in=30, tokens_out=12)
    )  # fmt: skip
    # The in-process workers of this app run in this process: their classification job talks to the fake model.
    workers_ai._runtime = AiRuntime.from_settings(ai_settings)
    try:
        task = await create_task(graphql, alice, company_id=company, title=f"Draft the essay {uuid.uuid4().hex}")
        classified = await classification_of(owner, task["id"])
    finally:
        workers_ai._runtime = None
    usage = await owner.fetchrow(
        "SELECT feature, source, reason, tokens_in, tokens_out, model FROM ai_usage WHERE company_id = $1",
        uuid_of(company),
    )
    budget = await owner.fetchrow(
        "SELECT spent_tokens, reserved_tokens FROM ai_budget_months WHERE company_id = $1", uuid_of(company)
    )

    assert classified == {"category": "writing", "depth": "deep", "effort": 4, "estimated_minutes": 150,
                          "source": "MODEL"}  # fmt: skip
    assert task["title"].split()[-1] in model.prompts()[0]
    assert usage is not None
    assert dict(usage) == {"feature": "classify", "source": "MODEL", "reason": None, "tokens_in": 30,
                           "tokens_out": 12, "model": "fake-model"}  # fmt: skip
    assert budget is not None
    assert dict(budget) == {"spent_tokens": 42, "reserved_tokens": 0}


async def test_a_plan_takes_the_classifiers_estimate_for_a_task_the_person_did_not_estimate(
    graphql: GraphQL, owner: asyncpg.Connection, model: FakeModel, ai_settings: Settings
) -> None:
    alice = await sign_up(graphql, name="Alice")
    company = alice.personal_company_id
    await work_always(graphql, alice)
    await graphql(SET_BUDGET, {"input": {"companyId": company, "classifyTasks": True}}, caller=alice)
    model.reset(
        Reply(content={"category": "writing", "depth": "shallow", "effort": 2, "estimated_minutes": 75},
              tokens_in=30, tokens_out=12)
    )  # fmt: skip
    workers_ai._runtime = AiRuntime.from_settings(ai_settings)
    try:
        task = await create_task(graphql, alice, company_id=company, title=f"Answer the letters {uuid.uuid4().hex}")
        assert (await classification_of(owner, task["id"])) is not None
    finally:
        workers_ai._runtime = None

    blocks = [b for b in (await plan(graphql, alice, apply=False))["blocks"] if b["task"]["id"] == task["id"]]
    minutes = sum((parse(b["endsAt"]) - parse(b["startsAt"])).total_seconds() / 60 for b in blocks)

    assert minutes == 75, "a person with no history gets the classifier's estimate, not the 30-minute default"
