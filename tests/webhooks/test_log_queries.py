"""Reading the delivery log batches like every other list: as many statements for many endpoints, deliveries
and attempts as for one of each."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from tests.factories import Person, create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.performance.test_statement_counts import counting
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver

LOG = """
query($company: ID!) {
  node(id: $company) {
    ... on Company {
      webhookEndpoints {
        url
        deliveries(first: 50) {
          nodes { webhookId status endpoint { id } attempts { attempt responseStatus latencyMs } }
        }
      }
    }
  }
}"""


async def _company_with(
    graphql: GraphQL, receiver: Receiver, person: Person, endpoints: int, tasks: int
) -> tuple[str, int]:
    company = await create_company(graphql, person, name=f"Log {endpoints}x{tasks}")
    for n in range(endpoints):
        await create_endpoint(
            graphql, person, company_id=company, url=f"{receiver.url}/{n}", event_types=["TASK_CREATED"]
        )
    for n in range(tasks):
        await create_task(graphql, person, company_id=company, title=f"Logged {n}")
    return company, endpoints * tasks


async def _attempts(data: dict[str, Any]) -> int:
    return sum(
        len(delivery["attempts"])
        for endpoint in data["node"]["webhookEndpoints"]
        for delivery in endpoint["deliveries"]["nodes"]
    )


async def test_the_log_costs_as_many_statements_for_nine_deliveries_as_for_one(
    app: Litestar, graphql: GraphQL, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Counting")
    small, small_deliveries = await _company_with(graphql, receiver, ada, endpoints=1, tasks=1)
    large, large_deliveries = await _company_with(graphql, receiver, ada, endpoints=3, tasks=3)
    await until(lambda: receiver.unique() == small_deliveries + large_deliveries, what="every delivery")

    async def logged(company: str, expected: int) -> bool:
        return await _attempts(await graphql(LOG, {"company": company}, caller=ada)) == expected

    await until(lambda: logged(large, large_deliveries), what="every attempt logged")
    with counting(app.state.engine) as one:
        await graphql(LOG, {"company": small}, caller=ada)
    with counting(app.state.engine) as nine:
        await graphql(LOG, {"company": large}, caller=ada)

    assert len(one) == len(nine)
    # Caller settings, the company, its endpoints, their deliveries, the deliveries' attempts and endpoints.
    assert len(nine) <= 7
