"""Real `rhythm worker` processes on a real Redis syncing against the fake Microsoft Graph.

The same convergence as with Google (test_convergence.py), through calendarView/delta: seeded random
interleavings of plan changes in Rhythm, the person's moves and deletes of Rhythm's blocks in Outlook, their own
events, edits of a recurring series' occurrences (moved ones become exceptions, deleted ones `@removed`, as Graph
v1.0 presents a series inside the window), injected 429/503 and a lost delta state (410 syncStateNotFound), and
`kill -9` of the worker mid-sync. Once things settle: Rhythm's mirror equals the Outlook calendar, every edit of
the person's survived, no event is duplicated, and each planned block is in Outlook exactly once. CI runs the
seeds below; more on demand: RHYTHM_CONVERGENCE_SEEDS=1-200 RHYTHM_CONVERGENCE_STEPS=60.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.engine import create_engine, create_sessionmaker
from db.models import CalendarEvent, TimeBlock
from db.models.calendar_sync import CalendarProvider, ExternalCalendar
from db.tenant import Caller, tenant_session
from domain.calendar_sync import oauth
from domain.calendar_sync.connections import person, store_connection
from domain.calendar_sync.graph_events import BLOCK_PROPERTY_ID
from domain.calendar_sync.secrets import TokenCipher
from tests.calendar_sync.conftest import microsoft_app
from tests.calendar_sync.fake_graph import FakeGraph, span
from tests.calendar_sync.test_convergence import SEEDS, STEPS, World, replan
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.webhooks.conftest import drop_database, fresh_database
from tests.webhooks.processes import RedisServer, Worker
from tests.webhooks.world import make_tenant
from workers.calendar_sync.context import SyncContext

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
def graph_database_url(server_url: str) -> Iterator[str]:
    url = asyncio.run(fresh_database(server_url, "calsyncgraph"))
    yield url
    asyncio.run(drop_database(server_url, url))


@pytest.fixture(scope="module")
async def db(graph_database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(graph_database_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def worker_settings(graph: FakeGraph) -> dict[str, str]:
    return {
        "RHYTHM_CALENDAR_TOKEN_KEYS": CALENDAR_TOKEN_KEY,
        "RHYTHM_MICROSOFT_CLIENT_ID": "rhythm-test",
        "RHYTHM_MICROSOFT_CLIENT_SECRET": "shh",
        "RHYTHM_MICROSOFT_AUTHORITY_URL": graph.authority_url,
        "RHYTHM_MICROSOFT_GRAPH_BASE_URL": graph.api_url,
        "RHYTHM_CALENDAR_PUSH_ENABLED": "false",
        "RHYTHM_CALENDAR_SYNC_PERIOD_SECONDS": "2",
        "RHYTHM_CALENDAR_SYNC_JOBS": "true",
    }


async def setup_person(db: Sessions, graph: FakeGraph) -> World:
    tenant = await make_tenant(db, name="Converging Outlook Person")
    async with tenant_session(db, Caller(user_id=tenant.user_id)) as session:
        await session.execute(
            sa.text("UPDATE users SET work_day_start = '00:00', work_day_end = '23:59', work_days = '{1,2,3,4,5,6,7}'")
        )
    app = microsoft_app(graph)
    async with httpx.AsyncClient(timeout=20) as http:
        ctx = SyncContext(
            sessions=db, cipher=TokenCipher([CALENDAR_TOKEN_KEY]), apps={CalendarProvider.MICROSOFT: app},
            http=http, google_api_url="http://127.0.0.1:9/calendar/v3", graph_api_url=graph.api_url,
            public_base_url="http://127.0.0.1:9", push_enabled=False, period=timedelta(seconds=2),
            authorization_ttl_seconds=600, timeout=20,
        )  # fmt: skip
        url = oauth.authorization_url(
            app, ctx.cipher, user_id=tenant.user_id, company_id=tenant.company_id, redirect_uri=ctx.redirect_uri()
        )
        back = dict(parse_qsl(urlsplit(graph.authorize(dict(parse_qsl(urlsplit(url).query)))).query))
        pending = oauth.read_state(ctx.cipher, back["state"], max_age_seconds=600)
        assert pending is not None
        tokens = await oauth.exchange_code(
            app, code=back["code"], code_verifier=pending.code_verifier, redirect_uri=ctx.redirect_uri(), seconds=10
        )
        async with tenant_session(db, person(tenant.user_id)) as session:
            await store_connection(
                session, ctx, user_id=tenant.user_id, company_id=tenant.company_id,
                provider=CalendarProvider.MICROSOFT, account_email=graph.account, tokens=tokens,
            )  # fmt: skip
    return World(user_id=tenant.user_id, company_id=tenant.company_id)


def when(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(value["dateTime"])[:19]).replace(tzinfo=UTC)


def block_of(event: dict[str, Any]) -> uuid.UUID | None:
    for prop in event.get("singleValueExtendedProperties") or []:
        if prop.get("id") == BLOCK_PROPERTY_ID:
            return uuid.UUID(str(prop["value"]))
    return None


def rhythm_events(graph: FakeGraph) -> dict[str, dict[str, Any]]:
    return {key: event for key, event in graph.rhythm_events().items() if block_of(event) is not None}


def own_events(graph: FakeGraph) -> dict[str, dict[str, Any]]:
    with graph.lock:
        return {
            key: dict(event) for key, event in graph.events.items()
            if not event.get("deleted") and block_of(event) is None
        }  # fmt: skip


# Steps -----------------------------------------------------------------------------------------------------------


def user_moves_a_block(graph: FakeGraph, world: World, rng: random.Random) -> None:
    events = rhythm_events(graph)
    if not events:
        return
    event = events[rng.choice(sorted(events))]
    start = when(event["start"]).replace(second=0, microsecond=0) + timedelta(hours=rng.randint(1, 8))
    minutes = rng.choice([30, 45, 60, 120])
    block_id = block_of(event)
    with graph.lock:
        if graph.events.get(event["id"], {}).get("deleted"):
            return
        graph.user_put({**graph.events[event["id"]], **span(start, minutes)})
    assert block_id is not None
    world.moved[block_id] = (start, start + timedelta(minutes=minutes))


def user_deletes_a_block(graph: FakeGraph, world: World, rng: random.Random) -> None:
    events = rhythm_events(graph)
    if events:
        event = events[rng.choice(sorted(events))]
        block_id = block_of(event)
        assert block_id is not None
        graph.user_delete(event["id"])
        world.deleted.add(block_id)
        world.moved.pop(block_id, None)


def user_edits_own_events(graph: FakeGraph, world: World, rng: random.Random) -> None:
    own = own_events(graph)
    singles = sorted(k for k, v in own.items() if v.get("type") == "singleInstance")
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=rng.randint(0, 10))
    choice = rng.random()
    if choice < 0.4 or not singles:
        start = day + timedelta(hours=rng.randint(0, 20))
        graph.user_put({"id": f"own{rng.randrange(10**9)}", "subject": "Meeting", **span(start, 60)})
    elif choice < 0.6:
        event_id = rng.choice(singles)
        graph.user_put({**own[event_id], **span(day + timedelta(hours=rng.randint(0, 20)), 30)})
    elif choice < 0.75:
        graph.user_delete(rng.choice(singles))
    else:
        user_edits_a_series(graph, world, rng, day)


def user_edits_a_series(graph: FakeGraph, world: World, rng: random.Random, day: datetime) -> None:
    """A weekly series as calendarView/delta shows it in v1.0: one item per occurrence inside the window, a moved
    occurrence as an `exception`, a deleted one `@removed`."""
    if not world.series or rng.random() < 0.3:
        master = f"AAMkSeries{rng.randrange(10**9)}"
        start = day.replace(hour=rng.randint(6, 18))
        for week in range(4):
            graph.user_put({
                "id": f"{master}_{week}", "subject": "Weekly", "type": "occurrence", "seriesMasterId": master,
                **span(start + timedelta(weeks=week), 30),
            })  # fmt: skip
        world.series.append(master)
        return
    master = rng.choice(world.series)
    own = own_events(graph)
    occurrences = sorted(key for key, event in own.items() if event.get("seriesMasterId") == master)
    if not occurrences:
        return
    key = rng.choice(occurrences)
    if rng.random() < 0.5:
        graph.user_delete(key)
    else:
        moved = when(own[key]["start"]) + timedelta(hours=rng.randint(1, 3))
        graph.user_put({**own[key], "type": "exception", "subject": "Weekly (moved)", **span(moved, 30)})


def inject_failures(graph: FakeGraph, rng: random.Random) -> None:
    kind = rng.choice(["429", "503", "410"])
    if kind == "410":
        graph.invalidate_delta_tokens()
    elif kind == "429":
        graph.fail_next(rng.randint(1, 3), 429, retry_after="1")
    else:
        graph.fail_next(rng.randint(1, 2), 503)


# What must hold --------------------------------------------------------------------------------------------------


async def problems(db: Sessions, graph: FakeGraph, world: World) -> list[str]:
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
                    .where(col(ExternalCalendar.external_id) == graph.calendar_id)
                )
            ).scalars()
        )
    ours = {block_of(event): event for event in rhythm_events(graph).values()}
    if len(ours) != len(rhythm_events(graph)):
        found.append("a block is in Outlook more than once")
    for block_id, block in blocks.items():
        if block.state != "planned" or block.ends_at <= now:
            continue
        event = ours.get(block_id)
        if event is None:
            found.append(f"block {block_id} is not in Outlook")
        elif (when(event["start"]), when(event["end"])) != (block.starts_at, block.ends_at):
            found.append(f"block {block_id} is elsewhere in Outlook")
    for block_id in ours:
        if block_id not in blocks:
            found.append(f"an Outlook event names block {block_id}, which Rhythm does not have")
    for block_id, (start, end) in world.moved.items():
        block = blocks.get(block_id)
        if block is None or (block.starts_at, block.ends_at, block.pinned) != (start, end, True):
            found.append(f"the person's move of block {block_id} was lost")
    for block_id in world.deleted:
        if block_id in blocks or block_id in ours:
            found.append(f"the person's delete of block {block_id} was undone")
    own = own_events(graph)
    mirrored = {str(row.external_uid): row for row in mirror}
    if sorted(mirrored) != sorted(own):
        found.append(
            f"mirror differs: missing {sorted(set(own) - set(mirrored))}, extra {sorted(set(mirrored) - set(own))}"
        )
    for key, event in own.items():
        row = mirrored.get(key)
        if row is not None and (row.starts_at, row.ends_at) != (when(event["start"]), when(event["end"])):
            found.append(f"mirrored event {key} has other times")
    return found


async def settled(db: Sessions, graph: FakeGraph, world: World, seconds: float = 240) -> list[str]:
    """Poll until everything agrees (each worker syncs every two seconds), or say what still does not."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        left = await problems(db, graph, world)
        if not left or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(1)


@pytest.mark.parametrize("seed", SEEDS)
async def test_rhythm_and_outlook_converge_after_seeded_interleavings(
    seed: int, db: Sessions, graph_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    graph = FakeGraph().start()
    workers: list[Worker] = []
    try:
        world = await setup_person(db, graph)
        extra = worker_settings(graph)

        def start_worker() -> Worker:
            worker = Worker(graph_database_url, redis.url, tmp_path / f"worker{len(workers)}.log", threads=2,
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
                user_moves_a_block(graph, world, rng)
            elif step == "delete":
                user_deletes_a_block(graph, world, rng)
            elif step == "own":
                user_edits_own_events(graph, world, rng)
            elif step == "fail":
                inject_failures(graph, rng)
            else:
                workers[-1].kill()
                start_worker()
            await asyncio.sleep(rng.uniform(0, 0.6))
        await asyncio.to_thread(workers[-1].wait_ready)

        left = await settled(db, graph, world)

        assert left == [], f"seed {seed}: {left}\n{workers[-1].output()[-3000:]}"
        # Something was at stake: the plan's blocks reached Outlook, and the mirror holds the person's events.
        assert rhythm_events(graph) or world.deleted
        assert own_events(graph)
    finally:
        for worker in workers:
            worker.stop()
        graph.stop()
