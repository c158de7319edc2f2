"""Task events over a real WebSocket: members see what other members do, nobody else sees anything."""

from __future__ import annotations

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import TASK_EVENTS, about_task, task_ids, until_live
from tests.live.servers import Server
from tests.live.sockets import bearer, socket


async def test_a_member_sees_a_task_another_member_creates_and_a_stranger_sees_nothing(
    api: GraphQL, server: Server
) -> None:
    ada = await sign_up(api, name="Ada Live")
    bob = await sign_up(api, name="Bob Live")
    eve = await sign_up(api, name="Eve Live")
    company = await create_company(api, ada, name="Live Ltd")
    await invite(api, ada, company_id=company, member=bob)

    async with socket(server.ws_url, bearer(bob.token)) as bobs, socket(server.ws_url, bearer(eve.token)) as eves:
        await bobs.subscribe("tasks", TASK_EVENTS)
        await eves.subscribe("tasks", TASK_EVENTS)
        await until_live(bobs, api, bob)
        await until_live(eves, api, eve)

        task = await create_task(api, ada, company_id=company, title="Ship the live view")

        seen = await bobs.next_where(about_task(task["id"]))
        assert seen == {
            "taskEvents": {
                "type": "CREATED",
                "taskId": task["id"],
                "task": {
                    "id": task["id"],
                    "title": "Ship the live view",
                    "status": "TODO",
                    "company": {"name": "Live Ltd"},
                    "createdBy": {"id": ada.user_id},
                },
            }
        }
        assert task["id"] not in task_ids(await eves.settle())


async def test_a_member_sees_a_task_completed_and_deleted(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Lifecycle")
    bob = await sign_up(api, name="Bob Lifecycle")
    company = await create_company(api, ada, name="Lifecycle Ltd")
    await invite(api, ada, company_id=company, member=bob)
    task = await create_task(api, ada, company_id=company, title="Finish me")

    async with socket(server.ws_url, bearer(bob.token)) as bobs:
        await bobs.subscribe("tasks", TASK_EVENTS, {"companyId": company})
        await until_live(bobs, api, ada, company_id=company)
        await api(
            "mutation($input: TaskIdInput!) { completeTask(input: $input) { __typename } }",
            {"input": {"id": task["id"]}},
            caller=ada,
        )
        # Matched by kind: the task's creation may reach the relay after Bob subscribed, and show too. And one
        # change at a time: a change to a task deleted by the time it is read is not shown (the deletion is).
        completed = await bobs.next_where(about_task(task["id"], "COMPLETED"))
        await api(
            "mutation($input: TaskIdInput!) { deleteTask(input: $input) { __typename } }",
            {"input": {"id": task["id"]}},
            caller=ada,
        )
        deleted = await bobs.next_where(about_task(task["id"], "DELETED"))

    assert completed["taskEvents"]["type"] == "COMPLETED"
    assert completed["taskEvents"]["task"]["status"] == "DONE"
    assert deleted == {"taskEvents": {"type": "DELETED", "taskId": task["id"], "task": None}}
