"""The fan-out: an event is rendered once for the subscribers who see it alike, each of them gets it once, and
nobody gets what they may not read: another company's people, a selection that depends on the viewer, an API key
whose scopes hide part of it."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import create_api_key, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import TASK_EVENTS, about_task, task_ids, until_live
from tests.live.servers import Server
from tests.live.sockets import Payload, bearer, socket

VIEWER_ROLE_EVENTS = """
subscription { taskEvents { type taskId task { id title company { name viewerRole } } } }
"""

CREATOR_EVENTS = """
subscription { taskEvents { type taskId task { id title createdBy { id } } } }
"""


async def counted(server: Server, name: str, path: str) -> float:
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        text = (await client.get("/metrics")).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and sample.labels.get("path") == path
    )


def copies_of(task_id: str, messages: list[Payload]) -> int:
    return task_ids(messages).count(task_id)


async def test_members_who_see_an_event_alike_share_one_rendering_and_another_company_gets_nothing(
    api: GraphQL, server: Server
) -> None:
    ada = await sign_up(api, name="Ada Fan-out")
    bob = await sign_up(api, name="Bob Fan-out")
    dan = await sign_up(api, name="Dan Fan-out")
    eve = await sign_up(api, name="Eve Fan-out")
    company = await create_company(api, ada, name="Fan-out Ltd")
    await create_company(api, eve, name="Elsewhere Fan-out Ltd")
    for member in (bob, dan):
        await invite(api, ada, company_id=company, member=member)
    url = server.ws_url

    async with (
        socket(url, bearer(bob.token)) as bobs,
        socket(url, bearer(dan.token)) as dans,
        socket(url, bearer(eve.token)) as eves,
    ):
        for person, subscriber in ((bob, bobs), (dan, dans), (eve, eves)):
            await subscriber.subscribe("tasks", TASK_EVENTS)
            await until_live(subscriber, api, person)
        renders = await counted(server, "rhythm_live_renders_total", "shared")
        sent = await counted(server, "rhythm_live_sent_total", "shared")

        task = await create_task(api, ada, company_id=company, title="Told once, sent twice")
        seen = [await subscriber.next_where(about_task(task["id"])) for subscriber in (bobs, dans)]
        rendered = await counted(server, "rhythm_live_renders_total", "shared") - renders
        delivered = await counted(server, "rhythm_live_sent_total", "shared") - sent

        assert [copies_of(task["id"], await s.settle()) for s in (bobs, dans, eves)] == [1, 1, 0]
    assert seen[0] == seen[1]
    assert seen[0]["taskEvents"]["task"]["company"] == {"name": "Fan-out Ltd"}
    assert (rendered, delivered) == (1, 2)
    # Sent as rendered: `rhythm serve` declines permessage-deflate, which the client offered.
    assert bobs.connection.response is not None
    assert "Sec-WebSocket-Extensions" not in bobs.connection.response.headers


async def test_a_selection_that_depends_on_the_viewer_is_rendered_for_each_subscriber(
    api: GraphQL, server: Server
) -> None:
    ada = await sign_up(api, name="Ada Own Role")
    bob = await sign_up(api, name="Bob Own Role")
    cyd = await sign_up(api, name="Cyd Own Role")
    company = await create_company(api, ada, name="Own Role Ltd")
    await invite(api, ada, company_id=company, member=bob)
    await invite(api, ada, company_id=company, member=cyd, role="ADMIN")

    async with socket(server.ws_url, bearer(bob.token)) as bobs, socket(server.ws_url, bearer(cyd.token)) as cyds:
        for person, subscriber in ((bob, bobs), (cyd, cyds)):
            await subscriber.subscribe("tasks", VIEWER_ROLE_EVENTS)
            await until_live(subscriber, api, person)
        shared = await counted(server, "rhythm_live_renders_total", "shared")

        task = await create_task(api, ada, company_id=company, title="Whose role?")
        bob_saw = await bobs.next_where(about_task(task["id"]))
        cyd_saw = await cyds.next_where(about_task(task["id"]))

        assert await counted(server, "rhythm_live_renders_total", "shared") == shared
    assert bob_saw["taskEvents"]["task"]["company"] == {"name": "Own Role Ltd", "viewerRole": "MEMBER"}
    assert cyd_saw["taskEvents"]["task"]["company"] == {"name": "Own Role Ltd", "viewerRole": "ADMIN"}


async def test_api_keys_see_what_their_own_scopes_allow_and_a_key_without_the_tasks_scope_sees_nothing(
    api: GraphQL, server: Server
) -> None:
    ada = await sign_up(api, name="Ada Scoped Keys")
    company = await create_company(api, ada, name="Scoped Keys Ltd")
    tasks_only = await create_api_key(api, ada, company_id=company, scopes=["TASKS_READ"])
    with_members = await create_api_key(api, ada, company_id=company, scopes=["TASKS_READ", "MEMBERS_READ"])
    projects_only = await create_api_key(api, ada, company_id=company, scopes=["PROJECTS_READ"])
    url = server.ws_url

    async with (
        socket(url, {"apiKey": tasks_only}) as narrow,
        socket(url, {"apiKey": with_members}) as wide,
        socket(url, {"apiKey": projects_only}) as blind,
    ):
        for subscriber in (narrow, wide, blind):
            await subscriber.subscribe("tasks", CREATOR_EVENTS)
        for subscriber in (narrow, wide):
            await until_live(subscriber, api, ada, company_id=company)

        task = await create_task(api, ada, company_id=company, title="Who made me?")
        narrow_saw = await narrow.next_where(about_task(task["id"]))
        wide_saw = await wide.next_where(about_task(task["id"]))

        assert task_ids(await blind.settle()) == []
    assert narrow_saw["taskEvents"]["task"]["createdBy"] is None
    assert wide_saw["taskEvents"]["task"]["createdBy"] == {"id": ada.user_id}
