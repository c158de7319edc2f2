"""Owners and admins manage endpoints through GraphQL; the secret is shown once and never readable again."""

from __future__ import annotations

import asyncpg

from resolvers.schema import build_schema
from tests.factories import create_company, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import issue_api_key, uuid_of
from tests.webhooks.documents import CREATE, DELETE, ROTATE, UPDATE, create_endpoint
from tests.webhooks.receiver import Receiver

ENDPOINTS = """
query($company: ID!) {
  node(id: $company) { ... on Company { webhookEndpoints { id url description eventTypes enabled } } }
}"""


async def test_an_admin_makes_an_endpoint_and_sees_its_secret_once(graphql: GraphQL, receiver: Receiver) -> None:
    ada = await sign_up(graphql, name="Ada Endpoint")
    company = await create_company(graphql, ada, name="Endpoint Ltd")

    endpoint_id, secret = await create_endpoint(
        graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED", "TASK_DELETED"]
    )
    listed = (await graphql(ENDPOINTS, {"company": company}, caller=ada))["node"]["webhookEndpoints"]

    assert secret.startswith("whsec_")
    assert listed == [
        {
            "id": endpoint_id,
            "url": receiver.url,
            "description": "",
            "eventTypes": ["TASK_CREATED", "TASK_DELETED"],
            "enabled": True,
        }
    ]
    endpoint_type = build_schema()._schema.type_map["WebhookEndpoint"]
    assert not [name for name in endpoint_type.fields if "secret" in name.lower() and "At" not in name]


async def test_the_app_role_cannot_read_a_secret_even_as_an_owner(
    graphql: GraphQL, owner: asyncpg.Connection, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Secretive")
    company = await create_company(graphql, ada, name="Secretive Ltd")
    await create_endpoint(graphql, ada, company_id=company, url=receiver.url)

    async with owner.transaction():
        await owner.execute("SELECT set_config('role', 'rhythm_app', true)")
        await owner.execute("SELECT set_config('rhythm.user_id', $1, true)", str(uuid_of(ada.user_id)))
        seen = await owner.fetchval("SELECT count(*) FROM webhook_secrets")
        endpoints = await owner.fetchval("SELECT count(*) FROM webhook_endpoints")

    assert (seen, endpoints) == (0, 1)


async def test_a_member_who_is_not_an_admin_neither_sees_nor_makes_endpoints(
    graphql: GraphQL, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Admin")
    max_ = await sign_up(graphql, name="Max Member")
    company = await create_company(graphql, ada, name="Members Ltd")
    await invite(graphql, ada, company_id=company, member=max_)
    endpoint_id, _ = await create_endpoint(graphql, ada, company_id=company, url=receiver.url)

    listed = (await graphql(ENDPOINTS, {"company": company}, caller=max_))["node"]["webhookEndpoints"]
    made = await graphql(CREATE, {"input": {"companyId": company, "url": receiver.url}}, caller=max_)
    changed = await graphql(UPDATE, {"input": {"id": endpoint_id, "enabled": False}}, caller=max_)
    seen = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": endpoint_id}, caller=max_)

    assert listed == []
    assert made["createWebhookEndpoint"]["__typename"] == "Forbidden"
    assert changed["updateWebhookEndpoint"]["__typename"] == "NotFound"
    assert seen["node"] is None


async def test_an_api_key_may_not_manage_webhooks(graphql: GraphQL, receiver: Receiver) -> None:
    ada = await sign_up(graphql, name="Ada Keys")
    company = await create_company(graphql, ada, name="Keys Ltd")
    key = await issue_api_key(graphql, ada, company_id=company, scopes=["TASKS_WRITE", "MEMBERS_READ"])

    made = await graphql(CREATE, {"input": {"companyId": company, "url": receiver.url}}, caller=key.caller())

    assert made["createWebhookEndpoint"]["__typename"] == "Forbidden"


async def test_urls_that_are_not_http_are_refused(graphql: GraphQL) -> None:
    ada = await sign_up(graphql, name="Ada Urls")
    company = await create_company(graphql, ada, name="Urls Ltd")

    answers = [
        (await graphql(CREATE, {"input": {"companyId": company, "url": url}}, caller=ada))["createWebhookEndpoint"]
        for url in ("ftp://example.com/hook", "https://", "https://user:pw@example.com/", "not a url")
    ]

    assert [(a["__typename"], [f["field"] for f in a["fields"]]) for a in answers] == [
        ("ValidationFailed", ["url"])
    ] * 4


async def test_an_admin_changes_disables_rotates_and_deletes_an_endpoint(
    graphql: GraphQL, owner: asyncpg.Connection, receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Manager")
    company = await create_company(graphql, ada, name="Manager Ltd")
    endpoint_id, secret = await create_endpoint(graphql, ada, company_id=company, url=receiver.url)

    changed = (
        await graphql(
            UPDATE,
            {"input": {"id": endpoint_id, "url": receiver.url + "/v2", "eventTypes": ["PROJECT_CREATED"],
                       "description": "CRM sync", "enabled": False}},
            caller=ada,
        )
    )["updateWebhookEndpoint"]  # fmt: skip
    rotated = (await graphql(ROTATE, {"input": {"id": endpoint_id, "overlapSeconds": 3600}}, caller=ada))[
        "rotateWebhookSecret"
    ]
    deleted = (await graphql(DELETE, {"input": {"id": endpoint_id}}, caller=ada))["deleteWebhookEndpoint"]
    left = await owner.fetchval("SELECT count(*) FROM webhook_secrets WHERE endpoint_id = $1", uuid_of(endpoint_id))

    assert changed == {
        "__typename": "WebhookEndpoint",
        "id": endpoint_id,
        "url": receiver.url + "/v2",
        "description": "CRM sync",
        "eventTypes": ["PROJECT_CREATED"],
        "enabled": False,
        "disabledReason": "Disabled by an admin.",
        "failureStreak": 0,
    }
    assert rotated["__typename"] == "WebhookSecretRotated"
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != secret
    assert rotated["endpoint"]["previousSecretExpiresAt"] is not None
    assert deleted == {"__typename": "Deleted", "id": endpoint_id}
    assert left == 0
