"""Real `rhythm worker` processes on a real Redis syncing against the fake Google.

Convergence: seeded random interleavings of plan changes in Rhythm, the person's moves and deletes of Rhythm's
blocks in Google, their own events and recurring-series edits, injected 429/403/503 and 410, and `kill -9` of the
worker mid-sync. Once things settle: Rhythm's mirror equals the Google calendar, every edit of the person's
survived, no event is duplicated, and each planned block is in Google exactly once. CI runs the seeds below; more
on demand: RHYTHM_CONVERGENCE_SEEDS=1-200 RHYTHM_CONVERGENCE_STEPS=60.

Giving up: a sync that keeps failing ends in its company's dead letters with the reason.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import dramatiq
import httpx
import pytest
import sqlalchemy as sa
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.engine import create_engine, create_sessionmaker
from db.models import CalendarEvent, DeadLetter, TimeBlock
from db.models.calendar_sync import CalendarConnection, CalendarProvider, ExternalCalendar
from db.tenant import Caller, tenant_session
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import person, store_connection
from domain.calendar_sync.secrets import TokenCipher
from domain.calendar_sync.writers import event_id_of
from domain.schedules import plans
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges
from tests.calendar_sync.conftest import consent, google_app
from tests.calendar_sync.fake_google import FakeGoogle
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.waiting import until
from tests.webhooks.conftest import drop_database, fresh_database
from tests.webhooks.processes import RedisServer, Worker
from tests.webhooks.world import make_tenant
from workers.calendar_sync.context import SyncContext

Sessions = async_sessionmaker[AsyncSession]
PRIMARY = "person@gmail.test"


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",") if part.strip()]


T = TypeVar("T")
SEEDS = _seeds(os.environ.get("RHYTHM_CONVERGENCE_SEEDS", "1,5,12"))
STEPS = int(os.environ.get("RHYTHM_CONVERGENCE_STEPS", "30"))


@pytest.fixture(scope="module")
def sync_database_url(server_url: str) -> Iterator[str]:
    url = asyncio.run(fresh_database(server_url, "calsync"))
    yield url
    asyncio.run(drop_database(server_url, url))


@pytest.fixture(scope="module")
async def db(sync_database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(sync_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@dataclass
class World:
    """What the test did, so it knows what must hold once things settle."""

    user_id: uuid.UUID
    company_id: uuid.UUID
    moved: dict[uuid.UUID, tuple[datetime, datetime]] = field(default_factory=dict)
    deleted: set[uuid.UUID] = field(default_factory=set)
    series: list[str] = field(default_factory=list)


def worker_settings(google: FakeGoogle) -> dict[str, str]:
    return {
        "RHYTHM_CALENDAR_TOKEN_KEYS": CALENDAR_TOKEN_KEY,
        "RHYTHM_GOOGLE_CLIENT_ID": "rhythm-test",
        "RHYTHM_GOOGLE_CLIENT_SECRET": "shh",
        "RHYTHM_GOOGLE_TOKEN_URL": f"{google.url}/token",
        "RHYTHM_GOOGLE_REVOCATION_URL": f"{google.url}/revoke",
        "RHYTHM_GOOGLE_API_BASE_URL": google.api_url,
        "RHYTHM_CALENDAR_PUSH_ENABLED": "false",
        "RHYTHM_CALENDAR_SYNC_PERIOD_SECONDS": "2",
        "RHYTHM_CALENDAR_SYNC_JOBS": "true",
    }


async def setup_person(db: Sessions, google: FakeGoogle) -> World:
    tenant = await make_tenant(db, name="Converging Person")
    async with tenant_session(db, Caller(user_id=tenant.user_id)) as session:
        await session.execute(
            sa.text("UPDATE users SET work_day_start = '00:00', work_day_end = '23:59', work_days = '{1,2,3,4,5,6,7}'")
        )
    async with httpx.AsyncClient(timeout=20) as http:
        ctx = SyncContext(
            sessions=db, cipher=TokenCipher([CALENDAR_TOKEN_KEY]), apps={CalendarProvider.GOOGLE: google_app(google)},
            http=http, google_api_url=google.api_url, graph_api_url="http://127.0.0.1:9/v1.0",
            public_base_url="http://127.0.0.1:9", push_enabled=False, period=timedelta(seconds=2),
            authorization_ttl_seconds=600, timeout=20,
        )  # fmt: skip
        code, state = await consent(ctx, google, user_id=tenant.user_id, company_id=tenant.company_id)
        pending = oauth.read_state(ctx.cipher, state, max_age_seconds=600)
        assert pending is not None
        tokens = await oauth.exchange_code(
            ctx.apps[CalendarProvider.GOOGLE], code=code, code_verifier=pending.code_verifier,
            redirect_uri=ctx.redirect_uri(), seconds=10,
        )  # fmt: skip
        async with tenant_session(db, person(tenant.user_id)) as session:
            await store_connection(
                session, ctx, user_id=tenant.user_id, company_id=tenant.company_id, provider=CalendarProvider.GOOGLE,
                account_email=PRIMARY, tokens=tokens,
            )  # fmt: skip
    return World(user_id=tenant.user_id, company_id=tenant.company_id)


# Steps -----------------------------------------------------------------------------------------------------------


async def replan(db: Sessions, world: World, rng: random.Random) -> None:
    async with tenant_session(db, Caller(user_id=world.user_id)) as session:
        if rng.random() < 0.7:
            await tasks.create_task(
                session, company_id=world.company_id, created_by=world.user_id,
                changes=TaskChanges(title=f"Task {rng.randrange(10**6)}", estimated_minutes=rng.choice([30, 60, 90]),
                                    assignee_id=world.user_id),
            )  # fmt: skip
        await plans.apply(session, world.user_id, datetime.now(UTC))


def rhythm_events(google: FakeGoogle) -> dict[str, dict[str, Any]]:
    return {
        key: event for key, event in google.live_events(PRIMARY).items()
        if "rhythmBlockId" in ((event.get("extendedProperties") or {}).get("private") or {})
    }  # fmt: skip


def block_of(event: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(event["extendedProperties"]["private"]["rhythmBlockId"])


def when(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))


def user_moves_a_block(google: FakeGoogle, world: World, rng: random.Random) -> None:
    events = rhythm_events(google)
    if not events:
        return
    event = events[rng.choice(sorted(events))]
    start = when(event["start"]).replace(second=0, microsecond=0) + timedelta(hours=rng.randint(1, 8))
    end = start + timedelta(minutes=rng.choice([30, 45, 60, 120]))
    changes = {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}
    if google.user_patch(PRIMARY, event["id"], changes) is not None:
        world.moved[block_of(event)] = (start, end)


def user_deletes_a_block(google: FakeGoogle, world: World, rng: random.Random) -> None:
    events = rhythm_events(google)
    if events:
        event = events[rng.choice(sorted(events))]
        if google.user_delete(PRIMARY, event["id"]):
            world.deleted.add(block_of(event))
            world.moved.pop(block_of(event), None)


def user_edits_own_events(google: FakeGoogle, world: World, rng: random.Random) -> None:
    own = {k: v for k, v in google.live_events(PRIMARY).items() if k not in rhythm_events(google)}
    singles = sorted(k for k, v in own.items() if not v.get("recurrence") and not v.get("recurringEventId"))
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=rng.randint(0, 10))
    choice = rng.random()
    if choice < 0.4 or not singles:
        start = day + timedelta(hours=rng.randint(0, 20))
        google.user_put(PRIMARY, {
            "id": f"own{rng.randrange(10**9)}", "summary": "Meeting",
            "start": {"dateTime": start.isoformat()}, "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        })  # fmt: skip
    elif choice < 0.6:
        event_id = rng.choice(singles)
        start = day + timedelta(hours=rng.randint(0, 20))
        end = start + timedelta(minutes=30)
        google.user_patch(
            PRIMARY, event_id, {"start": {"dateTime": start.isoformat()}, "end": {"dateTime": end.isoformat()}}
        )
    elif choice < 0.75:
        google.user_delete(PRIMARY, rng.choice(singles))
    else:
        user_edits_a_series(google, world, rng, day)


def user_edits_a_series(google: FakeGoogle, world: World, rng: random.Random, day: datetime) -> None:
    if not world.series or rng.random() < 0.3:
        series_id = f"series{rng.randrange(10**9)}"
        start = day.replace(hour=rng.randint(6, 18))
        google.user_put(PRIMARY, {
            "id": series_id, "summary": "Weekly", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=8"],
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": "UTC"},
        })  # fmt: skip
        world.series.append(series_id)
        return
    series_id = rng.choice(world.series)
    series = google.live_events(PRIMARY).get(series_id)
    if series is None:
        return
    week = rng.randint(1, 6)
    original = when(series["start"]) + timedelta(weeks=week)
    instance_id = f"{series_id}_{original.strftime('%Y%m%dT%H%M%SZ')}"
    base = {"id": instance_id, "recurringEventId": series_id, "originalStartTime": {"dateTime": original.isoformat()}}
    if rng.random() < 0.5:
        google.user_put(PRIMARY, {**base, "status": "cancelled"})
    else:
        moved = original + timedelta(hours=rng.randint(1, 3))
        google.user_put(PRIMARY, {**base, "summary": "Weekly (moved)", "start": {"dateTime": moved.isoformat()},
                                  "end": {"dateTime": (moved + timedelta(minutes=30)).isoformat()}})  # fmt: skip


def inject_failures(google: FakeGoogle, rng: random.Random) -> None:
    kind = rng.choice(["429", "403", "503", "410"])
    if kind == "410":
        google.invalidate_sync_tokens(PRIMARY)
    elif kind == "429":
        google.fail_next(rng.randint(1, 3), 429, retry_after="0.2")
    elif kind == "403":
        google.fail_next(rng.randint(1, 2), 403, reason="rateLimitExceeded")
    else:
        google.fail_next(rng.randint(1, 2), 503)


# What must hold --------------------------------------------------------------------------------------------------


async def problems(db: Sessions, google: FakeGoogle, world: World) -> list[str]:
    found: list[str] = []
    now = datetime.now(UTC)
    async with tenant_session(db, person(world.user_id)) as session:
        blocks = {
            block.id: block
            for block in (
                await session.execute(sa.select(TimeBlock).where(col(TimeBlock.user_id) == world.user_id))
            ).scalars()
        }
        mirror = list(
            (
                await session.execute(
                    sa.select(CalendarEvent)
                    .join(ExternalCalendar, col(ExternalCalendar.calendar_id) == col(CalendarEvent.calendar_id))
                    .where(col(ExternalCalendar.external_id) == PRIMARY)
                )
            ).scalars()
        )
    ours = rhythm_events(google)
    ids = [block_of(event) for event in ours.values()]
    if len(ids) != len(set(ids)):
        found.append("a block is in Google more than once")
    for block_id, block in blocks.items():
        if block.state != "planned" or block.ends_at <= now:
            continue
        event = ours.get(event_id_of(block_id))
        if event is None:
            found.append(f"block {block_id} is not in Google")
        elif (when(event["start"]), when(event["end"])) != (block.starts_at, block.ends_at):
            found.append(f"block {block_id} is elsewhere in Google")
    for event in ours.values():
        if block_of(event) not in blocks:
            found.append(f"event {event['id']} names no block of Rhythm's")
    for block_id, (start, end) in world.moved.items():
        block = blocks.get(block_id)
        if block is None or (block.starts_at, block.ends_at, block.pinned) != (start, end, True):
            found.append(f"the person's move of block {block_id} was lost")
    for block_id in world.deleted:
        if block_id in blocks or event_id_of(block_id) in ours:
            found.append(f"the person's delete of block {block_id} was undone")
    with google.lock:
        everything = {key: dict(event) for key, event in google.calendars[PRIMARY].events.items()}
    own = {
        key: event for key, event in everything.items()
        if key not in ours and "rhythmBlockId" not in str(event.get("extendedProperties"))
        and (event.get("status") != "cancelled" or event.get("recurringEventId"))
    }  # fmt: skip
    mirrored = {str(row.external_uid): row for row in mirror}
    if sorted(mirrored) != sorted(own):
        found.append(
            f"mirror differs: missing {sorted(set(own) - set(mirrored))}, extra {sorted(set(mirrored) - set(own))}"
        )
    for key, event in own.items():
        row = mirrored.get(key)
        if row is None or event.get("status") == "cancelled":
            continue
        if (row.starts_at, row.ends_at) != (when(event["start"]), when(event["end"])):
            found.append(f"mirrored event {key} has other times")
    return found


async def settled(db: Sessions, google: FakeGoogle, world: World, seconds: float = 240) -> list[str]:
    """Poll until everything agrees (each worker syncs every two seconds), or say what still does not."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        left = await problems(db, google, world)
        if not left or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(1)


@pytest.mark.parametrize("seed", SEEDS)
async def test_rhythm_and_google_converge_after_seeded_interleavings(
    seed: int, db: Sessions, sync_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    google = FakeGoogle().start()
    workers: list[Worker] = []
    try:
        world = await setup_person(db, google)
        extra = worker_settings(google)

        def start_worker() -> Worker:
            worker = Worker(sync_database_url, redis.url, tmp_path / f"worker{len(workers)}.log", threads=2,
                            extra=extra).start()  # fmt: skip
            workers.append(worker)
            return worker

        await asyncio.to_thread(start_worker().wait_ready)
        await replan(db, world, rng)
        for _ in range(STEPS):
            step = rng.choices(["replan", "move", "delete", "own", "fail", "kill"], weights=[3, 3, 1, 3, 2, 1])[0]
            if step == "replan":
                await replan(db, world, rng)
            elif step == "move":
                user_moves_a_block(google, world, rng)
            elif step == "delete":
                user_deletes_a_block(google, world, rng)
            elif step == "own":
                user_edits_own_events(google, world, rng)
            elif step == "fail":
                inject_failures(google, rng)
            else:
                workers[-1].kill()
                start_worker()
            await asyncio.sleep(rng.uniform(0, 0.6))
        await asyncio.to_thread(workers[-1].wait_ready)

        left = await settled(db, google, world)

        assert left == [], f"seed {seed}: {left}\n{workers[-1].output()[-3000:]}"
    finally:
        for worker in workers:
            worker.stop()
        google.stop()


async def test_a_sync_that_keeps_failing_ends_in_the_dead_letter_queue_with_its_reason(
    db: Sessions, sync_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    google = FakeGoogle().start()
    worker: Worker | None = None
    try:
        world = await setup_person(db, google)
        async with tenant_session(db, person(world.user_id)) as session:
            connection_id = (await session.execute(sa.select(col(CalendarConnection.id)))).scalar_one()
        # Every calendar call is refused: not a throttle, so nothing waits for Retry-After.
        google.fail_next(10_000, 400, reason="badRequest")
        # One worker thread: the connection's own syncs (the reaction to its creation, the due scan every two
        # seconds, their chain and their retries) then run one at a time with this test's message, never beside
        # it. Beside it, one of them could hold the connection's lock when this message runs: the message would
        # find the connection busy, end without failing and hand over to a fresh message (with the actor's own
        # retries), and this message would never reach the dead letters.
        worker = Worker(sync_database_url, redis.url, tmp_path / "worker.log", threads=1, extra=worker_settings(google))
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
