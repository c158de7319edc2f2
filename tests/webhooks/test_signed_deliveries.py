"""A committed change reaches a real HTTP receiver as a Standard Webhooks delivery that verifies."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.webhooks.documents import create_endpoint, deliveries_of, until
from tests.webhooks.receiver import Receiver, verify_at


async def test_a_created_task_is_posted_signed_and_verifies(graphql: GraphQL, receiver: Receiver) -> None:
    ada = await sign_up(graphql, name="Ada Hooks")
    company = await create_company(graphql, ada, name="Hooks Ltd")
    _, secret = await create_endpoint(graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED"])

    task = await create_task(graphql, ada, company_id=company, title="Ship the hooks")
    await until(lambda: bool(receiver.for_event("task.created")), what="the task.created delivery")

    [received] = receiver.for_event("task.created")
    payload = Webhook(secret).verify(received.body, received.headers)
    assert received.headers["webhook-id"].startswith("msg_")
    assert received.headers["webhook-signature"].startswith("v1,")
    assert payload["type"] == "task.created"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"]["task"]["id"] == task["id"]
    assert payload["data"]["task"]["companyId"] == company
    assert payload["data"]["task"]["title"] == "Ship the hooks"
    assert base64.b64decode(payload["data"]["task"]["id"]).decode().startswith("Task:")


async def test_a_replayed_delivery_older_than_five_minutes_fails_verification(
    graphql: GraphQL, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Replay")
    company = await create_company(graphql, ada, name="Replay Ltd")
    _, secret = await create_endpoint(graphql, ada, company_id=company, url=receiver.url)
    await create_task(graphql, ada, company_id=company, title="Once only")
    await until(lambda: bool(receiver.for_event("task.created")), what="the task.created delivery")
    [received] = receiver.for_event("task.created")
    sent_at = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)

    verify_at(secret, received, sent_at + timedelta(minutes=4))
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify_at(secret, received, sent_at + timedelta(minutes=5, seconds=1))


async def test_the_delivery_log_shows_status_latency_response_and_attempts(
    graphql: GraphQL, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Log")
    company = await create_company(graphql, ada, name="Log Ltd")
    endpoint, _ = await create_endpoint(
        graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED"]
    )
    await create_task(graphql, ada, company_id=company, title="Logged")

    async def succeeded() -> bool:
        nodes = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]
        return bool(nodes) and nodes[0]["status"] == "SUCCEEDED"

    await until(succeeded, what="a succeeded delivery in the log")
    [delivery] = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]
    [received] = receiver.for_event("task.created")
    assert delivery["webhookId"] == received.webhook_id
    assert delivery["eventType"] == "TASK_CREATED"
    assert json.loads(delivery["payload"]) == json.loads(received.body)
    assert delivery["attemptCount"] == 1
    assert delivery["lastResponseStatus"] == 200
    assert delivery["lastLatencyMs"] >= 0
    assert delivery["nextAttemptAt"] is None
    [attempt] = delivery["attempts"]
    assert attempt["attempt"] == 1
    assert attempt["responseStatus"] == 200
    assert attempt["succeeded"] is True
    assert attempt["error"] is None
