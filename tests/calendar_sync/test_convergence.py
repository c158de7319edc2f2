"""Real `rhythm worker` processes on a real Redis syncing against the fake Google.

Convergence: seeded random interleavings of plan changes in Rhythm, the person's moves and deletes of Rhythm's
blocks in Google, their own events and recurring-series edits, injected 429/403/503 and 410, and `kill -9` of the
worker mid-sync. Once things settle: Rhythm's mirror equals the Google calendar, every edit of the person's
survived, no event is duplicated, and each planned block is in Google exactly once. The driver and what
must hold are shared with Outlook (convergence.py); this file holds Google's side.

Giving up: a sync that keeps failing ends in its company's dead letters with the reason.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dramatiq
import pytest
import sqlalchemy as sa
from dramatiq.brokers.redis import RedisBroker
from httpx import AsyncClient
from sqlmodel import col

from db.models import DeadLetter
from db.models.calendar_sync import CalendarConnection, CalendarProvider
from db.tenant import Caller, tenant_session
from domain.calendar_sync.connections import person
from domain.calendar_sync.writers import event_id_of
from tests.calendar_sync.conftest import sync_context
from tests.calendar_sync.convergence import SEEDS, SYNC_PERIOD, Calendar, Sessions, World, converge, setup_person
from tests.calendar_sync.fake_google import FakeGoogle
from tests.waiting import until
from tests.webhooks.processes import RedisServer, Worker
from workers.calendar_sync.context import SyncContext

PRIMARY = "person@gmail.test"


def block_of(event: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(event["extendedProperties"]["private"]["rhythmBlockId"])


def when(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))


class Google(Calendar):
    name = "Google"
    provider = CalendarProvider.GOOGLE
    tenant_name = "Converging Person"
    account = PRIMARY
    calendar_id = PRIMARY

    def __init__(self, google: FakeGoogle) -> None:
        self.google = google

    @property
    def fake(self) -> FakeGoogle:
        return self.google

    def urls(self) -> dict[str, str]:
        return {
            "RHYTHM_GOOGLE_TOKEN_URL": f"{self.google.url}/token",
            "RHYTHM_GOOGLE_REVOCATION_URL": f"{self.google.url}/revoke",
            "RHYTHM_GOOGLE_API_BASE_URL": self.google.api_url,
        }

    def context(self, db: Sessions, http: AsyncClient) -> SyncContext:
        return sync_context(db, http, google=self.google, period=SYNC_PERIOD)

    def rhythm_events(self) -> dict[str, dict[str, Any]]:
        return {
            key: event for key, event in self.google.live_events(PRIMARY).items()
            if "rhythmBlockId" in ((event.get("extendedProperties") or {}).get("private") or {})
        }  # fmt: skip

    def user_moves_a_block(self, world: World, rng: random.Random) -> None:
        event = self.pick_rhythm_event(rng)
        if event is None:
            return
        start = when(event["start"]).replace(second=0, microsecond=0) + timedelta(hours=rng.randint(1, 8))
        end = start + timedelta(minutes=rng.choice([30, 45, 60, 120]))
        changes = {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}
        if self.google.user_patch(PRIMARY, event["id"], changes) is not None:
            world.moved[block_of(event)] = (start, end)

    def user_deletes_a_block(self, world: World, rng: random.Random) -> None:
        event = self.pick_rhythm_event(rng)
        if event is not None and self.google.user_delete(PRIMARY, event["id"]):
            world.deleted.add(block_of(event))
            world.moved.pop(block_of(event), None)

    def user_edits_own_events(self, world: World, rng: random.Random) -> None:
        own = {k: v for k, v in self.google.live_events(PRIMARY).items() if k not in self.rhythm_events()}
        singles = sorted(k for k, v in own.items() if not v.get("recurrence") and not v.get("recurringEventId"))
        day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=rng.randint(0, 10))
        choice = rng.random()
        if choice < 0.4 or not singles:
            start = day + timedelta(hours=rng.randint(0, 20))
            self.google.user_put(PRIMARY, {
                "id": f"own{rng.randrange(10**9)}", "summary": "Meeting",
                "start": {"dateTime": start.isoformat()}, "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            })  # fmt: skip
        elif choice < 0.6:
            event_id = rng.choice(singles)
            start = day + timedelta(hours=rng.randint(0, 20))
            end = start + timedelta(minutes=30)
            self.google.user_patch(
                PRIMARY, event_id, {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}
            )
        elif choice < 0.75:
            self.google.user_delete(PRIMARY, rng.choice(singles))
        else:
            self.user_edits_a_series(world, rng, day)

    def user_edits_a_series(self, world: World, rng: random.Random, day: datetime) -> None:
        if not world.series or rng.random() < 0.3:
            series_id = f"series{rng.randrange(10**9)}"
            start = day.replace(hour=rng.randint(6, 18))
            self.google.user_put(PRIMARY, {
                "id": series_id, "summary": "Weekly", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=8"],
                "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
                "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": "UTC"},
            })  # fmt: skip
            world.series.append(series_id)
            return
        series_id = rng.choice(world.series)
        series = self.google.live_events(PRIMARY).get(series_id)
        if series is None:
            return
        week = rng.randint(1, 6)
        original = when(series["start"]) + timedelta(weeks=week)
        instance_id = f"{series_id}_{original.strftime('%Y%m%dT%H%M%SZ')}"
        original_start = {"dateTime": original.isoformat()}
        base = {"id": instance_id, "recurringEventId": series_id, "originalStartTime": original_start}
        if rng.random() < 0.5:
            self.google.user_put(PRIMARY, {**base, "status": "cancelled"})
        else:
            moved = original + timedelta(hours=rng.randint(1, 3))
            self.google.user_put(PRIMARY, {
                **base, "summary": "Weekly (moved)", "start": {"dateTime": moved.isoformat()},
                "end": {"dateTime": (moved + timedelta(minutes=30)).isoformat()},
            })  # fmt: skip

    def inject_failures(self, rng: random.Random) -> None:
        kind = rng.choice(["429", "403", "503", "410"])
        if kind == "410":
            self.google.invalidate_sync_tokens(PRIMARY)
        elif kind == "429":
            self.google.fail_next(rng.randint(1, 3), 429, retry_after="0.2")
        elif kind == "403":
            self.google.fail_next(rng.randint(1, 2), 403, reason="rateLimitExceeded")
        else:
            self.google.fail_next(rng.randint(1, 2), 503)

    def block_ids(self) -> list[uuid.UUID]:
        return [block_of(event) for event in self.rhythm_events().values()]

    def event_of(self, block_id: uuid.UUID) -> dict[str, Any] | None:
        return self.rhythm_events().get(event_id_of(block_id))

    def own_events(self) -> dict[str, dict[str, Any]]:
        ours = self.rhythm_events()
        with self.google.lock:
            everything = {key: dict(event) for key, event in self.google.calendars[PRIMARY].events.items()}
        return {
            key: event for key, event in everything.items()
            if key not in ours and "rhythmBlockId" not in str(event.get("extendedProperties"))
            and (event.get("status") != "cancelled" or event.get("recurringEventId"))
        }  # fmt: skip

    def times(self, event: dict[str, Any]) -> tuple[datetime, datetime] | None:
        if event.get("status") == "cancelled":
            return None
        return when(event["start"]), when(event["end"])


@pytest.mark.parametrize("seed", SEEDS)
async def test_rhythm_and_google_converge_after_seeded_interleavings(
    seed: int, convergence_db: Sessions, convergence_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    google = FakeGoogle().start()
    try:
        await converge(Google(google), seed, convergence_db, convergence_database_url, redis, tmp_path)
    finally:
        google.stop()


async def test_a_sync_that_keeps_failing_ends_in_the_dead_letter_queue_with_its_reason(
    convergence_db: Sessions, convergence_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    db = convergence_db
    google = FakeGoogle().start()
    calendar = Google(google)
    worker: Worker | None = None
    try:
        world = await setup_person(db, calendar)
        async with tenant_session(db, person(world.user_id)) as session:
            connection_id = (await session.execute(sa.select(col(CalendarConnection.id)))).scalar_one()
        # Every calendar call is refused: not a throttle, so nothing waits for Retry-After.
        google.fail_next(10_000, 400, reason="badRequest")
        # One worker thread: the connection's own syncs (the reaction to its creation, the due scan every two
        # seconds, their chain and their retries) then run one at a time with this test's message, never beside
        # it. Beside it, one of them could hold the connection's lock when this message runs: the message would
        # find the connection busy, end without failing and hand over to a fresh message (with the actor's own
        # retries), and this message would never reach the dead letters.
        worker = Worker(convergence_database_url, redis.url, tmp_path / "worker.log", threads=1,
                        extra=calendar.worker_settings())  # fmt: skip
        await asyncio.to_thread(worker.start().wait_ready)
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name="calendar_sync", actor_name="calendar_sync.sync",
            args=(str(connection_id), str(world.user_id), str(world.company_id)), kwargs={},
            options={"max_retries": 1, "min_backoff": 10, "max_backoff": 20},
        )  # fmt: skip
        await asyncio.to_thread(RedisBroker(url=redis.url, namespace="rhythm").enqueue, message)

        async def recorded() -> DeadLetter | None:
            async with tenant_session(db, Caller(user_id=world.user_id)) as session:
                found = await session.execute(
                    sa.select(DeadLetter).where(col(DeadLetter.message_id) == message.message_id)
                )
                return found.scalar_one_or_none()

        dead = await until(recorded, what="this message in the dead letters", log=worker.output)
        assert (dead.actor, dead.company_id) == ("calendar_sync.sync", world.company_id)
        assert "badRequest" in dead.reason

        async def in_error() -> bool:
            async with tenant_session(db, person(world.user_id)) as session:
                row = (await session.execute(sa.select(CalendarConnection))).scalar_one()
                return (row.state, row.state_reason) == ("error", "badRequest")

        # Three failures in a row (this message's two, and the syncs the connection's own jobs keep trying).
        await until(in_error, what="the connection in error with the provider's reason", log=worker.output)
    finally:
        if worker is not None:
            worker.stop()
        google.stop()
