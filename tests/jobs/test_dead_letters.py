"""A job that keeps failing ends in dead letters with its reason and age; its company's owners (and platform
administrators) see it and replay or discard it, nobody else does. A real worker process on a real Redis runs
the job; the mail server it emails through is down until a test starts one."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.jobs.world import QUEUES, Rhythm, ask, dead_letters, make_world, send_failing_email
from tests.notifications.mailbox import Mailbox
from tests.waiting import until


async def given_up(rhythm: Rhythm, person: Any, message_id: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        dead = await dead_letters(rhythm, person, ["DEAD"])
        return next((node for node in dead if node["messageId"] == message_id), None)

    result: dict[str, Any] = await until(found, what=f"the dead letter of message {message_id}")
    return result


async def state_of(rhythm: Rhythm, person: Any, dead_letter_id: str) -> str:
    dead = await dead_letters(rhythm, person)
    return str(next(node["state"] for node in dead if node["id"] == dead_letter_id))


async def test_a_job_that_keeps_failing_is_recorded_with_its_reason_and_age(rhythm: Rhythm) -> None:
    world = await make_world(rhythm.graphql)

    message_id = await send_failing_email(rhythm, world)
    dead = await given_up(rhythm, world.owner, message_id)

    assert (dead["queue"], dead["actor"], dead["state"]) == ("notifications", "notifications.email", "DEAD")
    # The first run and one retry.
    assert dead["attempts"] == 2
    assert "Error" in dead["reason"], dead["reason"]
    assert str(rhythm.smtp_port) in dead["reason"], dead["reason"]
    assert 0 <= dead["ageSeconds"] < 120
    assert dead["company"] == {"id": world.company_id}
    assert rhythm.dead_in_broker() >= 1


async def test_only_the_owners_see_and_decide_on_a_dead_letter(rhythm: Rhythm) -> None:
    world = await make_world(rhythm.graphql)
    dead = await given_up(rhythm, world.owner, await send_failing_email(rhythm, world))

    seen_by_member = await dead_letters(rhythm, world.member)
    seen_by_outsider = await dead_letters(rhythm, world.outsider)
    replayed_by_member = await ask(rhythm, world.member, "replay", dead["id"])
    discarded_by_outsider = await ask(rhythm, world.outsider, "discard", dead["id"])
    queues_for_owner = await rhythm.graphql(QUEUES, caller=world.owner)

    assert (seen_by_member, seen_by_outsider) == ([], [])
    assert replayed_by_member["__typename"] == discarded_by_outsider["__typename"] == "NotFound"
    assert queues_for_owner["jobs"]["queues"] is None
    assert await state_of(rhythm, world.owner, dead["id"]) == "DEAD"


async def test_a_replay_runs_the_job_again_with_its_retries_reset_and_it_succeeds_once_the_cause_is_fixed(
    rhythm: Rhythm,
) -> None:
    world = await make_world(rhythm.graphql)
    message_id = await send_failing_email(rhythm, world)
    first = await given_up(rhythm, world.owner, message_id)

    # Replayed while the mail server is still down: it runs its two attempts again, not zero.
    assert (await ask(rhythm, world.owner, "replay", first["id"]))["state"] == "REPLAYING"
    second = await given_up(rhythm, world.owner, message_id)
    assert second["id"] != first["id"]
    assert second["attempts"] == 2
    assert await state_of(rhythm, world.owner, first["id"]) == "REPLAYED"

    mailbox = Mailbox(port=rhythm.smtp_port).start()
    try:
        assert (await ask(rhythm, world.owner, "replay", second["id"]))["state"] == "REPLAYING"

        async def emailed() -> bool:
            return bool(mailbox.to(world.owner.email, "member_added"))

        await until(emailed, what="the replayed email")
    finally:
        mailbox.stop()
    assert await state_of(rhythm, world.owner, second["id"]) == "REPLAYED"
    assert [node["id"] for node in await dead_letters(rhythm, world.owner, ["DEAD"])] == []
    assert (await ask(rhythm, world.owner, "replay", second["id"]))["__typename"] == "Conflict"


async def test_a_discard_drops_the_job_from_the_broker_for_good(rhythm: Rhythm) -> None:
    world = await make_world(rhythm.graphql)
    dead = await given_up(rhythm, world.owner, await send_failing_email(rhythm, world))
    in_broker = rhythm.dead_in_broker()

    assert (await ask(rhythm, world.owner, "discard", dead["id"]))["state"] == "DISCARDING"

    async def discarded() -> bool:
        return await state_of(rhythm, world.owner, dead["id"]) == "DISCARDED"

    await until(discarded, what="the discard")
    assert rhythm.dead_in_broker() == in_broker - 1
    await asyncio.sleep(0.5)
    assert await dead_letters(rhythm, world.owner, ["DEAD"]) == []
