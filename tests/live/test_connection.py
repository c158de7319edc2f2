"""Connecting: credentials in `connection_init` or no connection; the legacy protocol is not spoken."""

from __future__ import annotations

from tests.factories import create_api_key, create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import TASK_EVENTS, about_task, until_live
from tests.live.servers import Server
from tests.live.sockets import bearer, refusal, socket
from tests.waiting import PATIENCE_SECONDS


async def test_a_connection_without_credentials_is_refused(server: Server) -> None:
    assert await refusal(server.ws_url, {}) == (4403, "Forbidden")


async def test_a_connection_with_a_bad_token_is_refused(server: Server) -> None:
    assert await refusal(server.ws_url, bearer("not-a-token")) == (4403, "Forbidden")
    assert await refusal(server.ws_url, {"apiKey": "rk_nothing"}) == (4403, "Forbidden")


async def test_credentials_may_come_with_the_handshake_instead(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Handshake")

    async with socket(server.ws_url, {}, headers={"Authorization": f"Bearer {ada.token}"}) as adas:
        await adas.subscribe("viewer", "{ viewer { user { id } } }")
        answer = await adas.receive(PATIENCE_SECONDS)
        done = await adas.receive(PATIENCE_SECONDS)

    assert answer == {"id": "viewer", "type": "next", "payload": {"data": {"viewer": {"user": {"id": ada.user_id}}}}}
    assert done == {"id": "viewer", "type": "complete"}


async def test_the_legacy_graphql_ws_protocol_is_refused(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Legacy")

    code, _ = await refusal(server.ws_url, bearer(ada.token), protocol="graphql-ws")

    assert code == 4406


async def test_a_stranger_may_not_follow_another_companys_tasks(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Private")
    eve = await sign_up(api, name="Eve Curious")
    company = await create_company(api, ada, name="Private Ltd")

    async with socket(server.ws_url, bearer(eve.token)) as eves:
        await eves.subscribe("tasks", TASK_EVENTS, {"companyId": company})
        answer = await eves.receive(PATIENCE_SECONDS)

    assert answer["type"] == "next", answer
    [error] = answer["payload"]["errors"]
    assert error["message"] == "No such Company."
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_an_api_key_subscribes_to_its_company(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Integrator")
    company = await create_company(api, ada, name="Integrated Ltd")
    key = await create_api_key(api, ada, company_id=company, scopes=["TASKS_READ"])

    async with socket(server.ws_url, {"apiKey": key}) as integration:
        await integration.subscribe("tasks", TASK_EVENTS)
        await until_live(integration, api, ada, company_id=company)
        task = await create_task(api, ada, company_id=company, title="For the integration")

        seen = await integration.next_where(about_task(task["id"]))

    assert seen["taskEvents"]["task"]["title"] == "For the integration"
