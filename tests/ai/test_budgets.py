"""Monthly budgets: owners set them, a call reserves its maximum before asking the model, and concurrent calls
can never spend past the budget; over it, the heuristic answers with BUDGET_REACHED."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg

from domain.ai.prompts import estimate_tokens, parse_tasks_messages
from tests.ai.documents import SET_BUDGET, parse, usage
from tests.ai.fake_model import FakeModel, Reply
from tests.factories import create_company, invite, sign_up
from tests.graphql import Caller, GraphQL
from tests.isolation.world import uuid_of

BUDGET = "query($company: ID!) { aiBudget(companyId: $company) { monthlyTokenLimit spentTokens reservedTokens } }"
MAX_OUTPUT = 200  # ai_max_output_tokens of the AI app (tests/ai/conftest.py)
TEXT = "buy milk"


async def set_budget(graphql: GraphQL, caller: Caller, company_id: str, **limits: Any) -> dict[str, Any]:
    data = await graphql(SET_BUDGET, {"input": {"companyId": company_id, **limits}}, caller=caller)
    result: dict[str, Any] = data["setAiBudget"]
    return result


def per_call_reservation() -> int:
    # What one call of TEXT reserves: its prompt's upper estimate plus the most it may write. "now" enters the
    # prompt in the person's zone (UTC here), always in the same format, so the estimate is the same.
    return estimate_tokens(parse_tasks_messages(TEXT, datetime.now(UTC), {})) + MAX_OUTPUT


async def spent(owner: asyncpg.Connection, company_id: str) -> asyncpg.Record:
    row = await owner.fetchrow(
        "SELECT coalesce(sum(spent_tokens), 0) AS spent, coalesce(sum(reserved_tokens), 0) AS reserved"
        " FROM ai_budget_months WHERE company_id = $1",
        uuid_of(company_id),
    )
    assert row is not None
    return row


async def test_only_owners_set_the_budget(ai_graphql: GraphQL) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    bob = await sign_up(ai_graphql, name="Bob")
    company = await create_company(ai_graphql, alice, name="Acme")
    await invite(ai_graphql, alice, company_id=company, member=bob, role="ADMIN")

    by_alice = await set_budget(ai_graphql, alice, company, monthlyTokenLimit=1000, classifyTasks=True)
    by_bob = await set_budget(ai_graphql, bob, company, monthlyTokenLimit=10**9)

    assert by_alice == {"__typename": "AiSettings", "monthlyTokenLimit": 1000, "monthlyCostLimitUsd": None,
                        "classifyTasks": True}  # fmt: skip
    assert by_bob["__typename"] == "Forbidden"


async def test_a_call_that_fits_exactly_is_the_models_and_the_next_is_the_heuristics(
    ai_graphql: GraphQL, model: FakeModel, owner: asyncpg.Connection
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    company = alice.personal_company_id
    one_call = per_call_reservation()
    # Each call reports what it reserved, so the budget is used up after exactly one.
    model.reset(Reply(content={"tasks": []}, tokens_in=one_call - MAX_OUTPUT, tokens_out=MAX_OUTPUT))
    await set_budget(ai_graphql, alice, company, monthlyTokenLimit=one_call)

    at_the_limit = await parse(ai_graphql, alice, company, TEXT)
    past_it = await parse(ai_graphql, alice, company, TEXT)

    assert (at_the_limit["source"], at_the_limit["reason"]) == ("MODEL", None)
    assert (past_it["source"], past_it["reason"]) == ("HEURISTIC", "BUDGET_REACHED")
    assert [t["title"] for t in past_it["tasks"]] == ["Buy milk"]
    assert len(model.requests) == 1
    assert dict(await spent(owner, company)) == {"spent": one_call, "reserved": 0}
    read = await ai_graphql(BUDGET, {"company": company}, caller=alice)
    assert read["aiBudget"] == {"monthlyTokenLimit": one_call, "spentTokens": one_call, "reservedTokens": 0}


async def test_a_cost_limit_stops_calls_too(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    await set_budget(ai_graphql, alice, alice.personal_company_id, monthlyCostLimitUsd="0.000001")

    result = await parse(ai_graphql, alice, alice.personal_company_id, TEXT)

    assert result["reason"] == "BUDGET_REACHED"
    assert model.requests == []


async def test_twenty_concurrent_calls_against_a_budget_for_five_never_spend_more_than_five(
    ai_graphql: GraphQL, model: FakeModel, owner: asyncpg.Connection
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    company = alice.personal_company_id
    one_call = per_call_reservation()
    budget = 5 * one_call
    # The model spends all it may, and answers slowly so that the calls overlap.
    model.reset(Reply(content={"tasks": []}, tokens_in=one_call - MAX_OUTPUT, tokens_out=MAX_OUTPUT, delay=0.3))
    await set_budget(ai_graphql, alice, company, monthlyTokenLimit=budget)

    results = await asyncio.gather(*(parse(ai_graphql, alice, company, TEXT) for _ in range(20)))

    by_model = [r for r in results if r["source"] == "MODEL"]
    refused = [r for r in results if r["reason"] == "BUDGET_REACHED"]
    totals = await spent(owner, company)
    assert len(by_model) == 5
    assert len(refused) == 15
    assert len(model.requests) == 5
    assert totals["spent"] <= budget
    assert dict(totals) == {"spent": budget, "reserved": 0}
    assert sum(g["calls"] for g in await usage(ai_graphql, alice, company)) == 20


async def test_a_reservation_left_by_a_call_that_died_is_released_once_stale(
    ai_graphql: GraphQL, model: FakeModel, owner: asyncpg.Connection
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    company = alice.personal_company_id
    one_call = per_call_reservation()
    await set_budget(ai_graphql, alice, company, monthlyTokenLimit=one_call)
    month = datetime.now(UTC).date().replace(day=1)
    # A call reserved the whole budget an hour ago and never settled (its process died).
    await owner.execute(
        "INSERT INTO ai_budget_months (company_id, month, reserved_tokens) VALUES ($1, $2, $3)",
        uuid_of(company), month, one_call,
    )  # fmt: skip
    await owner.execute(
        "INSERT INTO ai_budget_reservations (id, company_id, month, tokens, cost_usd, created_at)"
        " VALUES (gen_random_uuid(), $1, $2, $3, 0, now() - interval '1 hour')",
        uuid_of(company), month, one_call,
    )  # fmt: skip
    model.reset(Reply(content={"tasks": []}, tokens_in=10, tokens_out=5))

    result = await parse(ai_graphql, alice, company, TEXT)

    assert result["source"] == "MODEL"
    assert dict(await spent(owner, company)) == {"spent": 15, "reserved": 0}
    assert (
        await owner.fetchval("SELECT count(*) FROM ai_budget_reservations WHERE company_id = $1", uuid_of(company)) == 0
    )
