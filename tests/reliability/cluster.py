"""A small Rhythm deployment of real processes for the chaos tests: `rhythm serve` with REDIS_URL, two
`rhythm worker` processes, a throwaway redis-server that can go down and come back on its port, a loopback
webhook receiver, and a burst of `createTask` mutations posted to the API while something breaks.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.factories import PASSWORD
from tests.webhooks.documents import CREATE as CREATE_ENDPOINT
from tests.webhooks.processes import FAST_RECOVERY, ROOT, free_port
from tests.webhooks.receiver import Receiver

#: Each scenario's events; RHYTHM_CHAOS_EVENTS=5000 runs the long version.
EVENTS = int(os.environ.get("RHYTHM_CHAOS_EVENTS", "500"))
#: How many mutations are in flight at once, as many browsers would have.
CONCURRENCY = 8
JWT_SECRET = "chaos-test-secret-" + "z" * 40

SIGN_UP = """
mutation($input: SignUpInput!) {
  signUp(input: $input) { __typename ... on AuthPayload { accessToken } ... on Error { message } }
}"""
COMPANIES = "{ viewer { companies { nodes { id isPersonal } } } }"
CREATE_TASK = """
mutation($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Task { id } ... on Error { message } }
}"""


def environment(database_url: str, redis_url: str, folder: Path, extra: dict[str, str]) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    return (
        kept
        | FAST_RECOVERY
        | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RHYTHM_DATA_DIR": str(folder),
            "RHYTHM_JWT_SECRET": JWT_SECRET,
            "RHYTHM_ARGON2_TIME_COST": "1",
            "RHYTHM_ARGON2_MEMORY_COST_KIB": "64",
            "RHYTHM_SEED_DEMO": "false",
            "RHYTHM_LOG_LEVEL": "WARNING",
        }
        | extra
    )


@dataclass
class Api:
    """`rhythm serve` on a free loopback port; with REDIS_URL it runs no jobs itself."""

    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Api:
        with self.log.open("wb") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
                env=self.environment,
                cwd=ROOT,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_ready(self, seconds: float = 120) -> Api:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"rhythm serve exited early:\n{self.log.read_text(errors='replace')}")
            try:
                # /health, not /ready: the API must answer while Redis is down too.
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"rhythm serve did not become ready:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Client:
    """A person posting GraphQL documents to the API over real HTTP."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body
        return body["data"]

    async def sign_up(self) -> str:
        """Sign up; the id of the new person's personal company."""
        email = f"chaos-{uuid.uuid4().hex[:12]}@rhythm.test"
        variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Chaos", "timeZone": "UTC"}}
        payload = (await self(SIGN_UP, variables))["signUp"]
        assert payload["__typename"] == "AuthPayload", payload
        self.token = payload["accessToken"]
        companies = (await self(COMPANIES))["viewer"]["companies"]["nodes"]
        return str(next(company["id"] for company in companies if company["isPersonal"]))

    async def subscribe(self, company_id: str, url: str) -> None:
        variables = {"input": {"companyId": company_id, "url": url, "eventTypes": ["TASK_CREATED"]}}
        result = (await self(CREATE_ENDPOINT, variables))["createWebhookEndpoint"]
        assert result["__typename"] == "WebhookEndpointCreated", result

    async def create_tasks(self, company_id: str, count: int, created: list[str]) -> None:
        """`count` tasks, `CONCURRENCY` mutations at a time; their ids go to `created` as they commit."""
        numbers = iter(range(count))

        async def one_by_one() -> None:
            for n in numbers:
                variables = {"input": {"companyId": company_id, "title": f"Chaos {n}"}}
                task = (await self(CREATE_TASK, variables))["createTask"]
                assert task["__typename"] == "Task", task
                created.append(task["id"])

        await asyncio.gather(*(one_by_one() for _ in range(CONCURRENCY)))


def delivered_subjects(receiver: Receiver) -> set[str]:
    """Every string value of every delivered body: each task's webhook names its task by the id the API gave."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            found.add(value)

    for received in list(receiver.received):
        walk(json.loads(received.body))
    return found


async def until(condition: Callable[[], Awaitable[bool] | bool], seconds: float, what: str) -> float:
    """Wait for `condition`, polling; the seconds it took. Fails after `seconds`."""
    started = time.monotonic()
    while True:
        outcome = condition()
        if isinstance(outcome, Awaitable):
            outcome = await outcome
        if outcome:
            return time.monotonic() - started
        if time.monotonic() - started > seconds:
            raise AssertionError(f"gave up waiting for {what} after {seconds:.0f} s")
        await asyncio.sleep(0.2)


@dataclass(frozen=True)
class Ledger:
    """What the database says: events, their completion, and deliveries (one per endpoint and event)."""

    events: int
    completed: int
    given_up: int
    #: Events the relay dispatched more than once: their reaction lease lapsed before they completed.
    redispatched: int
    deliveries: int
    delivered_events: int


async def ledger(database_url: str) -> Ledger:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        events = await connection.fetchrow(
            "SELECT count(*) AS events, count(completed_at) AS completed, count(given_up_at) AS given_up,"
            " count(*) FILTER (WHERE dispatches > 1) AS redispatched"
            " FROM outbox WHERE type = 'task.created'"
        )
        deliveries = await connection.fetchrow(
            "SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM webhook_deliveries"
        )
    finally:
        await connection.close()
    assert events is not None
    assert deliveries is not None
    return Ledger(
        events=events["events"],
        completed=events["completed"],
        given_up=events["given_up"],
        redispatched=events["redispatched"],
        deliveries=deliveries["rows"],
        delivered_events=deliveries["events"],
    )


@dataclass(frozen=True)
class Outcome:
    """One scenario's figures, printed by the test (run with -s to see them)."""

    name: str
    events: int
    #: Webhooks that had arrived when the fault came.
    before_fault: int
    delivered: int
    posts: int
    duplicates: int
    redispatched: int
    fault_to_drained: float
    recovery_to_drained: float

    def report(self) -> str:
        lost = self.events - self.delivered
        return (
            f"chaos {self.name}: {self.events} events ({self.before_fault} delivered before the fault), "
            f"{self.delivered} delivered, {lost} lost, {self.posts} posts, "
            f"{self.duplicates} duplicate posts (same webhook-id), {self.redispatched} events dispatched again; "
            f"drained {self.fault_to_drained:.1f} s after the fault, {self.recovery_to_drained:.1f} s after recovery"
        )
