"""Notification events over a real WebSocket: each person hears of their own new notifications, nobody else does."""

from __future__ import annotations

from tests.factories import create_api_key, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import NOTIFICATION_EVENTS, notified_of, notified_task_ids, until_notified
from tests.live.servers import Server
from tests.live.sockets import bearer, socket
from tests.notifications.documents import mark_read
from tests.waiting import PATIENCE_SECONDS


async def test_a_person_hears_of_a_task_assigned_to_them_with_the_unread_count(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Notified")
    bob = await sign_up(api, name="Bob Assigner")
    company = await create_company(api, bob, name="Notified Ltd")
    await invite(api, bob, company_id=company, member=ada)

    async with socket(server.ws_url, bearer(ada.token)) as adas:
        await adas.subscribe("notifications", NOTIFICATION_EVENTS)
        await until_notified(adas, api, bob, ada, company)
        await mark_read(api, ada, all=True)

        task = await create_task(api, bob, company_id=company, title="Review the draft", assigneeId=ada.user_id)

        seen = await adas.next_where(notified_of(task["id"]))

    event = seen["notificationEvents"]
    assert event["type"] == "CREATED"
    assert event["unreadCount"] == 1
    assert {key: value for key, value in event["notification"].items() if key != "id"} == {
        "type": "TASK_ASSIGNED",
        "title": "Bob Assigner assigned you “Review the draft”",
        "read": False,
        "company": {"name": "Notified Ltd"},
        "task": {"id": task["id"], "title": "Review the draft"},
    }


async def test_nobody_but_the_addressee_hears_of_a_notification(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Addressee")
    bob = await sign_up(api, name="Bob Colleague")
    dan = await sign_up(api, name="Dan Colleague")
    cyd = await sign_up(api, name="Cyd Elsewhere")
    cal = await sign_up(api, name="Cal Elsewhere")
    company = await create_company(api, bob, name="Shared Ltd")
    await invite(api, bob, company_id=company, member=ada)
    await invite(api, bob, company_id=company, member=dan)
    elsewhere = await create_company(api, cal, name="Elsewhere Ltd")
    await invite(api, cal, company_id=elsewhere, member=cyd)

    async with (
        socket(server.ws_url, bearer(ada.token)) as adas,
        socket(server.ws_url, bearer(dan.token)) as dans,
        socket(server.ws_url, bearer(cyd.token)) as cyds,
    ):
        for subscriber in (adas, dans, cyds):
            await subscriber.subscribe("notifications", NOTIFICATION_EVENTS)
        await until_notified(dans, api, bob, dan, company)
        await until_notified(cyds, api, cal, cyd, elsewhere)

        task = await create_task(api, bob, company_id=company, title="For Ada alone", assigneeId=ada.user_id)

        await adas.next_where(notified_of(task["id"]))
        # Dan shares the company, Cyd does not: neither hears of Ada's notification.
        assert task["id"] not in notified_task_ids(await dans.settle())
        assert task["id"] not in notified_task_ids(await cyds.settle())


async def test_an_api_key_may_not_follow_notifications(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Keyholder")
    company = await create_company(api, ada, name="Keyed Ltd")
    key = await create_api_key(api, ada, company_id=company, scopes=["TASKS_READ"])

    async with socket(server.ws_url, {"apiKey": key}) as integration:
        await integration.subscribe("notifications", NOTIFICATION_EVENTS)
        answer = await integration.receive(PATIENCE_SECONDS)

    assert answer["type"] == "next", answer
    [error] = answer["payload"]["errors"]
    assert error["message"] == "This needs a signed-in person; an API key may not do it."
