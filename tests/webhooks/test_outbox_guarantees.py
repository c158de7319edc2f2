"""A rolled-back mutation produces no delivery; a committed one always does."""

from __future__ import annotations

import asyncpg

from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver

TWO_TASKS = """
mutation($company: ID!, $other: ID!) {
  kept: createTask(input: {companyId: $company, title: "Rolled back with its operation"}) { __typename }
  broken: createTask(input: {companyId: $other, title: "Never made"}) { __typename }
}"""


async def test_a_rolled_back_mutation_produces_no_delivery_and_a_committed_one_does(
    graphql: GraphQL, owner: asyncpg.Connection, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Atomic")
    company = await create_company(graphql, ada, name="Atomic Ltd")
    await create_endpoint(graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED"])

    # The second field's id is no global id: the operation fails, and the first field's task goes with it.
    errors = await graphql.errors(TWO_TASKS, {"company": company, "other": "not-an-id"}, caller=ada)
    await create_task(graphql, ada, company_id=company, title="Committed")
    await until(lambda: bool(receiver.for_event("task.created")), what="the committed task's delivery")

    made = await owner.fetch(
        "SELECT payload->'data'->'task'->>'title' AS title FROM webhook_deliveries WHERE company_id = $1",
        uuid_of(company),
    )
    events = await owner.fetchval(
        "SELECT count(*) FROM outbox WHERE company_id = $1 AND type = 'task.created'", uuid_of(company)
    )
    assert errors
    assert [row["title"] for row in made] == ["Committed"]
    assert events == 1
    assert [received.body.count(b"Committed") for received in receiver.received] == [1]
