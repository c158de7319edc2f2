"""A Microsoft account through Graph: rotating refresh tokens stored on every refresh; calendarView delta into
Rhythm's calendar model (nextLink pages until the deltaLink, kept verbatim; `@removed`; a 410 fresh round; free,
declined and all-day events); Rhythm's blocks written once (transactionId), pinned when moved in Outlook, dropped
when deleted there."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.models import CalendarEvent, TimeBlock
from db.models.calendar_sync import (
    CalendarBlockLink,
    CalendarConnection,
    CalendarProvider,
    CalendarSyncCursor,
    ExternalCalendar,
)
from db.tenant import ANONYMOUS, tenant_session
from domain.calendar_sync.connections import person
from domain.calendar_sync.graph_events import BLOCK_PROPERTY_ID
from domain.schedules import plans
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges
from tests.calendar_sync.conftest import link_account, sync_context
from tests.calendar_sync.fake_graph import FakeGraph
from tests.calendar_sync.receiver import Receiver
from tests.factories import create_company, sign_up
from tests.graphql import GraphQL
from tests.isolation.world import uuid_of
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.sync_runs import Outcome, sync_connection


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
async def ctx(graph: FakeGraph, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[SyncContext]:
    async with httpx.AsyncClient(timeout=20) as http:
        yield sync_context(sessions, http, graph=graph)


async def connect(ctx: SyncContext, graph: FakeGraph, graphql: GraphQL) -> tuple[CalendarConnection, object]:
    someone = await sign_up(graphql, name="Outlook Person")
    company = uuid_of(await create_company(graphql, someone, name="Outlook Co"))
    user_id = uuid_of(someone.user_id)
    connection = await link_account(
        ctx, graph, provider=CalendarProvider.MICROSOFT, user_id=user_id, company_id=company,
        account_email=graph.account,
    )  # fmt: skip
    return connection, user_id


def meeting(event_id: str, start: datetime, minutes: int = 60, **extra: object) -> dict[str, object]:
    end = start + timedelta(minutes=minutes)
    # Graph's own form: seven fractional digits, no offset, the zone beside it.
    stamp = "%Y-%m-%dT%H:%M:%S.0000000"
    return {"id": event_id, "subject": f"Meeting {event_id}",
            "start": {"dateTime": start.strftime(stamp), "timeZone": "UTC"},
            "end": {"dateTime": end.strftime(stamp), "timeZone": "UTC"}, **extra}  # fmt: skip


def soon(hours: int) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


async def mirrored(ctx: SyncContext, connection: CalendarConnection) -> dict[str, CalendarEvent]:
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        rows = await session.execute(
            sa.select(CalendarEvent)
            .join(ExternalCalendar, col(ExternalCalendar.calendar_id) == col(CalendarEvent.calendar_id))
            .where(col(ExternalCalendar.connection_id) == connection.id)
        )
        return {str(row.external_uid): row for row in rows.scalars()}


async def stored(ctx: SyncContext, connection: CalendarConnection) -> CalendarConnection:
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        row = await session.get(CalendarConnection, connection.id, populate_existing=True)
        assert row is not None
        return row


async def test_a_rotated_refresh_token_is_stored_on_every_refresh(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    connection, user_id = await connect(ctx, graph, graphql)
    first = ctx.cipher.decrypt((await stored(ctx, connection)).refresh_token or b"")

    for _ in range(2):
        graph.expire_access_tokens()
        assert await sync_connection(ctx, connection.id, user_id) is Outcome.SYNCED  # type: ignore[arg-type]

    latest = ctx.cipher.decrypt((await stored(ctx, connection)).refresh_token or b"")
    assert first in graph.used_refresh_tokens
    assert first not in graph.refresh_tokens, "a used refresh token is spent"
    assert latest in graph.refresh_tokens
    assert len(graph.used_refresh_tokens) == 2


async def test_a_delta_round_follows_next_links_and_keeps_the_delta_link_verbatim(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    for n in range(250):
        graph.user_put(meeting(f"m{n:03d}", soon(1 + n)))
    graph.user_put(meeting("far", soon(24 * 120)))  # outside the window
    connection, user_id = await connect(ctx, graph, graphql)

    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]

    deltas = [path for _, path in graph.requests if path.endswith("/calendarView/delta")]
    assert len(deltas) == 3  # 100 + 100 + 50
    events = await mirrored(ctx, connection)
    assert len(events) == 250
    assert "far" not in events
    async with tenant_session(ctx.sessions, person(connection.user_id)) as session:
        [cursor] = (await session.execute(sa.select(CalendarSyncCursor))).scalars().all()
    assert cursor.cursor.startswith(f"{graph.api_url}/me/calendarView/delta?$deltatoken=")


async def test_the_next_round_brings_changes_and_removals(ctx: SyncContext, graph: FakeGraph, graphql: GraphQL) -> None:
    graph.user_put(meeting("keep", soon(2)))
    graph.user_put(meeting("move", soon(3)))
    graph.user_put(meeting("gone", soon(4)))
    connection, user_id = await connect(ctx, graph, graphql)
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    before = await mirrored(ctx, connection)

    graph.user_put(meeting("move", soon(30), minutes=90))
    graph.user_delete("gone")
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    after = await mirrored(ctx, connection)

    assert sorted(after) == ["keep", "move"]
    assert after["move"].id == before["move"].id
    assert after["move"].starts_at == soon(30)


async def test_a_lost_sync_state_starts_a_fresh_round_that_drops_what_went(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    graph.user_put(meeting("stay", soon(2)))
    graph.user_put(meeting("lost", soon(3)))
    connection, user_id = await connect(ctx, graph, graphql)
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    graph.user_delete("lost")
    graph.invalidate_delta_tokens()

    assert await sync_connection(ctx, connection.id, user_id) is Outcome.SYNCED  # type: ignore[arg-type]

    assert sorted(await mirrored(ctx, connection)) == ["stay"]


async def test_free_declined_and_all_day_events_map_onto_the_model(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    graph.user_put(meeting("free", soon(2), showAs="free"))
    graph.user_put(meeting("declined", soon(3), responseStatus={"response": "declined"}))
    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    graph.user_put(meeting("holiday", day, minutes=24 * 60, isAllDay=True))
    graph.fail_next(1, 429, retry_after="0.2")
    connection, user_id = await connect(ctx, graph, graphql)

    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    events = await mirrored(ctx, connection)

    assert events["free"].transparency == "free"
    assert events["declined"].response == "declined"
    holiday = events["holiday"]
    assert (holiday.all_day, holiday.start_date, holiday.end_date) == (True, day.date(), day.date() + timedelta(days=1))
    assert isinstance(holiday.start_date, date)


async def planned_blocks(
    ctx: SyncContext, graphql: GraphQL, graph: FakeGraph
) -> tuple[CalendarConnection, object, object]:
    """A connected Outlook person with one task planned (a block in Rhythm, none in Outlook yet)."""
    connection, user_id = await connect(ctx, graph, graphql)
    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        await session.execute(
            sa.text("UPDATE users SET work_day_start = '00:00', work_day_end = '23:59', work_days = '{1,2,3,4,5,6,7}'")
        )
        await tasks.create_task(
            session, company_id=connection.company_id, created_by=user_id,  # type: ignore[arg-type]
            changes=TaskChanges(title="Outlook report", estimated_minutes=60, assignee_id=user_id),  # type: ignore[arg-type]
        )  # fmt: skip
        await plans.apply(session, user_id, datetime.now(UTC))  # type: ignore[arg-type]
    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        [block] = (await session.execute(sa.select(TimeBlock))).scalars().all()
    return connection, user_id, block


async def test_planned_blocks_go_to_the_default_calendar_once_with_a_transaction_id(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    connection, user_id, block = await planned_blocks(ctx, graphql, graph)

    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]

    [event] = graph.rhythm_events().values()
    assert {p["id"]: p["value"] for p in event["singleValueExtendedProperties"]}[BLOCK_PROPERTY_ID] == str(block.id)
    assert event["transactionId"] == str(block.id)
    assert event["start"]["dateTime"].startswith(block.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    assert sum(1 for method, path in graph.requests if method == "POST" and path.endswith("/events")) == 1


async def test_a_retried_create_gets_the_same_event_back(ctx: SyncContext, graph: FakeGraph, graphql: GraphQL) -> None:
    connection, user_id, block = await planned_blocks(ctx, graphql, graph)
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    # The job died before it noted the link: the next run creates again, with the same transactionId.
    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        await session.execute(sa.delete(CalendarBlockLink))

    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]

    assert len(graph.rhythm_events()) == 1
    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        [link] = (await session.execute(sa.select(CalendarBlockLink))).scalars().all()
    assert link.provider_event_id in graph.rhythm_events()
    assert link.time_block_id == block.id
    # The second run's delta listed the event before its link was back (delta carries no extended properties);
    # once the link is, the event is Rhythm's block again, not the person's busy time.
    assert await mirrored(ctx, connection) == {}


async def test_an_outlook_move_pins_the_block_and_a_delete_drops_it(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL
) -> None:
    connection, user_id, block = await planned_blocks(ctx, graphql, graph)
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]
    [event] = graph.rhythm_events().values()
    moved = block.starts_at.astimezone(UTC) + timedelta(hours=3)
    stamp = "%Y-%m-%dT%H:%M:%S.0000000"
    graph.user_put({**event, "start": {"dateTime": moved.strftime(stamp), "timeZone": "UTC"},
                    "end": {"dateTime": (moved + timedelta(hours=1)).strftime(stamp), "timeZone": "UTC"}})  # fmt: skip

    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]

    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        pinned = await session.get(TimeBlock, block.id, populate_existing=True)
    assert pinned is not None
    assert (pinned.starts_at, pinned.pinned) == (moved, True)

    graph.user_delete(event["id"])
    await sync_connection(ctx, connection.id, user_id)  # type: ignore[arg-type]

    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        assert await session.get(TimeBlock, block.id, populate_existing=True) is None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


async def targets(ctx: SyncContext, subscription_id: str, client_state: str) -> list[object]:
    async with tenant_session(ctx.sessions, ANONYMOUS) as session:
        rows = await session.execute(
            sa.text("SELECT connection_id FROM rhythm.calendar_subscription_target(:s, :c)"),
            {"s": subscription_id, "c": client_state},
        )
        return [row[0] for row in rows.all()]


async def test_a_subscription_is_made_after_the_handshake_and_a_change_calls_back_with_the_client_state(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL, receiver: Receiver
) -> None:
    pushing = dataclasses.replace(ctx, push_enabled=True, public_base_url=receiver.url)
    connection, user_id = await connect(pushing, graph, graphql)
    await sync_connection(pushing, connection.id, user_id)  # type: ignore[arg-type]
    [subscription] = graph.subscriptions.values()

    graph.user_put(meeting("pushed", soon(5)))
    [note] = await asyncio.to_thread(receiver.wait_for, 1)

    item = note.json()["value"][0]
    assert subscription["resource"] == "me/events"
    assert subscription["lifecycleNotificationUrl"].endswith("/calendar-sync/lifecycle/microsoft")
    assert item["clientState"] == subscription["clientState"]
    assert await targets(pushing, item["subscriptionId"], item["clientState"]) == [connection.id]
    assert await targets(pushing, item["subscriptionId"], "forged") == []


async def test_a_removed_subscription_is_forgotten_and_made_again(
    ctx: SyncContext, graph: FakeGraph, graphql: GraphQL, receiver: Receiver
) -> None:
    from workers.calendar_sync.actors import graph_notified

    pushing = dataclasses.replace(ctx, push_enabled=True, public_base_url=receiver.url)
    connection, user_id = await connect(pushing, graph, graphql)
    await sync_connection(pushing, connection.id, user_id)  # type: ignore[arg-type]
    [old] = graph.subscriptions.values()

    graph.send_lifecycle("subscriptionRemoved")
    [note] = await asyncio.to_thread(receiver.wait_for, 1)
    item = note.json()["value"][0]
    # The job as a worker runs it (Dramatiq runs it on its event loop thread and waits).
    await asyncio.to_thread(graph_notified.fn, item["subscriptionId"], item["clientState"], item["lifecycleEvent"])
    await sync_connection(pushing, connection.id, user_id)  # type: ignore[arg-type]

    [new] = graph.subscriptions.values()
    assert item["lifecycleEvent"] == "subscriptionRemoved"
    assert new["id"] != old["id"]
    assert await targets(pushing, new["id"], new["clientState"]) == [connection.id]


async def test_the_graph_routes_echo_the_validation_token_and_answer_notifications_at_once(
    client: AsyncTestClient[Litestar],
) -> None:
    handshake = await client.post("/calendar-sync/push/microsoft?validationToken=abc%20123")
    lifecycle = await client.post("/calendar-sync/lifecycle/microsoft?validationToken=xyz")
    note = await client.post(
        "/calendar-sync/push/microsoft",
        json={"value": [{"subscriptionId": "nope", "clientState": "nope", "changeType": "updated"}]},
    )

    assert (handshake.status_code, handshake.text, handshake.headers["content-type"].split(";")[0]) == (
        200, "abc 123", "text/plain",
    )  # fmt: skip
    assert (lifecycle.status_code, lifecycle.text) == (200, "xyz")
    assert note.status_code == 202
