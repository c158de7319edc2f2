"""The Redis broker's maintenance, run each period by every worker process: the messages a dead worker took
and never acknowledged go back to their queue once its heartbeat is older than the timeout; a live worker's stay
with it. Real Redis, Dramatiq's own Lua pass; a namespace of each test's own."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

from workers.maintenance import requeue_dead_workers

TIMEOUT_MS = 1_000


@pytest.fixture
def namespace() -> str:
    return f"rhythm-maintenance-{uuid.uuid4().hex[:8]}"


def broker(redis_url: str, namespace: str) -> RedisBroker:
    made = RedisBroker(url=redis_url, namespace=namespace, heartbeat_timeout=TIMEOUT_MS, maintenance_chance=0)
    made.declare_queue("events")
    return made


def take_one(worker: RedisBroker) -> Iterator[dramatiq.MessageProxy]:
    """Fetch one message as a worker does, leaving it unacknowledged in the worker's `__acks__` set."""
    consumer = worker.consume("events", prefetch=1, timeout=100)
    for _ in range(100):
        message = next(consumer)
        if message is not None:
            yield message
            return
    raise AssertionError("no message to take")


def queued(redis_url: str, namespace: str) -> int:
    client = broker(redis_url, namespace).client
    return int(client.llen(f"{namespace}:events"))


def test_a_dead_workers_unacknowledged_message_goes_back_to_its_queue(redis_url: str, namespace: str) -> None:
    dead = broker(redis_url, namespace)
    dead.enqueue(dramatiq.Message(queue_name="events", actor_name="events.dispatch", args=(), kwargs={}, options={}))
    next(take_one(dead))
    assert queued(redis_url, namespace) == 0
    # The worker is killed: its heartbeat ages past the timeout (a lower bound, not a deadline).
    time.sleep(TIMEOUT_MS / 1000 * 1.5)

    requeue_dead_workers(broker(redis_url, namespace))

    assert queued(redis_url, namespace) == 1


def test_a_live_workers_message_stays_with_it(redis_url: str, namespace: str) -> None:
    alive = broker(redis_url, namespace)
    alive.enqueue(dramatiq.Message(queue_name="events", actor_name="events.dispatch", args=(), kwargs={}, options={}))
    next(take_one(alive))

    # Its own maintenance pass heart-beats for it too.
    requeue_dead_workers(alive)
    requeue_dead_workers(broker(redis_url, namespace))

    assert queued(redis_url, namespace) == 0
