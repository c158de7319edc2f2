"""Reading a Google account into Rhythm's calendar model: full and incremental syncs, paging, 410, series and
their changed occurrences, all-day, zones, declined and free events, throttling, token refresh and revocation."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlmodel import col

from db.models import Calendar, CalendarEvent, Notification
from db.models.calendar_sync import CalendarConnection, CalendarSyncCursor, ExternalCalendar
from db.tenant import tenant_session
from domain.calendar_sync.connections import person
from domain.calendar_sync.errors import Throttled
from domain.calendar_sync.secrets import TokenCipher
from tests.calendar_sync.conftest import Connected, connect
from tests.calendar_sync.fake_google import FakeGoogle
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.graphql import GraphQL
from workers.calendar_sync.context import SyncContext
from workers.calendar_sync.sync_runs import Outcome, sync_connection

PRIMARY = "person@gmail.test"


def timed(event_id: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"id": event_id, "summary": f"Meeting {event_id}", "start": {"dateTime": start, "timeZone": "UTC"},
            "end": {"dateTime": end, "timeZone": "UTC"}, **extra}  # fmt: skip


async def mirrored(ctx: SyncContext, who: Connected) -> dict[str, CalendarEvent]:
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        rows = await session.execute(
            sa.select(CalendarEvent)
            .join(ExternalCalendar, col(ExternalCalendar.calendar_id) == col(CalendarEvent.calendar_id))
            .where(col(ExternalCalendar.connection_id) == who.connection.id)
        )
        return {str(row.external_uid): row for row in rows.scalars()}


async def connection_of(ctx: SyncContext, who: Connected) -> CalendarConnection:
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        row = await session.get(CalendarConnection, who.connection.id, populate_existing=True)
        assert row is not None
        return row


async def sync(ctx: SyncContext, who: Connected) -> Outcome:
    return await sync_connection(ctx, who.connection.id, who.user_id)


async def test_connecting_stores_the_tokens_encrypted_and_readable_with_the_key(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    row = await connection_of(ctx, who)

    access = ctx.cipher.decrypt(row.access_token)
    assert access in google.access_tokens
    assert access.encode() not in bytes(row.access_token)
    assert row.refresh_token is not None
    assert ctx.cipher.decrypt(row.refresh_token) in google.refresh_tokens
    assert (row.state, row.account_email) == ("active", PRIMARY)


async def test_a_first_sync_reads_every_page_and_keeps_the_sync_token_of_the_last(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    for n in range(600):
        google.user_put(
            PRIMARY, timed(f"ev{n:04d}", f"2026-12-{1 + n % 28:02d}T09:00:00Z", f"2026-12-{1 + n % 28:02d}T10:00:00Z")
        )
    who = await connect(ctx, google, graphql)

    assert await sync(ctx, who) is Outcome.SYNCED

    lists = [path for method, path in google.requests if path.endswith("/events") and method == "GET"]
    assert len(lists) == 3  # 250 + 250 + 100
    assert len(await mirrored(ctx, who)) == 600
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        cursors = list((await session.execute(sa.select(CalendarSyncCursor))).scalars())
    assert len(cursors) == 1
    assert cursors[0].cursor
    assert (await connection_of(ctx, who)).last_synced_at is not None


async def test_series_exceptions_moved_and_cancelled_occurrences_map_onto_series_and_overrides(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.user_put(PRIMARY, {
        "id": "weekly1", "summary": "Standup",
        "start": {"dateTime": "2026-12-07T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-12-07T10:15:00+01:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20261214T100000"],
    })  # fmt: skip
    google.user_put(PRIMARY, {
        "id": "weekly1_20261221T090000Z", "recurringEventId": "weekly1", "summary": "Standup (moved)",
        "originalStartTime": {"dateTime": "2026-12-21T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "start": {"dateTime": "2026-12-21T11:00:00+01:00"}, "end": {"dateTime": "2026-12-21T11:15:00+01:00"},
    })  # fmt: skip
    google.user_put(PRIMARY, {
        "id": "weekly1_20261228T090000Z", "recurringEventId": "weekly1", "status": "cancelled",
        "originalStartTime": {"dateTime": "2026-12-28T10:00:00+01:00", "timeZone": "Europe/Berlin"},
    })  # fmt: skip
    google.user_put(PRIMARY, {"id": "holiday1", "summary": "Holiday", "start": {"date": "2026-12-24"},
                              "end": {"date": "2026-12-27"}})  # fmt: skip
    who = await connect(ctx, google, graphql)

    await sync(ctx, who)
    events = await mirrored(ctx, who)

    series, moved, cancelled = events["weekly1"], events["weekly1_20261221T090000Z"], events["weekly1_20261228T090000Z"]
    assert (series.rrule, series.time_zone) == ("FREQ=WEEKLY;BYDAY=MO", "Europe/Berlin")
    assert series.exception_starts == [datetime(2026, 12, 14, 9, 0, tzinfo=UTC)]
    assert (moved.recurring_event_id, moved.original_start) == (series.id, datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    assert moved.starts_at == datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
    assert not moved.cancelled
    assert (cancelled.recurring_event_id, cancelled.cancelled) == (series.id, True)
    holiday = events["holiday1"]
    assert (holiday.all_day, holiday.start_date, holiday.end_date) == (True, date(2026, 12, 24), date(2026, 12, 27))


async def test_declined_and_free_events_are_mirrored_but_do_not_make_the_person_busy(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    declined = [{"email": PRIMARY, "self": True, "responseStatus": "declined"}]
    tentative = [{"email": PRIMARY, "self": True, "responseStatus": "tentative"}]
    google.user_put(PRIMARY, timed("declined1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z", attendees=declined))
    google.user_put(PRIMARY, timed("free1", "2026-12-08T11:00:00Z", "2026-12-08T12:00:00Z", transparency="transparent"))
    google.user_put(PRIMARY, timed("tentative1", "2026-12-08T13:00:00Z", "2026-12-08T14:00:00Z", attendees=tentative))
    who = await connect(ctx, google, graphql)

    await sync(ctx, who)
    events = await mirrored(ctx, who)

    assert (events["declined1"].response, events["declined1"].transparency) == ("declined", "busy")
    assert events["free1"].transparency == "free"
    assert events["tentative1"].response == "tentative"


async def test_an_incremental_sync_brings_changes_and_deletions_with_the_sync_token(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.user_put(PRIMARY, timed("keep1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"))
    google.user_put(PRIMARY, timed("move1", "2026-12-08T11:00:00Z", "2026-12-08T12:00:00Z"))
    google.user_put(PRIMARY, timed("gone1", "2026-12-08T13:00:00Z", "2026-12-08T14:00:00Z"))
    who = await connect(ctx, google, graphql)
    await sync(ctx, who)
    first = await mirrored(ctx, who)

    google.user_patch(PRIMARY, "move1", {"start": {"dateTime": "2026-12-09T11:00:00Z"},
                                         "end": {"dateTime": "2026-12-09T12:30:00Z"}})  # fmt: skip
    google.user_delete(PRIMARY, "gone1")
    google.requests.clear()
    await sync(ctx, who)
    second = await mirrored(ctx, who)

    assert sorted(second) == ["keep1", "move1"]
    assert second["move1"].id == first["move1"].id
    assert second["move1"].ends_at == datetime(2026, 12, 9, 12, 30, tzinfo=UTC)
    assert any("syncToken" in str(call) for call in google.list_queries)


async def test_a_void_sync_token_reads_the_calendar_again_and_keeps_the_rows(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.user_put(PRIMARY, timed("stay1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"))
    google.user_put(PRIMARY, timed("lost1", "2026-12-08T11:00:00Z", "2026-12-08T12:00:00Z"))
    who = await connect(ctx, google, graphql)
    await sync(ctx, who)
    before = await mirrored(ctx, who)
    # A deletion the token would have reported, then the token dies: only the full list tells.
    google.user_delete(PRIMARY, "lost1")
    google.invalidate_sync_tokens(PRIMARY)

    assert await sync(ctx, who) is Outcome.SYNCED
    after = await mirrored(ctx, who)

    assert sorted(after) == ["stay1"]
    assert after["stay1"].id == before["stay1"].id


async def test_throttled_calls_wait_for_retry_after_then_succeed(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.user_put(PRIMARY, timed("one1", "2026-12-08T09:00:00Z", "2026-12-08T10:00:00Z"))
    who = await connect(ctx, google, graphql)
    google.fail_next(1, 429, retry_after="0.2")
    google.fail_next(1, 403, reason="userRateLimitExceeded", retry_after="0.1")
    google.fail_next(1, 503)

    assert await sync(ctx, who) is Outcome.SYNCED

    assert sorted(await mirrored(ctx, who)) == ["one1"]
    assert google.failures == []


async def test_a_sync_that_stays_throttled_fails_and_counts_the_failure(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    google.fail_next(4, 429, retry_after="0")

    with pytest.raises(Throttled):
        await sync(ctx, who)

    row = await connection_of(ctx, who)
    assert (row.failures, row.state) == (1, "active")
    assert row.next_sync_at is not None


async def test_an_expired_access_token_is_refreshed_and_the_new_one_stored(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    old = ctx.cipher.decrypt((await connection_of(ctx, who)).access_token)
    google.expire_access_tokens()

    assert await sync(ctx, who) is Outcome.SYNCED

    new = ctx.cipher.decrypt((await connection_of(ctx, who)).access_token)
    assert new != old
    assert new in google.access_tokens


async def test_invalid_grant_needs_the_person_to_reconnect_and_tells_them(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    google.expire_access_tokens()
    google.invalid_grant = True

    assert await sync(ctx, who) is Outcome.NEEDS_REAUTHORIZATION
    assert await sync(ctx, who) is Outcome.SKIPPED

    row = await connection_of(ctx, who)
    assert row.state == "needs_reauthorization"
    assert "invalid_grant" in (row.state_reason or "")
    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        notes = (await session.execute(sa.select(Notification).where(col(Notification.subject_id) == row.id))).scalars()
        assert [note.type for note in notes] == ["calendar_needs_reauthorization"]


async def test_every_calendar_of_the_account_gets_a_mirror_and_the_primary_receives_blocks(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    google.add_calendar("team@group.calendar.google.com", "Team")
    who = await connect(ctx, google, graphql)

    await sync(ctx, who)

    async with tenant_session(ctx.sessions, person(who.user_id)) as session:
        rows = (await session.execute(
            sa.select(ExternalCalendar, Calendar).join(Calendar, col(Calendar.id) == col(ExternalCalendar.calendar_id))
        )).all()  # fmt: skip
    by_id = {external.external_id: (external, calendar) for external, calendar in rows}
    assert sorted(by_id) == sorted([PRIMARY, "team@group.calendar.google.com"])
    assert by_id[PRIMARY][0].receives_blocks
    assert not by_id["team@group.calendar.google.com"][0].receives_blocks
    assert {calendar.source for _, calendar in by_id.values()} == {"external"}
    assert uuid.UUID(str(by_id[PRIMARY][1].company_id)) == who.connection.company_id


async def test_a_new_key_in_front_reencrypts_the_tokens_at_their_next_refresh(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    new_key = Fernet.generate_key().decode()
    rotated = dataclasses.replace(ctx, cipher=TokenCipher([new_key, CALENDAR_TOKEN_KEY]))
    google.expire_access_tokens()

    assert await sync_connection(rotated, who.connection.id, who.user_id) is Outcome.SYNCED

    row = await connection_of(ctx, who)
    only_new = TokenCipher([new_key])
    assert only_new.decrypt(row.access_token) in google.access_tokens
    assert row.refresh_token is not None
    assert only_new.decrypt(row.refresh_token) in google.refresh_tokens


async def test_tokens_under_a_key_no_longer_configured_need_a_new_consent(
    ctx: SyncContext, google: FakeGoogle, graphql: GraphQL
) -> None:
    who = await connect(ctx, google, graphql)
    keyless = dataclasses.replace(ctx, cipher=TokenCipher([Fernet.generate_key().decode()]))

    assert await sync_connection(keyless, who.connection.id, who.user_id) is Outcome.NEEDS_REAUTHORIZATION

    row = await connection_of(ctx, who)
    assert row.state == "needs_reauthorization"
    assert "none of the configured keys" in (row.state_reason or "")
