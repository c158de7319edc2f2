"""The convergence test's driver, for any calendar provider: real `rhythm worker` processes on a real Redis, a
person connected through the consent flow, seeded random interleavings of plan changes in Rhythm, the person's
hand in their calendar, injected failures and `kill -9` of the worker mid-sync, then what must hold once things
settle. A provider brings a `Calendar`: how the person edits its fake, which failures it injects, and how to read
Rhythm's blocks and the person's own events back out of it.

CI runs the seeds below; more on demand: RHYTHM_CONVERGENCE_SEEDS=1-200 RHYTHM_CONVERGENCE_STEPS=60.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from db.models import CalendarEvent, TimeBlock
from db.models.calendar_sync import CalendarProvider, ExternalCalendar
from db.tenant import Caller, tenant_session
from domain.calendar_sync.connections import person
from domain.schedules import plans
from domain.tasks import service as tasks
from domain.tasks.service import TaskChanges
from tests.calendar_sync.conftest import Consenting, link_account
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.webhooks.processes import RedisServer, Worker
from tests.webhooks.world import make_tenant
from workers.calendar_sync.context import SyncContext

Sessions = async_sessionmaker[AsyncSession]


def _seeds(text: str) -> list[int]:
    if "-" in text:
        low, high = text.split("-")
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",") if part.strip()]


SEEDS = _seeds(os.environ.get("RHYTHM_CONVERGENCE_SEEDS", "1,5,12"))
STEPS = int(os.environ.get("RHYTHM_CONVERGENCE_STEPS", "30"))

#: Every worker syncs each connection this often, so a settled state shows within seconds.
SYNC_PERIOD = timedelta(seconds=2)


@dataclass
class World:
    """What the test did, so it knows what must hold once things settle."""

    user_id: uuid.UUID
    company_id: uuid.UUID
    moved: dict[uuid.UUID, tuple[datetime, datetime]] = field(default_factory=dict)
    deleted: set[uuid.UUID] = field(default_factory=set)
    series: list[str] = field(default_factory=list)


class Calendar(ABC):
    """One provider's side of the test: its fake, the person's hand in it, and what it holds."""

    #: The provider's name as the problems found say it.
    name: str
    provider: CalendarProvider
    #: The person's name in Rhythm.
    tenant_name: str
    #: The account the person connects, and the external id of the calendar Rhythm writes to and mirrors.
    account: str
    calendar_id: str

    @property
    @abstractmethod
    def fake(self) -> Consenting: ...

    @abstractmethod
    def urls(self) -> dict[str, str]:
        """The provider's base URLs in the workers' environment."""

    @abstractmethod
    def context(self, db: Sessions, http: httpx.AsyncClient) -> SyncContext:
        """The sync context the consent flow runs in, pointed at this fake (`sync_context`, period SYNC_PERIOD)."""

    # The person's hand --------------------------------------------------------------------------------------------

    def pick_rhythm_event(self, rng: random.Random) -> dict[str, Any] | None:
        """One of the events Rhythm wrote, chosen by the seed; None (the seed untouched) when there is none."""
        events = self.rhythm_events()
        return events[rng.choice(sorted(events))] if events else None

    @abstractmethod
    def user_moves_a_block(self, world: World, rng: random.Random) -> None: ...

    @abstractmethod
    def user_deletes_a_block(self, world: World, rng: random.Random) -> None: ...

    @abstractmethod
    def user_edits_own_events(self, world: World, rng: random.Random) -> None: ...

    @abstractmethod
    def inject_failures(self, rng: random.Random) -> None: ...

    # What the calendar holds --------------------------------------------------------------------------------------

    @abstractmethod
    def rhythm_events(self) -> dict[str, dict[str, Any]]:
        """The events Rhythm wrote (they name a block), by id."""

    @abstractmethod
    def block_ids(self) -> list[uuid.UUID]:
        """The block each of Rhythm's events names, once per event (so a block written twice shows twice)."""

    @abstractmethod
    def event_of(self, block_id: uuid.UUID) -> dict[str, Any] | None:
        """The event Rhythm wrote for this block, if the calendar holds it."""

    @abstractmethod
    def own_events(self) -> dict[str, dict[str, Any]]:
        """The person's own events by id: what Rhythm's mirror must hold."""

    @abstractmethod
    def times(self, event: dict[str, Any]) -> tuple[datetime, datetime] | None:
        """Where an event starts and ends; None for one without times to compare (a cancelled occurrence)."""

    def worker_settings(self) -> dict[str, str]:
        app = f"RHYTHM_{self.provider.name}"  # the client that google_app and microsoft_app name
        return {
            "RHYTHM_CALENDAR_TOKEN_KEYS": CALENDAR_TOKEN_KEY,
            f"{app}_CLIENT_ID": "rhythm-test",
            f"{app}_CLIENT_SECRET": "shh",
            **self.urls(),
            "RHYTHM_CALENDAR_PUSH_ENABLED": "false",
            "RHYTHM_CALENDAR_SYNC_PERIOD_SECONDS": str(int(SYNC_PERIOD.total_seconds())),
            "RHYTHM_CALENDAR_SYNC_JOBS": "true",
        }


async def setup_person(db: Sessions, calendar: Calendar) -> World:
    """A person who works around the clock, every day (so any block fits), with their calendar connected."""
    tenant = await make_tenant(db, name=calendar.tenant_name)
    async with tenant_session(db, Caller(user_id=tenant.user_id)) as session:
        await session.execute(
            sa.text("UPDATE users SET work_day_start = '00:00', work_day_end = '23:59', work_days = '{1,2,3,4,5,6,7}'")
        )
    async with httpx.AsyncClient(timeout=20) as http:
        await link_account(
            calendar.context(db, http), calendar.fake, provider=calendar.provider, user_id=tenant.user_id,
            company_id=tenant.company_id, account_email=calendar.account,
        )  # fmt: skip
    return World(user_id=tenant.user_id, company_id=tenant.company_id)


async def replan(db: Sessions, world: World, rng: random.Random) -> None:
    async with tenant_session(db, Caller(user_id=world.user_id)) as session:
        if rng.random() < 0.7:
            await tasks.create_task(
                session, company_id=world.company_id, created_by=world.user_id,
                changes=TaskChanges(title=f"Task {rng.randrange(10**6)}", estimated_minutes=rng.choice([30, 60, 90]),
                                    assignee_id=world.user_id),
            )  # fmt: skip
        await plans.apply(session, world.user_id, datetime.now(UTC))


# What must hold --------------------------------------------------------------------------------------------------


async def problems(db: Sessions, calendar: Calendar, world: World) -> list[str]:
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
                    .where(col(ExternalCalendar.external_id) == calendar.calendar_id)
                )
            ).scalars()
        )
    name = calendar.name
    ids = calendar.block_ids()
    if len(ids) != len(set(ids)):
        found.append(f"a block is in {name} more than once")
    for block_id, block in blocks.items():
        if block.state != "planned" or block.ends_at <= now:
            continue
        event = calendar.event_of(block_id)
        if event is None:
            found.append(f"block {block_id} is not in {name}")
        elif calendar.times(event) != (block.starts_at, block.ends_at):
            found.append(f"block {block_id} is elsewhere in {name}")
    for block_id in ids:
        if block_id not in blocks:
            found.append(f"an event in {name} names block {block_id}, which Rhythm does not have")
    for block_id, (start, end) in world.moved.items():
        block = blocks.get(block_id)
        if block is None or (block.starts_at, block.ends_at, block.pinned) != (start, end, True):
            found.append(f"the person's move of block {block_id} was lost")
    for block_id in world.deleted:
        if block_id in blocks or calendar.event_of(block_id) is not None:
            found.append(f"the person's delete of block {block_id} was undone")
    own = calendar.own_events()
    mirrored = {str(row.external_uid): row for row in mirror}
    if sorted(mirrored) != sorted(own):
        found.append(
            f"mirror differs: missing {sorted(set(own) - set(mirrored))}, extra {sorted(set(mirrored) - set(own))}"
        )
    for key, event in own.items():
        row, times = mirrored.get(key), calendar.times(event)
        if row is not None and times is not None and (row.starts_at, row.ends_at) != times:
            found.append(f"mirrored event {key} has other times")
    return found


async def settled(db: Sessions, calendar: Calendar, world: World, seconds: float = 240) -> list[str]:
    """Poll until everything agrees (each worker syncs every two seconds), or say what still does not."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        left = await problems(db, calendar, world)
        if not left or asyncio.get_running_loop().time() > deadline:
            return left
        await asyncio.sleep(1)


# The run ---------------------------------------------------------------------------------------------------------


async def converge(
    calendar: Calendar, seed: int, db: Sessions, database_url: str, redis: RedisServer, tmp_path: Path
) -> World:
    """One seeded interleaving, asserted to settle into agreement; the world it made, for further checks."""
    rng = random.Random(seed)
    workers: list[Worker] = []
    try:
        world = await setup_person(db, calendar)
        extra = calendar.worker_settings()

        def start_worker() -> Worker:
            worker = Worker(database_url, redis.url, tmp_path / f"worker{len(workers)}.log", threads=2,
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
                calendar.user_moves_a_block(world, rng)
            elif step == "delete":
                calendar.user_deletes_a_block(world, rng)
            elif step == "own":
                calendar.user_edits_own_events(world, rng)
            elif step == "fail":
                calendar.inject_failures(rng)
            else:
                workers[-1].kill()
                start_worker()
            await asyncio.sleep(rng.uniform(0, 0.6))
        await asyncio.to_thread(workers[-1].wait_ready)

        left = await settled(db, calendar, world)

        assert left == [], f"seed {seed}: {left}\n{workers[-1].output()[-3000:]}"
        return world
    finally:
        for worker in workers:
            worker.stop()
