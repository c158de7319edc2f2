"""GraphQL documents and small helpers for the webhook tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.graphql import Caller, GraphQL
from tests.waiting import PATIENCE_SECONDS

CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointCreated { secret endpoint { id url eventTypes enabled } }
    ... on ValidationFailed { message fields { field message } }
    ... on Error { message }
  }
}"""

UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpoint { id url description eventTypes enabled disabledReason failureStreak }
    ... on ValidationFailed { message fields { field message } }
    ... on Error { message }
  }
}"""

ROTATE = """
mutation($input: RotateWebhookSecretInput!) {
  rotateWebhookSecret(input: $input) {
    __typename
    ... on WebhookSecretRotated { secret endpoint { id secretRotatedAt previousSecretExpiresAt } }
    ... on Error { message }
  }
}"""

DELETE = """
mutation($input: DeleteWebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) { __typename ... on Deleted { id } ... on Error { message } }
}"""

REDELIVER = """
mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) {
    __typename ... on WebhookDelivery { id status nextAttemptAt } ... on Error { message }
  }
}"""

DELIVERIES = """
query($id: ID!, $status: WebhookDeliveryStatus) {
  node(id: $id) {
    ... on WebhookEndpoint {
      enabled disabledReason failureStreak
      deliveries(first: 100, status: $status) {
        nodes {
          id webhookId eventType payload status attemptCount nextAttemptAt lastAttemptAt lastResponseStatus
          lastLatencyMs lastError succeededAt
          attempts { attempt startedAt latencyMs responseStatus error succeeded }
        }
      }
    }
  }
}"""


async def create_endpoint(
    graphql: GraphQL, admin: Caller, *, company_id: str, url: str, event_types: list[str] | None = None, **more: Any
) -> tuple[str, str]:
    """The new endpoint's id and its secret."""
    variables = {"input": {"companyId": company_id, "url": url, "eventTypes": event_types or [], **more}}
    result = (await graphql(CREATE, variables, caller=admin))["createWebhookEndpoint"]
    assert result["__typename"] == "WebhookEndpointCreated", result
    return result["endpoint"]["id"], result["secret"]


async def deliveries_of(graphql: GraphQL, admin: Caller, endpoint_id: str, status: str | None = None) -> Any:
    data = await graphql(DELIVERIES, {"id": endpoint_id, "status": status}, caller=admin)
    assert data["node"] is not None, "the admin must see the endpoint"
    return data["node"]


async def until(
    condition: Callable[[], Awaitable[bool] | bool], seconds: float = PATIENCE_SECONDS, what: str = ""
) -> None:
    """Wait for work that runs elsewhere (a worker thread or process); never used to let a schedule pass."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        outcome = condition()
        if outcome if isinstance(outcome, bool) else await outcome:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")
