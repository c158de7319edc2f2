"""Subscriptions follow the subscriber's memberships: joining shows a company's events, leaving hides them."""

from __future__ import annotations

from tests.factories import create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import MEMBERSHIP_EVENTS, TASK_EVENTS, about_task, remove_member, task_ids, until_live
from tests.live.servers import Server
from tests.live.sockets import Payload, bearer, socket


def membership(kind: str) -> object:
    return lambda data: "membershipEvents" in data and data["membershipEvents"]["type"] == kind


async def test_a_person_who_joins_mid_subscription_sees_the_company_from_then_on(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Joins")
    bob = await sign_up(api, name="Bob Joins")
    company = await create_company(api, ada, name="Joined Ltd")

    async with socket(server.ws_url, bearer(bob.token)) as bobs:
        await bobs.subscribe("members", MEMBERSHIP_EVENTS)
        await bobs.subscribe("tasks", TASK_EVENTS)
        await until_live(bobs, api, bob)

        await invite(api, ada, company_id=company, member=bob)

        joined: Payload = await bobs.next_where(membership("ADDED"))  # type: ignore[arg-type]
        assert joined == {
            "membershipEvents": {
                "type": "ADDED",
                "companyId": company,
                "userId": bob.user_id,
                "membership": {"role": "MEMBER", "user": {"id": bob.user_id}},
            }
        }
        # Without subscribing again, Ada's tasks there reach Bob.
        await until_live(bobs, api, ada, company_id=company)


async def test_a_member_removed_mid_subscription_stops_seeing_the_company(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Removes")
    bob = await sign_up(api, name="Bob Removed")
    company = await create_company(api, ada, name="Leaving Ltd")
    await invite(api, ada, company_id=company, member=bob)

    async with socket(server.ws_url, bearer(ada.token)) as adas, socket(server.ws_url, bearer(bob.token)) as bobs:
        await adas.subscribe("tasks", TASK_EVENTS)
        await bobs.subscribe("members", MEMBERSHIP_EVENTS)
        await bobs.subscribe("tasks", TASK_EVENTS)
        await until_live(adas, api, ada, company_id=company)
        await until_live(bobs, api, ada, company_id=company)

        await remove_member(api, ada, company_id=company, member=bob)

        removed = await bobs.next_where(membership("REMOVED"))  # type: ignore[arg-type]
        assert removed == {
            "membershipEvents": {"type": "REMOVED", "companyId": company, "userId": bob.user_id, "membership": None}
        }
        task = await create_task(api, ada, company_id=company, title="After Bob left")
        # Ada's copy of the event arrives; Bob's never does.
        await adas.next_where(about_task(task["id"]))
        assert task["id"] not in task_ids(await bobs.settle())
