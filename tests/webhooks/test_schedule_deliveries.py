"""`schedule.updated` reaches a company's webhooks with that company's block changes alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from tests.factories import create_company, create_task, sign_up
from tests.graphql import GraphQL
from tests.resolvers.scheduling.world import now, parse, plan, week, work_always
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.receiver import Receiver


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


async def test_each_company_is_posted_one_signed_delivery_of_its_own_block_changes(
    graphql: GraphQL, receiver: Receiver, other_receiver: Receiver
) -> None:
    ada = await sign_up(graphql, name="Ada Hooked Schedule")
    await work_always(graphql, ada)
    acme = await create_company(graphql, ada, name="Acme Schedule Hooks")
    globex = await create_company(graphql, ada, name="Globex Schedule Hooks")
    _, acme_secret = await create_endpoint(
        graphql, ada, company_id=acme, url=receiver.url, event_types=["SCHEDULE_UPDATED"]
    )
    _, globex_secret = await create_endpoint(
        graphql, ada, company_id=globex, url=other_receiver.url, event_types=["SCHEDULE_UPDATED"]
    )
    for title in ("Acme one", "Acme two"):
        await create_task(graphql, ada, company_id=acme, title=title, estimatedMinutes=30, assigneeId=ada.user_id)
    await create_task(graphql, ada, company_id=globex, title="Globex", estimatedMinutes=30, assigneeId=ada.user_id)

    await plan(graphql, ada, apply=True)
    await until(lambda: bool(receiver.for_event("schedule.updated")), what="Acme's schedule.updated delivery")
    await until(lambda: bool(other_receiver.for_event("schedule.updated")), what="Globex's schedule.updated delivery")
    await asyncio.sleep(1.0)  # a second delivery, were there one, would have come by now

    blocks = (await week(graphql, ada, start=now() - timedelta(hours=1)))["blocks"]
    [to_acme] = receiver.for_event("schedule.updated")
    [to_globex] = other_receiver.for_event("schedule.updated")
    acme_schedule = Webhook(acme_secret).verify(to_acme.body, to_acme.headers)["data"]["schedule"]
    globex_schedule = Webhook(globex_secret).verify(to_globex.body, to_globex.headers)["data"]["schedule"]
    acme_blocks = [block for block in blocks if block["task"]["title"].startswith("Acme")]
    assert {key: value for key, value in acme_schedule.items() if key not in ("runId", "startsAt", "endsAt")} == {
        "userId": ada.user_id,
        "cause": "APPLY",
        "added": 2,
        "moved": 0,
        "removed": 0,
        "updated": 0,
    }
    assert parse(acme_schedule["startsAt"]) == min(parse(block["startsAt"]) for block in acme_blocks)
    assert parse(acme_schedule["endsAt"]) == max(parse(block["endsAt"]) for block in acme_blocks)
    assert globex_schedule["added"] == 1
    assert globex_schedule["runId"] == acme_schedule["runId"]
    # Counts and a span: nothing of the tasks travels with it.
    keys = {"userId", "cause", "runId", "added", "moved", "removed", "updated", "startsAt", "endsAt"}
    assert set(acme_schedule) == set(globex_schedule) == keys
    assert not any(title.encode() in body for title in ("Acme one", "Acme two", "Globex")
                   for body in (to_acme.body, to_globex.body))  # fmt: skip
