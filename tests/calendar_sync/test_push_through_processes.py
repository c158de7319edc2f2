"""A change in Google reaches the person's week through real processes: `rhythm serve` and `rhythm worker` on a
database and a Redis of their own, the fake Google's watch channel calling the served push route back.

The periodic sync is an hour away, so once the first sync has watched the calendar, only the push can bring the
new event in: Google posts to the push route, the route enqueues `calendar_sync.notified`, the worker runs it and
the sync it asks for, and `viewer { week }` shows the event mirrored.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.calendar_sync.fake_google import FakeGoogle
from tests.calendar_sync.test_connections_api import CONNECT, CONNECTIONS
from tests.calendar_sync.test_google_reads import PRIMARY, timed
from tests.conftest import CALENDAR_TOKEN_KEY
from tests.databases import own_database
from tests.factories import create_company, result_of, sign_up
from tests.graphql import GraphQL
from tests.live.servers import JWT_SECRET, free_port
from tests.waiting import PATIENCE_SECONDS, until
from tests.webhooks.processes import RedisServer, Worker

T = TypeVar("T")

WEEK = """
query($start: DateTime!) {
  viewer { week(start: $start, days: 7) { events { title startsAt endsAt } } }
}"""


@pytest.fixture
def database_of_its_own(server_url: str) -> Iterator[str]:
    with own_database(server_url, "calpush") as url:
        yield url


def settings_for(google: FakeGoogle, base_url: str) -> dict[str, str]:
    return {
        "RHYTHM_JWT_SECRET": JWT_SECRET,
        "RHYTHM_ARGON2_TIME_COST": "1",
        "RHYTHM_ARGON2_MEMORY_COST_KIB": "64",
        "RHYTHM_SEED_DEMO": "false",
        "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
        "RHYTHM_PUBLIC_BASE_URL": base_url,
        "RHYTHM_CALENDAR_TOKEN_KEYS": CALENDAR_TOKEN_KEY,
        "RHYTHM_GOOGLE_CLIENT_ID": "rhythm-test",
        "RHYTHM_GOOGLE_CLIENT_SECRET": "shh",
        "RHYTHM_GOOGLE_AUTHORIZATION_URL": f"{google.url}/authorize",
        "RHYTHM_GOOGLE_TOKEN_URL": f"{google.url}/token",
        "RHYTHM_GOOGLE_REVOCATION_URL": f"{google.url}/revoke",
        "RHYTHM_GOOGLE_API_BASE_URL": google.api_url,
        "RHYTHM_CALENDAR_PUSH_ENABLED": "true",
        "RHYTHM_CALENDAR_SYNC_PERIOD_SECONDS": "3600",
        "RHYTHM_CALENDAR_SYNC_JOBS": "true",
    }


@pytest.fixture
async def api(
    database_of_its_own: str, redis: RedisServer, tmp_path: Path
) -> AsyncIterator[tuple[str, dict[str, str], FakeGoogle]]:
    """`rhythm serve` on a free port, pointed at a fake Google; its address and settings."""
    google = FakeGoogle().start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings_for(google, base_url)
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(settings, DATABASE_URL=database_of_its_own, REDIS_URL=redis.url, RHYTHM_DATA_DIR=str(tmp_path))
    log = tmp_path / "api.log"
    process = await asyncio.to_thread(_spawn, ["serve", "--port", str(port)], environment, log)
    try:
        await asyncio.to_thread(_wait_ready, base_url, process, log)
        yield base_url, settings, google
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        google.stop()


def _spawn(arguments: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *arguments], env=environment, stdout=sink, stderr=subprocess.STDOUT
        )


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rhythm serve exited early:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"rhythm serve did not become ready:\n{log.read_text(errors='replace')[-4000:]}")


async def test_a_google_push_to_the_served_route_brings_the_change_into_the_week(
    api: tuple[str, dict[str, str], FakeGoogle], database_of_its_own: str, redis: RedisServer, tmp_path: Path
) -> None:
    base_url, settings, google = api
    worker = Worker(database_of_its_own, redis.url, tmp_path / "worker.log", threads=2, extra=settings)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        graphql = GraphQL(cast(Any, http))
        try:
            await asyncio.to_thread(worker.start().wait_ready)
            someone = await sign_up(graphql, name="Pushed Person")
            company_id = await create_company(graphql, someone, name="Pushed Co")
            started = await result_of(
                graphql, "connectCalendarAccount", CONNECT,
                {"input": {"companyId": company_id, "provider": "GOOGLE"}}, someone,
            )  # fmt: skip
            back = urlsplit(google.authorize(dict(parse_qsl(urlsplit(started["authorizationUrl"]).query))))
            answer = await http.get(f"{back.path}?{back.query}")
            assert answer.status_code == 200, answer.text

            async def synced() -> bool:
                connections = (await graphql(CONNECTIONS, caller=someone))["viewer"]["calendarConnections"]
                return bool(connections) and connections[0]["lastSyncedAt"] is not None

            # The first sync (the connection asked for one) watches the primary calendar.
            await until(synced, what="the first sync", log=worker.output)
            with google.lock:
                watched = any(channel.calendar_id == PRIMARY for channel in google.channels.values())
            assert watched, "the first sync opened no watch channel"

            sent = google.notifications_sent
            start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
            google.user_put(PRIMARY, timed("pushed1", start.isoformat(), (start + timedelta(hours=1)).isoformat(),
                                           summary="Dentist"))  # fmt: skip

            async def in_the_week() -> list[dict[str, Any]]:
                week = await graphql(WEEK, {"start": start.date().isoformat() + "T00:00:00Z"}, caller=someone)
                return [event for event in week["viewer"]["week"]["events"] if event["title"] == "Dentist"]

            [event] = await until(in_the_week, what="the pushed event in the week", log=worker.output)
            assert datetime.fromisoformat(event["startsAt"]) == start
            assert google.notifications_sent > sent
        finally:
            worker.stop()
