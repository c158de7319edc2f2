"""An admin redelivers a delivery: it is posted again with the same `webhook-id`, so a receiver that dedupes
sees it once, and one that had failed gets it now."""

from __future__ import annotations

from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.webhooks.documents import REDELIVER, create_endpoint, deliveries_of, until
from tests.webhooks.receiver import Answer, Receiver


async def test_a_redelivery_posts_the_same_webhook_id_again(graphql: GraphQL, receiver: Receiver) -> None:
    ada = await sign_up(graphql, name="Ada Redeliver")
    company = await create_company(graphql, ada, name="Redeliver Ltd")
    endpoint, _ = await create_endpoint(
        graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED"]
    )
    await create_task(graphql, ada, company_id=company, title="Again please")

    async def status() -> str | None:
        nodes = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]
        return nodes[0]["status"] if nodes else None

    await until(lambda: status_is(status, "SUCCEEDED"), what="the first delivery")
    [delivery] = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]

    answer = (await graphql(REDELIVER, {"input": {"deliveryId": delivery["id"]}}, caller=ada))["redeliverWebhook"]
    await until(lambda: len(receiver.received) == 2, what="the redelivery")
    await until(lambda: status_is(status, "SUCCEEDED"), what="the redelivery to be recorded")

    [again] = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]
    assert answer["__typename"] == "WebhookDelivery"
    assert answer["status"] == "PENDING"
    assert [r.webhook_id for r in receiver.received] == [delivery["webhookId"]] * 2
    assert receiver.unique() == 1
    assert again["attemptCount"] == 2
    assert [a["attempt"] for a in again["attempts"]] == [1, 2]


async def test_a_redelivery_reaches_an_endpoint_that_had_failed(graphql: GraphQL, receiver: Receiver) -> None:
    ada = await sign_up(graphql, name="Ada Recover")
    company = await create_company(graphql, ada, name="Recover Ltd")
    endpoint, _ = await create_endpoint(
        graphql, ada, company_id=company, url=receiver.url, event_types=["TASK_CREATED"]
    )
    receiver.answer = Answer(status=500)
    await create_task(graphql, ada, company_id=company, title="Failing first")

    async def status() -> str | None:
        nodes = (await deliveries_of(graphql, ada, endpoint))["deliveries"]["nodes"]
        return nodes[0]["status"] if nodes else None

    await until(lambda: status_is(status, "FAILED"), what="a failed first attempt")
    receiver.answer = Answer(status=200)
    [failed] = (await deliveries_of(graphql, ada, endpoint, status="FAILED"))["deliveries"]["nodes"]

    await graphql(REDELIVER, {"input": {"deliveryId": failed["id"]}}, caller=ada)
    await until(lambda: status_is(status, "SUCCEEDED"), what="the redelivery")

    [done] = (await deliveries_of(graphql, ada, endpoint, status="SUCCEEDED"))["deliveries"]["nodes"]
    assert done["lastResponseStatus"] == 200
    assert done["attempts"][0]["responseStatus"] == 500
    assert done["attempts"][-1]["responseStatus"] == 200


async def status_is(status: object, expected: str) -> bool:
    return await status() == expected  # type: ignore[operator]
