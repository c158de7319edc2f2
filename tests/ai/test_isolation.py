"""Nothing of one company reaches a prompt made for another, usage is seen by policy, and a coach conversation
is its person's alone: even the company's owner reads none of it (checked as the app role)."""

from __future__ import annotations

import uuid

import asyncpg

from tests.ai.documents import PARSE, parse, usage
from tests.ai.fake_model import FakeModel, Reply
from tests.db.test_rls_catalog import as_app_role
from tests.factories import create_company, create_project, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of


async def test_no_prompt_carries_another_companys_data(ai_graphql: GraphQL, model: FakeModel) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    bob = await sign_up(ai_graphql, name="Bob")
    canary_a, canary_b = f"canary-a-{uuid.uuid4().hex}", f"canary-b-{uuid.uuid4().hex}"
    a, b = alice.personal_company_id, bob.personal_company_id
    for person, company, canary in ((alice, a, canary_a), (bob, b, canary_b)):
        await create_project(ai_graphql, person, company_id=company, name=canary)
        await create_task(ai_graphql, person, company_id=company, title=f"Task {canary}")
    model.reset(Reply(content={"tasks": []}))

    await parse(ai_graphql, alice, a, "plan the launch")
    into_b = await ai_graphql(PARSE, {"input": {"companyId": b, "text": "tell me about b"}}, caller=alice)
    await parse(ai_graphql, bob, b, "plan the launch")

    prompts = model.prompts()
    assert into_b["parseTasks"]["__typename"] == "NotFound"
    assert len(prompts) == 2, "the refused call never reached the model"
    assert canary_a in prompts[0]
    assert canary_b not in prompts[0]
    assert canary_b in prompts[1]
    assert canary_a not in prompts[1]


async def test_owners_see_the_companys_usage_members_their_own_outsiders_none(
    ai_graphql: GraphQL, model: FakeModel
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    carol = await sign_up(ai_graphql, name="Carol")
    bob = await sign_up(ai_graphql, name="Bob")
    company = await create_company(ai_graphql, alice, name="Acme")
    await invite(ai_graphql, alice, company_id=company, member=carol)
    await parse(ai_graphql, alice, company, "buy milk")
    await parse(ai_graphql, carol, company, "buy milk; call Dana")

    by_alice = await usage(ai_graphql, alice, company, "PERSON")
    by_carol = await usage(ai_graphql, carol, company, "PERSON")
    by_bob = await usage(ai_graphql, bob, company, "PERSON")

    assert sorted(g["key"] for g in by_alice) == sorted([str(uuid_of(alice.user_id)), str(uuid_of(carol.user_id))])
    assert [g["key"] for g in by_carol] == [str(uuid_of(carol.user_id))]
    assert by_bob == []


async def test_a_coach_conversation_is_its_persons_alone_even_for_the_owner(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    dave = await sign_up(graphql, name="Dave")
    alice = await sign_up(graphql, name="Alice")
    company = await create_company(graphql, dave, name="Acme")
    await invite(graphql, dave, company_id=company, member=alice)
    company_id, alice_id, dave_id = uuid_of(company), uuid_of(alice.user_id), uuid_of(dave.user_id)
    insert = "INSERT INTO ai_coach_messages (id, company_id, user_id, role, content) VALUES ($1, $2, $3, 'user', $4)"

    async with as_app_role(owner, alice_id):
        await owner.execute(insert, uuid.uuid4(), company_id, alice_id, "I procrastinate on the report")
        seen_by_alice = await owner.fetchval("SELECT count(*) FROM ai_coach_messages")
        async with as_app_role_nested(owner, dave_id):
            seen_by_dave = await owner.fetchval("SELECT count(*) FROM ai_coach_messages")
            try:
                await owner.execute(insert, uuid.uuid4(), company_id, alice_id, "written for Alice by Dave")
                dave_wrote = True
            except asyncpg.InsufficientPrivilegeError:
                dave_wrote = False

    assert seen_by_alice == 1
    assert seen_by_dave == 0
    assert dave_wrote is False


class as_app_role_nested:
    """Switch the caller inside the open transaction, as the API does after login (a savepoint keeps errors in)."""

    def __init__(self, connection: asyncpg.Connection, user_id: uuid.UUID) -> None:
        self.connection, self.user_id = connection, user_id

    async def __aenter__(self) -> None:
        await self.connection.execute("SAVEPOINT other_caller")
        await self.connection.execute("SELECT set_config('rhythm.user_id', $1, true)", str(self.user_id))

    async def __aexit__(self, *exc: object) -> bool:
        await self.connection.execute("ROLLBACK TO SAVEPOINT other_caller")
        return False


async def test_ai_tables_of_a_company_are_invisible_to_outsiders(
    ai_graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    alice = await sign_up(ai_graphql, name="Alice")
    bob = await sign_up(ai_graphql, name="Bob")
    await ai_graphql(
        "mutation($i: SetAiBudgetInput!) { setAiBudget(input: $i) { __typename } }",
        {"i": {"companyId": alice.personal_company_id, "monthlyTokenLimit": 100000}},
        caller=alice,
    )
    await parse(ai_graphql, alice, alice.personal_company_id, "buy milk")
    tables = ["ai_usage", "ai_company_settings", "ai_budget_months", "ai_budget_reservations",
              "ai_task_classifications", "ai_coach_messages"]  # fmt: skip

    async with as_app_role(owner, uuid_of(alice.user_id)):
        seen_by_alice = {t: await owner.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
    async with as_app_role(owner, uuid_of(bob.user_id)):
        seen_by_bob = {
            t: await owner.fetchval(
                f"SELECT count(*) FROM {t} WHERE company_id = $1", uuid_of(alice.personal_company_id)
            )
            for t in tables
        }

    assert seen_by_alice["ai_usage"] >= 1
    assert seen_by_alice["ai_company_settings"] == 1
    assert seen_by_alice["ai_budget_months"] == 1
    assert seen_by_bob == dict.fromkeys(tables, 0)
