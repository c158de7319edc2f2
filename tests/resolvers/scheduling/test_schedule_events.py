"""`schedule.updated` in the outbox: recorded with the change that moves a person's blocks, one per company whose
blocks changed, never for a preview or a change rolled back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from tests.factories import Person, create_company, create_task, invite, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from tests.resolvers.scheduling.world import PREVIEW, RESULT, now, plan, week, work_always
from tests.waiting import until
from workers.scheduling import actors as scheduling

BLOCK_CHANGE = """
mutation($input: TimeBlockIdInput!) {
  %s(input: $input) { __typename ... on TimeBlock { id pinned state } ... on Error { message } }
}"""

# The apply goes through; the second field's id is no global id, so the operation fails and takes the apply along.
APPLY_THEN_FAIL = (
    "mutation { applySchedule "
    + RESULT.format(fields="applied")
    + ' broken: pinTimeBlock(input: { id: "not-an-id" }) { __typename } }'
)


async def schedule_events(owner: asyncpg.Connection, person: Person) -> list[dict[str, Any]]:
    rows = await owner.fetch(
        "SELECT company_id, subject_id, actor_user_id, payload FROM outbox"
        " WHERE type = 'schedule.updated' AND subject_id = $1 ORDER BY created_at, id",
        uuid_of(person.user_id),
    )
    return [{**row, "payload": json.loads(row["payload"])} for row in rows]


async def blocks_now(graphql: GraphQL, person: Person) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = (await week(graphql, person, start=now() - timedelta(hours=1)))["blocks"]
    return blocks


async def test_an_applied_plan_records_one_event_for_the_company_of_its_blocks(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Outbox")
    await work_always(graphql, ada)
    company = ada.personal_company_id
    for title in ("Taxes", "Letters"):
        await create_task(graphql, ada, company_id=company, title=title, estimatedMinutes=30)

    await plan(graphql, ada, apply=True)

    [event] = await schedule_events(owner, ada)
    blocks = await blocks_now(graphql, ada)
    assert event["company_id"] == uuid_of(company)
    assert event["subject_id"] == event["actor_user_id"] == uuid_of(ada.user_id)
    schedule = event["payload"]["schedule"]
    assert {key: schedule[key] for key in ("user_id", "cause", "added", "moved", "removed", "updated")} == {
        "user_id": str(uuid_of(ada.user_id)),
        "cause": "apply",
        "added": 2,
        "moved": 0,
        "removed": 0,
        "updated": 0,
    }
    assert schedule["starts_at"] == min(block["startsAt"] for block in blocks).replace("Z", "+00:00")
    assert schedule["ends_at"] == max(block["endsAt"] for block in blocks).replace("Z", "+00:00")
    assert set(event["payload"]) == {"schedule"}
    assert set(schedule) == {"user_id", "cause", "run_id", "added", "moved", "removed", "updated", "starts_at",
                             "ends_at"}  # fmt: skip


async def test_a_plan_across_companies_records_one_event_per_company_with_that_companys_counts(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Two Companies")
    await work_always(graphql, ada)
    acme = await create_company(graphql, ada, name="Acme Events")
    globex = await create_company(graphql, ada, name="Globex Events")
    await create_task(graphql, ada, company_id=acme, title="Acme one", estimatedMinutes=30, assigneeId=ada.user_id)
    await create_task(graphql, ada, company_id=acme, title="Acme two", estimatedMinutes=30, assigneeId=ada.user_id)
    await create_task(graphql, ada, company_id=globex, title="Globex", estimatedMinutes=30, assigneeId=ada.user_id)

    await plan(graphql, ada, apply=True)

    events = {event["company_id"]: event["payload"]["schedule"] for event in await schedule_events(owner, ada)}
    assert set(events) == {uuid_of(acme), uuid_of(globex)}
    assert events[uuid_of(acme)]["added"] == 2
    assert events[uuid_of(globex)]["added"] == 1
    assert events[uuid_of(acme)]["run_id"] == events[uuid_of(globex)]["run_id"] is not None


async def test_a_preview_a_rolled_back_apply_and_an_unchanged_apply_record_nothing(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Nothing Recorded")
    await work_always(graphql, ada)
    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Reading", estimatedMinutes=30)

    await graphql(PREVIEW, caller=ada)
    errors = await graphql.errors(APPLY_THEN_FAIL, caller=ada)
    nothing_yet = await schedule_events(owner, ada)
    no_blocks = await blocks_now(graphql, ada)
    await plan(graphql, ada, apply=True)
    before = await blocks_now(graphql, ada)
    await plan(graphql, ada, apply=True)

    assert errors
    assert nothing_yet == []
    assert no_blocks == []
    assert len(await schedule_events(owner, ada)) == 1, "the second apply changed nothing and recorded nothing"
    assert await blocks_now(graphql, ada) == before


async def test_pinning_marking_and_unpinning_a_block_each_record_an_event(
    graphql: GraphQL, owner: asyncpg.Connection
) -> None:
    ada = await sign_up(graphql, name="Ada Pins Events")
    await work_always(graphql, ada)
    company = ada.personal_company_id
    await create_task(graphql, ada, company_id=company, title="Reading", estimatedMinutes=30)
    await create_task(graphql, ada, company_id=company, title="Writing", estimatedMinutes=30)
    await plan(graphql, ada, apply=True)
    first, second = await blocks_now(graphql, ada)

    for change, block in (("pinTimeBlock", first), ("pinTimeBlock", first), ("unpinTimeBlock", first),
                          ("markTimeBlockDone", first), ("markTimeBlockMissed", second)):  # fmt: skip
        result = (await graphql(BLOCK_CHANGE % change, {"input": {"id": block["id"]}}, caller=ada))[change]
        assert result["__typename"] == "TimeBlock", result

    events = (await schedule_events(owner, ada))[1:]
    # Pinning a pinned block changes nothing: no event for the second pin.
    assert [event["payload"]["schedule"]["cause"] for event in events] == ["pin", "unpin", "done", "missed"]
    assert all(event["payload"]["schedule"]["updated"] == 1 for event in events)
    assert [event["payload"]["schedule"]["starts_at"] for event in events[:3]] == [
        first["startsAt"].replace("Z", "+00:00")
    ] * 3


async def test_a_colleague_may_not_pin_a_block_and_records_nothing(graphql: GraphQL, owner: asyncpg.Connection) -> None:
    ada = await sign_up(graphql, name="Ada Own Blocks")
    bob = await sign_up(graphql, name="Bob Meddler")
    company = await create_company(graphql, ada, name="Meddle Ltd")
    await invite(graphql, ada, company_id=company, member=bob)
    await work_always(graphql, ada)
    await create_task(graphql, ada, company_id=company, title="Ada's", estimatedMinutes=30, assigneeId=ada.user_id)
    await plan(graphql, ada, apply=True)
    [block] = await blocks_now(graphql, ada)

    refused = await graphql(BLOCK_CHANGE % "pinTimeBlock", {"input": {"id": block["id"]}}, caller=bob)

    assert refused["pinTimeBlock"] == {
        "__typename": "Forbidden",
        "message": "Only the person whose block it is may change it.",
    }
    assert [event["payload"]["schedule"]["cause"] for event in await schedule_events(owner, ada)] == ["apply"]
    assert await schedule_events(owner, bob) == []


async def test_the_background_replan_records_its_event(
    graphql: GraphQL, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduling, "REPLAN_DELAY", timedelta(seconds=1))
    ada = await sign_up(graphql, name="Ada Background")
    await work_always(graphql, ada)

    await create_task(graphql, ada, company_id=ada.personal_company_id, title="Replanned", estimatedMinutes=45)

    async def recorded() -> list[dict[str, Any]]:
        return await schedule_events(owner, ada)

    [event] = await until(recorded, what="the replan's schedule.updated")
    assert event["company_id"] == uuid_of(ada.personal_company_id)
    assert event["payload"]["schedule"]["cause"] == "replan"
    assert event["payload"]["schedule"]["added"] == 1
