"""`rhythm jobs` and `rhythm admin` as an operator runs them, against the same database and Redis."""

from __future__ import annotations

import asyncio

from tests.isolation.world import uuid_of
from tests.jobs.world import QUEUES, Rhythm, dead_letters, make_world, send_failing_email
from tests.waiting import until


async def dead_of(rhythm: Rhythm, person: object, message_id: str) -> dict[str, object]:
    async def found() -> dict[str, object] | None:
        dead = await dead_letters(rhythm, person, ["DEAD"])  # type: ignore[arg-type]
        return next((node for node in dead if node["messageId"] == message_id), None)

    result: dict[str, object] = await until(found, what="the dead letter")
    return result


async def test_the_cli_lists_queues_and_dead_letters_and_discards_one(rhythm: Rhythm) -> None:
    world = await make_world(rhythm.graphql)
    dead = await dead_of(rhythm, world.owner, await send_failing_email(rhythm, world))
    row_id = str(uuid_of(str(dead["id"])))

    listed = await asyncio.to_thread(rhythm.cli, "jobs", "dead", "--queue", "notifications")
    queues = await asyncio.to_thread(rhythm.cli, "jobs", "queues")
    line = next(line for line in listed.splitlines() if line.startswith(row_id))
    discarded = await asyncio.to_thread(rhythm.cli, "jobs", "discard", row_id)
    listed_after = await asyncio.to_thread(rhythm.cli, "jobs", "dead")

    assert listed.splitlines()[0].split() == ["ID", "QUEUE", "ACTOR", "COMPANY", "AGE", "ATTEMPTS", "STATE", "REASON"]
    assert "notifications.email" in line
    assert str(uuid_of(world.company_id)) in line
    assert "Error" in line
    notifications = next(line.split() for line in queues.splitlines() if line.startswith("notifications"))
    assert int(notifications[4]) >= 1  # dead in the broker
    assert int(notifications[5]) >= 1  # waiting for a decision
    # The CLI tells the broker itself, unless a worker's replayer got there first.
    assert "rhythm: 1 asked to discard;" in discarded
    assert row_id not in listed_after

    async def discarded_for_good() -> bool:
        rows = [n for n in await dead_letters(rhythm, world.owner) if n["id"] == dead["id"]]
        return rows[0]["state"] == "DISCARDED"

    await until(discarded_for_good, what="the discard")


async def test_a_platform_administrator_granted_on_the_cli_sees_every_company_and_the_queues(rhythm: Rhythm) -> None:
    world = await make_world(rhythm.graphql)
    dead = await dead_of(rhythm, world.owner, await send_failing_email(rhythm, world))
    before = await dead_letters(rhythm, world.outsider)

    await asyncio.to_thread(rhythm.cli, "admin", "grant", world.outsider.email)
    try:
        seen = await dead_letters(rhythm, world.outsider)
        queues = (await rhythm.graphql(QUEUES, caller=world.outsider))["jobs"]["queues"]
    finally:
        await asyncio.to_thread(rhythm.cli, "admin", "revoke", world.outsider.email)
    after = await dead_letters(rhythm, world.outsider)

    assert before == after == []
    assert dead["id"] in [node["id"] for node in seen]
    by_name = {queue["name"]: queue for queue in queues}
    assert set(by_name) >= {"events", "webhooks", "notifications"}
    assert by_name["notifications"]["dead"] >= 1
    assert by_name["notifications"]["waitingDeadLetters"] >= 1
