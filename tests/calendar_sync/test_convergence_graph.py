"""Real `rhythm worker` processes on a real Redis syncing against the fake Microsoft Graph.

The same convergence as with Google (test_convergence.py), through calendarView/delta: seeded random
interleavings of plan changes in Rhythm, the person's moves and deletes of Rhythm's blocks in Outlook, their own
events, edits of a recurring series' occurrences (moved ones become exceptions, deleted ones `@removed`, as Graph
v1.0 presents a series inside the window), injected 429/503 and a lost delta state (410 syncStateNotFound), and
`kill -9` of the worker mid-sync. Once things settle: Rhythm's mirror equals the Outlook calendar, every edit of
the person's survived, no event is duplicated, and each planned block is in Outlook exactly once. The driver and
what must hold are shared (convergence.py); this file holds Outlook's side.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient

from db.models.calendar_sync import CalendarProvider
from domain.calendar_sync.graph_events import BLOCK_PROPERTY_ID
from tests.calendar_sync.conftest import sync_context
from tests.calendar_sync.convergence import SEEDS, SYNC_PERIOD, Calendar, Sessions, World, converge
from tests.calendar_sync.fake_graph import FakeGraph, span
from tests.webhooks.processes import RedisServer
from workers.calendar_sync.context import SyncContext


def when(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(value["dateTime"])[:19]).replace(tzinfo=UTC)


def block_of(event: dict[str, Any]) -> uuid.UUID | None:
    for prop in event.get("singleValueExtendedProperties") or []:
        if prop.get("id") == BLOCK_PROPERTY_ID:
            return uuid.UUID(str(prop["value"]))
    return None


class Outlook(Calendar):
    name = "Outlook"
    provider = CalendarProvider.MICROSOFT
    tenant_name = "Converging Outlook Person"

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph
        self.account = graph.account
        self.calendar_id = graph.calendar_id

    @property
    def fake(self) -> FakeGraph:
        return self.graph

    def urls(self) -> dict[str, str]:
        return {
            "RHYTHM_MICROSOFT_AUTHORITY_URL": self.graph.authority_url,
            "RHYTHM_MICROSOFT_GRAPH_BASE_URL": self.graph.api_url,
        }

    def context(self, db: Sessions, http: AsyncClient) -> SyncContext:
        return sync_context(db, http, graph=self.graph, period=SYNC_PERIOD)

    def rhythm_events(self) -> dict[str, dict[str, Any]]:
        return {key: event for key, event in self.graph.rhythm_events().items() if block_of(event) is not None}

    def own_events(self) -> dict[str, dict[str, Any]]:
        with self.graph.lock:
            return {
                key: dict(event) for key, event in self.graph.events.items()
                if not event.get("deleted") and block_of(event) is None
            }  # fmt: skip

    def block_ids(self) -> list[uuid.UUID]:
        return [block_id for event in self.rhythm_events().values() if (block_id := block_of(event)) is not None]

    def event_of(self, block_id: uuid.UUID) -> dict[str, Any] | None:
        return {block_of(event): event for event in self.rhythm_events().values()}.get(block_id)

    def times(self, event: dict[str, Any]) -> tuple[datetime, datetime] | None:
        return when(event["start"]), when(event["end"])

    def user_moves_a_block(self, world: World, rng: random.Random) -> None:
        event = self.pick_rhythm_event(rng)
        if event is None:
            return
        start = when(event["start"]).replace(second=0, microsecond=0) + timedelta(hours=rng.randint(1, 8))
        minutes = rng.choice([30, 45, 60, 120])
        block_id = block_of(event)
        with self.graph.lock:
            if self.graph.events.get(event["id"], {}).get("deleted"):
                return
            self.graph.user_put({**self.graph.events[event["id"]], **span(start, minutes)})
        assert block_id is not None
        world.moved[block_id] = (start, start + timedelta(minutes=minutes))

    def user_deletes_a_block(self, world: World, rng: random.Random) -> None:
        event = self.pick_rhythm_event(rng)
        if event is not None:
            block_id = block_of(event)
            assert block_id is not None
            self.graph.user_delete(event["id"])
            world.deleted.add(block_id)
            world.moved.pop(block_id, None)

    def user_edits_own_events(self, world: World, rng: random.Random) -> None:
        own = self.own_events()
        singles = sorted(k for k, v in own.items() if v.get("type") == "singleInstance")
        day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=rng.randint(0, 10))
        choice = rng.random()
        if choice < 0.4 or not singles:
            start = day + timedelta(hours=rng.randint(0, 20))
            self.graph.user_put({"id": f"own{rng.randrange(10**9)}", "subject": "Meeting", **span(start, 60)})
        elif choice < 0.6:
            event_id = rng.choice(singles)
            self.graph.user_put({**own[event_id], **span(day + timedelta(hours=rng.randint(0, 20)), 30)})
        elif choice < 0.75:
            self.graph.user_delete(rng.choice(singles))
        else:
            self.user_edits_a_series(world, rng, day)

    def user_edits_a_series(self, world: World, rng: random.Random, day: datetime) -> None:
        """A weekly series as calendarView/delta shows it in v1.0: one item per occurrence inside the window, a moved
        occurrence as an `exception`, a deleted one `@removed`."""
        if not world.series or rng.random() < 0.3:
            master = f"AAMkSeries{rng.randrange(10**9)}"
            start = day.replace(hour=rng.randint(6, 18))
            for week in range(4):
                self.graph.user_put({
                    "id": f"{master}_{week}", "subject": "Weekly", "type": "occurrence", "seriesMasterId": master,
                    **span(start + timedelta(weeks=week), 30),
                })  # fmt: skip
            world.series.append(master)
            return
        master = rng.choice(world.series)
        own = self.own_events()
        occurrences = sorted(key for key, event in own.items() if event.get("seriesMasterId") == master)
        if not occurrences:
            return
        key = rng.choice(occurrences)
        if rng.random() < 0.5:
            self.graph.user_delete(key)
        else:
            moved = when(own[key]["start"]) + timedelta(hours=rng.randint(1, 3))
            self.graph.user_put({**own[key], "type": "exception", "subject": "Weekly (moved)", **span(moved, 30)})

    def inject_failures(self, rng: random.Random) -> None:
        kind = rng.choice(["429", "503", "410"])
        if kind == "410":
            self.graph.invalidate_delta_tokens()
        elif kind == "429":
            self.graph.fail_next(rng.randint(1, 3), 429, retry_after="1")
        else:
            self.graph.fail_next(rng.randint(1, 2), 503)


@pytest.mark.parametrize("seed", SEEDS)
async def test_rhythm_and_outlook_converge_after_seeded_interleavings(
    seed: int, convergence_db: Sessions, convergence_database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    graph = FakeGraph().start()
    try:
        outlook = Outlook(graph)
        world = await converge(outlook, seed, convergence_db, convergence_database_url, redis, tmp_path)
        # Something was at stake: the plan's blocks reached Outlook, and the mirror holds the person's events.
        assert outlook.rhythm_events() or world.deleted
        assert outlook.own_events()
    finally:
        graph.stop()
