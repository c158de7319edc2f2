"""Schedule events over a real WebSocket: a person hears of changes to their own time blocks, nobody else does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from domain.live.messages import LiveMessage, company_channel, user_channel
from tests.factories import Person, create_api_key, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.live.servers import Server
from tests.live.sockets import Payload, Socket, bearer, socket
from tests.resolvers.scheduling.world import iso, now, plan, week, work_always
from tests.waiting import PATIENCE_SECONDS, PROBE_SECONDS, PROBES

SCHEDULE_EVENTS = """
subscription($start: DateTime!) {
  scheduleEvents {
    type companyId company { name }
    week(start: $start, days: 3) { blocks { id pinned state task { id title } } }
    lastSchedule { quality { hardViolations } }
  }
}"""

PIN = """
mutation($input: TimeBlockIdInput!) { %s(input: $input) { __typename ... on TimeBlock { pinned } } }
"""


def in_company(company_id: str, condition: Callable[[Payload], bool] = lambda event: True) -> Callable[[Payload], bool]:
    def matches(data: Payload) -> bool:
        event = data.get("scheduleEvents")
        return event is not None and event["companyId"] == company_id and condition(event)

    return matches


def companies_of(messages: list[Payload]) -> list[str]:
    return [
        message["payload"]["data"]["scheduleEvents"]["companyId"]
        for message in messages
        if message["type"] == "next" and "scheduleEvents" in (message["payload"].get("data") or {})
    ]


def block_of(task_id: str, event: Payload) -> Any:
    return next((block for block in event["week"]["blocks"] if block["task"]["id"] == task_id), None)


async def with_probe_block(api: GraphQL, person: Person) -> str:
    """A block of the person's own company, to pin and unpin until their subscription is seen to listen."""
    await work_always(api, person)
    await create_task(api, person, company_id=person.personal_company_id, title="Probe", estimatedMinutes=15)
    await plan(api, person, apply=True)
    [block] = (await week(api, person, start=now() - timedelta(hours=1)))["blocks"]
    return str(block["id"])


async def subscribed(socket: Socket, api: GraphQL, person: Person, probe_block: str) -> None:
    """Subscribe, then pin and unpin the probe block until one of those changes arrives."""
    await socket.subscribe("schedule", SCHEDULE_EVENTS, {"start": iso(now() - timedelta(hours=1))})
    for attempt in range(PROBES):
        change = "pinTimeBlock" if attempt % 2 == 0 else "unpinTimeBlock"
        await api(PIN % change, {"input": {"id": probe_block}}, caller=person)
        try:
            await socket.next_where(in_company(person.personal_company_id), seconds=PROBE_SECONDS)
            return
        except TimeoutError:
            continue
    raise AssertionError("the subscription never delivered an event")


async def test_a_person_hears_of_their_applied_plan_and_of_a_pin(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Live Schedule")
    company = await create_company(api, ada, name="Live Schedule Ltd")
    probe = await with_probe_block(api, ada)

    async with socket(server.ws_url, bearer(ada.token)) as adas:
        await subscribed(adas, api, ada, probe)
        task = await create_task(api, ada, company_id=company, title="Plan me", estimatedMinutes=30,
                                 assigneeId=ada.user_id)  # fmt: skip
        await plan(api, ada, apply=True)
        applied = (await adas.next_where(in_company(company)))["scheduleEvents"]
        block = block_of(task["id"], applied)
        await api(PIN % "pinTimeBlock", {"input": {"id": block["id"]}}, caller=ada)
        pinned = await adas.next_where(in_company(company, lambda event: block_of(task["id"], event)["pinned"]))

    assert applied["type"] == "UPDATED"
    assert applied["company"] == {"name": "Live Schedule Ltd"}
    assert applied["lastSchedule"] == {"quality": {"hardViolations": 0}}
    assert block == {"id": block["id"], "pinned": False, "state": "PLANNED",
                     "task": {"id": task["id"], "title": "Plan me"}}  # fmt: skip
    assert block_of(task["id"], pinned["scheduleEvents"]) == {**block, "pinned": True}


async def test_nobody_else_hears_of_a_persons_schedule(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Private Schedule")
    bob = await sign_up(api, name="Bob Same Company")
    cyd = await sign_up(api, name="Cyd Other Company")
    company = await create_company(api, ada, name="Private Schedule Ltd")
    await invite(api, ada, company_id=company, member=bob)
    await create_company(api, cyd, name="Elsewhere Schedule Ltd")
    probes = {person.user_id: await with_probe_block(api, person) for person in (ada, bob, cyd)}

    async with (
        socket(server.ws_url, bearer(ada.token)) as adas,
        socket(server.ws_url, bearer(bob.token)) as bobs,
        socket(server.ws_url, bearer(cyd.token)) as cyds,
    ):
        for person, subscriber in ((ada, adas), (bob, bobs), (cyd, cyds)):
            await subscribed(subscriber, api, person, probes[person.user_id])
        task = await create_task(api, ada, company_id=company, title="Ada's alone", estimatedMinutes=30,
                                 assigneeId=ada.user_id)  # fmt: skip
        await plan(api, ada, apply=True)
        await adas.next_where(in_company(company))

        # Bob shares the company, Cyd does not: each hears of their own probe only.
        assert set(companies_of(await bobs.settle())) == {bob.personal_company_id}
        assert set(companies_of(await cyds.settle())) == {cyd.personal_company_id}
    assert task["id"].encode() not in str(bobs.history + cyds.history).encode()


async def test_an_api_key_may_not_follow_a_schedule(api: GraphQL, server: Server) -> None:
    ada = await sign_up(api, name="Ada Schedule Key")
    company = await create_company(api, ada, name="Schedule Keyed Ltd")
    key = await create_api_key(api, ada, company_id=company, scopes=["TASKS_READ"])

    async with socket(server.ws_url, {"apiKey": key}) as integration:
        await integration.subscribe("schedule", SCHEDULE_EVENTS, {"start": iso(now())})
        answer = await integration.receive(PATIENCE_SECONDS)

    assert answer["type"] == "next", answer
    [error] = answer["payload"]["errors"]
    assert error["message"] == "This needs a signed-in person; an API key may not do it."


def test_a_schedule_event_travels_on_its_persons_channel_alone() -> None:
    event_id, company, person = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    schedule = LiveMessage.of_event(event_id, "schedule.updated", company, person)
    task = LiveMessage.of_event(event_id, "task.created", company, uuid.uuid4())

    assert schedule is not None
    assert schedule.channels() == [user_channel(person)]
    assert LiveMessage.decode(schedule.encode()) == schedule
    assert task is not None
    assert task.channels() == [company_channel(company)]
    assert LiveMessage.of_event(event_id, "schedule.updated", company, None) is None
