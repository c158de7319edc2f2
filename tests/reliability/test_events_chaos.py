"""At least once, end to end, whatever the broker does: a burst of task creations posted to a real API, two real
workers, a real broker, a loopback receiver subscribed to `task.created`; something breaks mid-burst, and every
task's webhook still arrives. Duplicates (the same `webhook-id` posted again) are allowed and counted; the ledger
keeps one delivery per endpoint and event.

`RHYTHM_CHAOS_EVENTS=5000 pytest tests/reliability -s` runs the long version (500 events by default); `-s` shows
each scenario's figures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import own_database
from tests.reliability.cluster import (
    EVENTS,
    Api,
    Client,
    Outcome,
    delivered_subjects,
    environment,
    ledger,
    until,
)
from tests.webhooks.processes import RedisServer, Worker
from tests.webhooks.receiver import Receiver

#: Generous: a busy two-core machine delivers a few dozen events a second while also running the API.
DRAIN_SECONDS = 120 + EVENTS * 0.25
Fault = Callable[[], Awaitable[float]]


@pytest.fixture
def chaos_database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "chaos") as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
async def redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder).start()
    yield server
    server.stop()


class Deployment:
    """The API, two workers and their broker settings, started together and stopped at the end."""

    def __init__(self, database_url: str, redis: RedisServer, folder: Path, extra: dict[str, str]) -> None:
        self.database_url, self.redis, self.folder, self.extra = database_url, redis, folder, extra
        api_folder = folder / "api"
        api_folder.mkdir(parents=True, exist_ok=True)
        self.api = Api(environment(database_url, redis.url, api_folder, extra), folder / "api.log")
        self.workers = [self._worker(name) for name in ("first", "second")]

    def _worker(self, name: str) -> Worker:
        return Worker(
            self.database_url, self.redis.url, self.folder / f"worker-{name}.log", threads=4, extra=self.extra
        )

    def start(self) -> None:
        self.api.start()
        for worker in self.workers:
            worker.start()
        self.api.wait_ready()
        for worker in self.workers:
            worker.wait_ready()

    def restart_first_worker(self) -> None:
        """A new process in place of the first worker, with a log of its own."""
        self.workers[0] = self._worker(f"first-again-{time.monotonic_ns()}").start().wait_ready()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.api.stop()


async def run_scenario(
    name: str, deployment: Deployment, receiver: Receiver, fault: Callable[[Deployment], Awaitable[float]]
) -> Outcome:
    """Post EVENTS task creations, break something once a fifth of their webhooks arrived, wait until every
    task's webhook arrived and every event completed; the figures."""
    await asyncio.to_thread(deployment.start)
    created: list[str] = []
    try:
        async with httpx.AsyncClient(base_url=deployment.api.url, timeout=60) as http:
            client = Client(http)
            company_id = await client.sign_up()
            await client.subscribe(company_id, receiver.url)
            burst = asyncio.create_task(client.create_tasks(company_id, EVENTS, created))
            await until(lambda: receiver.unique() >= EVENTS // 5 or burst.done(), 120, "a fifth of the webhooks")
            assert len(created) < EVENTS or receiver.unique() < EVENTS, "the fault must come mid-burst"
            before_fault, fault_at = receiver.unique(), time.monotonic()
            recovered_at = await fault(deployment)
            await burst
        assert len(created) == EVENTS, "every mutation committed"

        def every_task_delivered() -> bool:
            return receiver.unique() >= EVENTS and set(created) <= delivered_subjects(receiver)

        await until(every_task_delivered, DRAIN_SECONDS, f"every webhook of {name}")
        drained_at = time.monotonic()

        async def every_event_completed() -> bool:
            return (await ledger(deployment.database_url)).completed == EVENTS

        await until(every_event_completed, 60, "every event completed in the outbox")
    finally:
        await asyncio.to_thread(deployment.stop)
    recorded = await ledger(deployment.database_url)
    assert recorded.given_up == 0, "no event given up"
    assert recorded.deliveries == recorded.delivered_events == EVENTS, "one delivery per endpoint and event"
    assert set(created) <= delivered_subjects(receiver), "no event lost"
    outcome = Outcome(
        name=name,
        events=EVENTS,
        before_fault=before_fault,
        delivered=len(set(created) & delivered_subjects(receiver)),
        posts=len(receiver.received),
        duplicates=len(receiver.received) - receiver.unique(),
        redispatched=recorded.redispatched,
        fault_to_drained=drained_at - fault_at,
        recovery_to_drained=drained_at - recovered_at,
    )
    print(f"\n{outcome.report()}")
    return outcome


async def kill_and_restart_a_worker(deployment: Deployment) -> float:
    """`kill -9` of one worker mid-burst, a new one 2 s later; when the new one is ready."""
    deployment.workers[0].kill()
    await asyncio.sleep(2)
    await asyncio.to_thread(deployment.restart_first_worker)
    return time.monotonic()


async def test_a_worker_killed_mid_burst_loses_no_event(
    chaos_database_url: str, redis: RedisServer, tmp_path: Path, receiver: Receiver
) -> None:
    deployment = Deployment(chaos_database_url, redis, tmp_path, {})
    outcome = await run_scenario("redis, worker kill -9", deployment, receiver, kill_and_restart_a_worker)
    assert outcome.delivered == EVENTS


async def test_redis_restarted_without_persistence_mid_burst_loses_no_event(
    chaos_database_url: str, redis: RedisServer, tmp_path: Path, receiver: Receiver
) -> None:
    async def restart_redis(deployment: Deployment) -> float:
        # SIGKILL, and no persistence (`--save "" --appendonly no`): every queued message goes with it.
        assert redis.process is not None
        redis.process.kill()
        redis.process.wait(timeout=10)
        redis.process = None
        await asyncio.sleep(3)
        await asyncio.to_thread(redis.start)
        return time.monotonic()

    deployment = Deployment(chaos_database_url, redis, tmp_path, {})
    outcome = await run_scenario("redis restarted empty", deployment, receiver, restart_redis)
    assert outcome.delivered == EVENTS


async def test_a_worker_killed_mid_burst_on_rabbitmq_loses_no_event(
    chaos_database_url: str, redis: RedisServer, tmp_path: Path, receiver: Receiver, amqp_url: str
) -> None:
    # Redis stays for live updates and the start counter; RabbitMQ carries the messages.
    deployment = Deployment(chaos_database_url, redis, tmp_path, {"RHYTHM_BROKER_URL": amqp_url})
    outcome = await run_scenario("rabbitmq, worker kill -9", deployment, receiver, kill_and_restart_a_worker)
    assert outcome.delivered == EVENTS
