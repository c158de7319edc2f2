"""Through Redis: a subscriber on one API process sees what is done through another, the jobs running in a
`rhythm worker` process of their own that publishes to Redis."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis

from domain.live.messages import LiveMessage, company_channel, user_channel
from tests.databases import own_database
from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import (
    NOTIFICATION_EVENTS,
    TASK_EVENTS,
    about_task,
    notified_of,
    notified_task_ids,
    task_ids,
    until_live,
    until_notified,
)
from tests.live.servers import Server, serving
from tests.live.sockets import bearer, socket


@dataclass(frozen=True)
class Cluster:
    subscribed: Server
    changed: Server


@pytest.fixture(scope="module")
def cluster(server_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("live-redis")
    with (
        own_database(server_url, "live") as database_url,
        serving(database_url, [folder / "a", folder / "b"], redis_url=redis_url, worker=True) as [first, second],
    ):
        yield Cluster(subscribed=first, changed=second)


@pytest.fixture(scope="module")
async def api(cluster: Cluster) -> AsyncIterator[GraphQL]:
    """Every change goes through the process the subscribers are not connected to."""
    async with httpx.AsyncClient(base_url=cluster.changed.http_url, timeout=30) as client:
        yield GraphQL(client)  # type: ignore[arg-type]


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().split(":")[1])


async def test_a_subscriber_on_one_process_sees_a_task_made_through_another(api: GraphQL, cluster: Cluster) -> None:
    ada = await sign_up(api, name="Ada Redis")
    bob = await sign_up(api, name="Bob Redis")
    eve = await sign_up(api, name="Eve Redis")
    company = await create_company(api, ada, name="Fan-out Ltd")
    await invite(api, ada, company_id=company, member=bob)
    url = cluster.subscribed.ws_url

    async with socket(url, bearer(bob.token)) as bobs, socket(url, bearer(eve.token)) as eves:
        await bobs.subscribe("tasks", TASK_EVENTS)
        await eves.subscribe("tasks", TASK_EVENTS)
        await until_live(bobs, api, bob)
        await until_live(eves, api, eve)

        task = await create_task(api, ada, company_id=company, title="Across processes")

        seen = await bobs.next_where(about_task(task["id"]))
        assert seen["taskEvents"]["task"]["title"] == "Across processes"
        assert task["id"] not in task_ids(await eves.settle())


async def test_a_message_naming_a_task_the_subscriber_cannot_see_shows_nothing(
    api: GraphQL, cluster: Cluster, redis_url: str
) -> None:
    ada = await sign_up(api, name="Ada Forged")
    eve = await sign_up(api, name="Eve Forged")
    company = await create_company(api, ada, name="Secret Ltd")
    secret = await create_task(api, ada, company_id=company, title="Not for Eve")

    async with socket(cluster.subscribed.ws_url, bearer(eve.token)) as eves:
        await eves.subscribe("tasks", TASK_EVENTS)
        await until_live(eves, api, eve)
        # A message about Ada's task on a channel Eve follows: the subscription re-reads the task as Eve.
        forged = LiveMessage(
            id=uuid.uuid4(),
            type="task.updated",
            company_id=_uuid(eve.personal_company_id),
            subject_id=_uuid(secret["id"]),
        )
        client = Redis.from_url(redis_url)
        try:
            await client.publish(company_channel(forged.company_id), forged.encode())
        finally:
            await client.aclose()
        await until_live(eves, api, eve)

        assert secret["id"] not in task_ids(await eves.settle())


async def test_a_notification_made_by_a_worker_reaches_its_recipient_and_a_forged_one_nobody(
    api: GraphQL, cluster: Cluster, redis_url: str
) -> None:
    ada = await sign_up(api, name="Ada Notified Redis")
    bob = await sign_up(api, name="Bob Assigner Redis")
    eve = await sign_up(api, name="Eve Forger Redis")
    company = await create_company(api, bob, name="Notified Fan-out Ltd")
    await invite(api, bob, company_id=company, member=ada)
    await invite(api, bob, company_id=company, member=eve)
    url = cluster.subscribed.ws_url

    async with socket(url, bearer(ada.token)) as adas, socket(url, bearer(eve.token)) as eves:
        await adas.subscribe("notifications", NOTIFICATION_EVENTS)
        await eves.subscribe("notifications", NOTIFICATION_EVENTS)
        await until_notified(adas, api, bob, ada, company)
        await until_notified(eves, api, bob, eve, company)

        task = await create_task(api, bob, company_id=company, title="Across processes", assigneeId=ada.user_id)
        seen = await adas.next_where(notified_of(task["id"]))
        notification_id = _uuid(seen["notificationEvents"]["notification"]["id"])

        # Ada's notification, announced on Eve's channel: the subscription re-reads it as Eve, and finds nothing.
        forged = LiveMessage(
            id=uuid.uuid4(),
            type="notification.created",
            company_id=_uuid(company),
            subject_id=notification_id,
            user_id=_uuid(eve.user_id),
        )
        client = Redis.from_url(redis_url)
        try:
            await client.publish(user_channel(_uuid(eve.user_id)), forged.encode())
        finally:
            await client.aclose()
        # Messages on one channel arrive in order: once this probe shows, the forged message was handled.
        await until_notified(eves, api, bob, eve, company)

        assert task["id"] not in notified_task_ids(await eves.settle())
