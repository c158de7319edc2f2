"""Rhythm's blocks in the person's Google calendar, both ways: written once with a client-chosen id and private
extended properties, moved or deleted there by the person (pinned at the new time, or dropped and planned again),
Rhythm's own writes coming back changing nothing, a retried insert making no duplicate, a stale ETag read again.
And the other way round: a Google meeting is busy time the plan goes around, in every company of the person."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from db.models import OutboxEvent, TimeBlock
from db.models.calendar_sync import CalendarBlockLink, ExternalCalendar
from db.tenant import tenant_session, worker_for
from domain.calendar_sync.connections import person
from domain.calendar_sync.writers import event_id_of
from tests.calendar_sync.conftest import Connected, connect
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_google_reads import PRIMARY, sync
from tests.factories import create_task
from tests.graphql import GraphQL
from tests.resolvers.scheduling.world import iso, plan, work_always
from workers.calendar_sync.block_pushes import push_google
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.sync_runs import client_for, load


async def planned(ctx: SyncContext, google: FakeGoogle, graphql: GraphQL, *, tasks: int = 1) -> Connected:
    """A connected person with `tasks` tasks of an hour planned from now on (blocks in Rhythm, none in Google)."""
    who = await connect(ctx, google, graphql)
    await work_always(graphql, who.person)
    for n in range(tasks):
        await create_task(graphql, who.person, company_id=who.company_id, title=f"Write report {n}",
                          estimatedMinutes=60, assigneeId=who.person.user_id)  # fmt: skip
    await plan(graphql, who.person, apply=True)
    return who


async def blocks_of(ctx: SyncContext, who: Connected) -> dict[uuid.UUID, TimeBlock]:
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        rows = await session.execute(sa.select(TimeBlock).where(col(TimeBlock.user_id) == who.user_id))
        return {row.id: row for row in rows.scalars()}


async def links_of(ctx: SyncContext, who: Connected) -> list[CalendarBlockLink]:
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        return list((await session.execute(sa.select(CalendarBlockLink))).scalars())


def rhythm_events(google: FakeGoogle) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        key: event for key, event in google.live_events(PRIMARY).items()
        if "rhythmBlockId" in ((event.get("extendedProperties") or {}).get("private") or {})
    }  # fmt: skip


def inserts(google: FakeGoogle) -> int:
    return sum(1 for method, path in google.requests if method == "POST" and path.endswith(f"{PRIMARY}/events"))


async def test_planned_blocks_appear_once_in_the_receiving_calendar_marked_as_rhythms(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql, tasks=2)
    blocks = await blocks_of(ctx, who)

    await sync(ctx, who)
    await sync(ctx, who)

    events = rhythm_events(google)
    assert sorted(events) == sorted(event_id_of(block_id) for block_id in blocks)
    assert inserts(google) == len(blocks) == 2
    for block_id, block in blocks.items():
        event = events[event_id_of(block_id)]
        assert event["extendedProperties"]["private"] == {
            "rhythmBlockId": str(block_id), "rhythmCompanyId": str(block.company_id),
        }  # fmt: skip
        assert datetime.fromisoformat(event["start"]["dateTime"]) == block.starts_at
        assert event["summary"].startswith("Write report")
    assert {link.etag for link in await links_of(ctx, who)} == {event["etag"] for event in events.values()}


async def test_rhythms_own_blocks_are_not_mirrored_as_busy_events(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)

    await sync(ctx, who)
    await sync(ctx, who)

    from tests.calendar_sync.test_google_reads import mirrored

    assert await mirrored(ctx, who) == {}


async def test_a_block_the_person_moves_in_google_is_pinned_at_its_new_time(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    await sync(ctx, who)
    [(block_id, block)] = (await blocks_of(ctx, who)).items()
    new_start = block.starts_at + timedelta(hours=3)
    google.user_patch(PRIMARY, event_id_of(block_id), {
        "start": {"dateTime": iso(new_start)}, "end": {"dateTime": iso(new_start + timedelta(minutes=90))},
    })  # fmt: skip
    writes_before = len(google.requests)

    await sync(ctx, who)

    moved = (await blocks_of(ctx, who))[block_id]
    assert (moved.starts_at, moved.ends_at, moved.pinned) == (new_start, new_start + timedelta(minutes=90), True)
    written = [call for call in google.requests[writes_before:] if call[0] in ("POST", "PATCH", "PUT", "DELETE")]
    assert written == [], "the person's edit is not written back"
    async with tenant_session(ctx.sessions, worker_for(who.connection.company_id)) as session:
        causes = (await session.execute(
            sa.select(OutboxEvent.payload).where(col(OutboxEvent.type) == "schedule.updated")
        )).scalars().all()  # fmt: skip
    assert any(payload["schedule"]["cause"] == "calendar" for payload in causes)


async def test_a_block_the_person_deletes_in_google_goes_and_its_task_is_planned_again(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    await sync(ctx, who)
    [block_id] = await blocks_of(ctx, who)
    google.user_delete(PRIMARY, event_id_of(block_id))

    await sync(ctx, who)

    assert block_id not in await blocks_of(ctx, who)
    assert await links_of(ctx, who) == []
    replanned = await plan(graphql, who.person, apply=True)
    assert len(replanned["blocks"]) == 1
    assert replanned["blocks"][0]["timeBlock"]["id"] != str(block_id)


async def test_a_retried_insert_finds_its_event_and_makes_no_duplicate(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    [(block_id, block)] = (await blocks_of(ctx, who)).items()
    # The first attempt's insert reached Google, then the job died before it noted the link.
    google.user_put(PRIMARY, {
        "id": event_id_of(block_id), "summary": "Write report 0",
        "start": {"dateTime": iso(block.starts_at)}, "end": {"dateTime": iso(block.ends_at)},
        "extendedProperties": {"private": {"rhythmBlockId": str(block_id), "rhythmCompanyId": str(block.company_id)}},
    })  # fmt: skip

    await sync(ctx, who)
    await sync(ctx, who)

    assert list(rhythm_events(google)) == [event_id_of(block_id)]
    [link] = await links_of(ctx, who)
    assert link.etag == google.live_events(PRIMARY)[event_id_of(block_id)]["etag"]
    assert not (await blocks_of(ctx, who))[block_id].pinned


async def test_a_stale_etag_is_refused_then_read_again_before_rhythm_decides(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    await sync(ctx, who)
    [block_id] = await blocks_of(ctx, who)
    # The person renamed the event after Rhythm's last read; then the plan dropped the block.
    google.user_patch(PRIMARY, event_id_of(block_id), {"summary": "renamed"})
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        await session.execute(sa.delete(TimeBlock).where(col(TimeBlock.id) == block_id))
    connection = await load(ctx, who.connection.id, who.user_id)
    assert connection is not None
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        receiver = (
            await session.execute(sa.select(ExternalCalendar).where(col(ExternalCalendar.receives_blocks)))
        ).scalar_one()
    before = len(google.requests)

    await push_google(ctx, client_for(ctx, connection), receiver)

    calls = [method for method, _ in google.requests[before:]]
    assert calls == ["DELETE", "GET", "DELETE"]  # 412 on the stale ETag, a read, the delete with the fresh one
    assert rhythm_events(google) == {}
    assert await links_of(ctx, who) == []


async def test_a_google_meeting_is_busy_time_the_plan_goes_around_in_every_company(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    await work_always(graphql, who.person)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    end = start + timedelta(hours=20)
    google.user_put(PRIMARY, {"id": "allhands1", "summary": "All hands", "start": {"dateTime": iso(start)},
                              "end": {"dateTime": iso(end)}})  # fmt: skip
    # The task lives in the person's personal company, not in the company the account was connected in.
    await create_task(graphql, who.person, company_id=who.person.personal_company_id, title="Taxes",
                      estimatedMinutes=60)  # fmt: skip
    await sync(ctx, who)

    preview = await plan(graphql, who.person, apply=False)

    [block] = preview["blocks"]
    assert datetime.fromisoformat(block["startsAt"]) >= end


async def test_a_block_the_plan_dropped_while_the_person_moved_it_comes_back_pinned_there(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    await sync(ctx, who)
    [(block_id, block)] = (await blocks_of(ctx, who)).items()
    new_start = block.starts_at + timedelta(hours=5)
    google.user_patch(PRIMARY, event_id_of(block_id), {
        "start": {"dateTime": iso(new_start)}, "end": {"dateTime": iso(new_start + timedelta(hours=1))},
    })  # fmt: skip
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        await session.execute(sa.delete(TimeBlock).where(col(TimeBlock.id) == block_id))
    connection = await load(ctx, who.connection.id, who.user_id)
    assert connection is not None
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        receiver = (
            await session.execute(sa.select(ExternalCalendar).where(col(ExternalCalendar.receives_blocks)))
        ).scalar_one()

    # The write goes first here (as when the plan's push wins the race): 412, a read, and the person's edit wins.
    await push_google(ctx, client_for(ctx, connection), receiver)

    back = (await blocks_of(ctx, who))[block_id]
    assert (back.starts_at, back.pinned, back.task_id) == (new_start, True, block.task_id)
    assert list(rhythm_events(google)) == [event_id_of(block_id)]


async def test_a_block_deleted_in_google_is_dropped_even_when_a_full_read_is_what_finds_out(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(ctx, google, graphql)
    await sync(ctx, who)
    [block_id] = await blocks_of(ctx, who)
    google.user_delete(PRIMARY, event_id_of(block_id))
    # The token dies before the deletion is read: a full list leaves deleted events out altogether.
    google.invalidate_sync_tokens(PRIMARY)

    await sync(ctx, who)

    assert block_id not in await blocks_of(ctx, who)
    assert await links_of(ctx, who) == []
