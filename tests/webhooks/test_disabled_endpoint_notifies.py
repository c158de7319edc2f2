"""An endpoint that answers 410 Gone is disabled, and the company's owners and admins find it in their
notifications (the `webhook.endpoint_disabled` event the notifications area reacts to); members do not."""

from __future__ import annotations

from typing import Any

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import Caller, GraphQL
from tests.webhooks.documents import create_endpoint, deliveries_of, until
from tests.webhooks.receiver import Answer, Receiver

NOTIFICATIONS = "{ viewer { notifications { nodes { type title body } } } }"


async def _disabled_notices(graphql: GraphQL, person: Caller) -> list[dict[str, Any]]:
    nodes = (await graphql(NOTIFICATIONS, caller=person))["viewer"]["notifications"]["nodes"]
    return [node for node in nodes if node["type"] == "WEBHOOK_ENDPOINT_DISABLED"]


async def test_a_gone_endpoint_is_disabled_and_its_admins_are_notified(graphql: GraphQL, receiver: Receiver) -> None:
    owner = await sign_up(graphql, name="Olga Owner")
    admin = await sign_up(graphql, name="Adam Admin")
    member = await sign_up(graphql, name="Mia Member")
    company = await create_company(graphql, owner, name="Gone Ltd")
    await invite(graphql, owner, company_id=company, member=admin, role="ADMIN")
    await invite(graphql, owner, company_id=company, member=member)
    endpoint, _ = await create_endpoint(
        graphql, owner, company_id=company, url=receiver.url, event_types=["TASK_CREATED"]
    )
    receiver.answer = Answer(status=410)

    await create_task(graphql, owner, company_id=company, title="Nobody home")

    async def disabled() -> bool:
        return not (await deliveries_of(graphql, owner, endpoint))["enabled"]

    await until(disabled, what="the endpoint to be disabled")
    await until(lambda: _has_notice(graphql, admin), what="the admin's notification")
    endpoint_now = await deliveries_of(graphql, owner, endpoint)
    [delivery] = endpoint_now["deliveries"]["nodes"]
    assert endpoint_now["disabledReason"] == "The endpoint answered 410 Gone."
    assert delivery["status"] == "ABANDONED"
    assert len(await _disabled_notices(graphql, owner)) == 1
    assert len(await _disabled_notices(graphql, admin)) == 1
    assert await _disabled_notices(graphql, member) == []
    assert receiver.url in (await _disabled_notices(graphql, admin))[0]["body"]


async def _has_notice(graphql: GraphQL, person: Caller) -> bool:
    return bool(await _disabled_notices(graphql, person))
