"""Google watch channels and disconnecting: a synced calendar is watched, the channel really calls back with a
header-only notification whose channel id and token name the connection (and nothing with a wrong token), a
channel near its end is replaced before the old one is stopped, and a disconnect stops channels, takes Rhythm's
blocks off Google, revokes the token and leaves no mirror behind."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from db.models import Calendar, CalendarEvent
from db.models.calendar_sync import CalendarConnection, CalendarPushChannel
from db.tenant import ANONYMOUS, tenant_session
from domain.calendar_sync.connections import person
from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.receiver import Receiver
from tests.calendar_sync.test_google_reads import PRIMARY, timed
from tests.calendar_sync.test_google_writes import planned, rhythm_events
from tests.graphql import GraphQL
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.disconnect import disconnect
from workers.calendar_sync.sync_runs import Outcome, sync_connection


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def pushing(ctx: SyncContext, receiver: Receiver) -> SyncContext:
    return dataclasses.replace(ctx, push_enabled=True, public_base_url=receiver.url)


async def channels_of(ctx: SyncContext, user_id: object) -> list[CalendarPushChannel]:
    async with tenant_session(ctx.sessions, person(user_id)) as session:  # type: ignore[arg-type]
        return list((await session.execute(sa.select(CalendarPushChannel))).scalars())


async def test_a_synced_calendar_is_watched_and_a_change_calls_rhythm_back(
    pushing: SyncContext, google: FakeGoogle, receiver: Receiver, graphql: GraphQL
) -> None:
    who = await planned(pushing, google, graphql, tasks=0)
    assert await sync_connection(pushing, who.connection.id, who.user_id) is Outcome.SYNCED
    [channel] = await channels_of(pushing, who.user_id)

    google.user_put(PRIMARY, timed("new1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"))
    notes = await asyncio.to_thread(receiver.wait_for, 2)

    # Each notification is posted on its own: they may arrive in either order.
    assert sorted(note.headers["x-goog-resource-state"] for note in notes) == ["exists", "sync"]
    assert all(note.body == b"" for note in notes)
    headers = next(note.headers for note in notes if note.headers["x-goog-resource-state"] == "exists")
    async with tenant_session(pushing.sessions, ANONYMOUS) as session:
        targets = (await session.execute(
            sa.text("SELECT connection_id FROM rhythm.calendar_channel_target(:c, :t)"),
            {"c": headers["x-goog-channel-id"], "t": headers["x-goog-channel-token"]},
        )).all()  # fmt: skip
        forged = (await session.execute(
            sa.text("SELECT connection_id FROM rhythm.calendar_channel_target(:c, 'forged')"),
            {"c": headers["x-goog-channel-id"]},
        )).all()  # fmt: skip
    assert headers["x-goog-channel-id"] == str(channel.id)
    assert [row[0] for row in targets] == [who.connection.id]
    assert forged == []


async def test_a_channel_near_its_end_is_replaced_then_stopped(
    pushing: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await planned(pushing, google, graphql, tasks=0)
    await sync_connection(pushing, who.connection.id, who.user_id)
    [old] = await channels_of(pushing, who.user_id)
    async with tenant_session(pushing.sessions, person(who.user_id)) as session:
        row = await session.get(CalendarPushChannel, old.id)
        assert row is not None
        row.expires_at = datetime.now(UTC) + timedelta(hours=1)

    await sync_connection(pushing, who.connection.id, who.user_id)

    [new] = await channels_of(pushing, who.user_id)
    assert new.id != old.id
    assert list(google.channels) == [str(new.id)]


async def test_disconnecting_stops_channels_removes_blocks_revokes_and_leaves_no_mirror(
    pushing: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.user_put(PRIMARY, timed("mine1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"))
    who = await planned(pushing, google, graphql, tasks=2)
    await sync_connection(pushing, who.connection.id, who.user_id)
    assert len(rhythm_events(google)) == 2
    assert google.channels

    assert await disconnect(pushing, who.connection.id, who.user_id) is True

    assert rhythm_events(google) == {}
    assert list(google.live_events(PRIMARY)) == ["mine1"], "the person's own events stay in Google"
    assert google.channels == {}
    assert google.revoked
    external_events = sa.select(sa.func.count()).where(col(CalendarEvent.external_uid).is_not(None))
    mirrors = sa.select(sa.func.count()).where(col(Calendar.source) == "external")
    async with tenant_session(pushing.sessions, person(who.user_id)) as session:
        left = {
            "connections": (await session.execute(sa.select(sa.func.count()).select_from(CalendarConnection))).scalar(),
            "mirrors": (await session.execute(mirrors.select_from(Calendar))).scalar(),
            "events": (await session.execute(external_events.select_from(CalendarEvent))).scalar(),
        }
    assert left == {"connections": 0, "mirrors": 0, "events": 0}
