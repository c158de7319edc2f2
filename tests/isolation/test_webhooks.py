"""A delivery of company A's webhook endpoint is out of outsiders' reach: they cannot post it again.

(Creating, changing, deleting and re-keying A's endpoint are cases of `test_mutations.py`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.graphql import GraphQL
from tests.isolation.documents import mutation_document
from tests.isolation.world import Tenants, snapshot
from tests.waiting import until
from tests.webhooks.receiver import Receiver

DELIVERIES = """
query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { deliveries { nodes { id status attemptCount } } } } }
"""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


async def delivered_once(graphql: GraphQL, tenants: Tenants, receiver: Receiver) -> dict[str, Any]:
    """Point A's endpoint at the receiver and change A's project, the event it listens for; wait for the delivery."""
    await graphql(
        mutation_document("updateWebhookEndpoint"),
        {"input": {"id": tenants.a.webhook_endpoint_id, "url": receiver.url}},
        caller=tenants.alice,
    )
    await graphql(
        mutation_document("updateProject"),
        {"input": {"id": tenants.a.project_id, "description": f"Changed {tenants.a.marker}"}},
        caller=tenants.alice,
    )

    async def succeeded() -> dict[str, Any] | None:
        data = await graphql(DELIVERIES, {"id": tenants.a.webhook_endpoint_id}, caller=tenants.alice)
        nodes = data["node"]["deliveries"]["nodes"]
        return nodes[0] if nodes and nodes[0]["status"] == "SUCCEEDED" else None

    delivery: dict[str, Any] = await until(succeeded, what="the delivery of the project change")
    return delivery


async def test_outsiders_cannot_redeliver_a_delivery_of_company_a(
    graphql: GraphQL, tenants: Tenants, receiver: Receiver
) -> None:
    delivery = await delivered_once(graphql, tenants, receiver)
    before = await snapshot(graphql, tenants)
    document = mutation_document("redeliverWebhook")
    variables = {"input": {"deliveryId": delivery["id"]}}

    by_bob = await graphql(document, variables, caller=tenants.bob)
    by_key = await graphql(document, variables, caller=tenants.b.api_key.caller())

    assert by_bob["redeliverWebhook"]["__typename"] == "NotFound"
    assert by_key["redeliverWebhook"]["__typename"] == "Forbidden"
    assert await snapshot(graphql, tenants) == before
    assert len(receiver.received) == 1
