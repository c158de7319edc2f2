"""The Dramatiq broker: Redis when REDIS_URL is given, else an in-process broker for the one-command run.

Actors bind to the broker that is current when their module is imported; `load_actors` binds them again to the
broker `setup_broker` made, whatever was imported first.
"""

from __future__ import annotations

import importlib
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from workers.attempts import AttemptCap, MemoryCounter, RedisCounter
from workers.dead_letters import DeadLetterRecorder
from workers.tracing import TraceContext

QUEUES = ("events", "webhooks", "notifications", "scheduling")
#: Modules of actors and of `@reacts` reactions (importing one registers its reactions).
ACTOR_MODULES = (
    "workers.events",
    "workers.live",
    "workers.notifications",
    "workers.webhooks",
    "workers.scheduling",
)
#: How many times a message may start, crashes of the worker running it included.
ATTEMPT_CAP = 12


def setup_broker(
    redis_url: str | None, *, heartbeat_timeout_ms: int = 15_000, maintenance_chance: int = 1_000
) -> dramatiq.Broker:
    broker: Any
    if redis_url:
        # A worker that stops heart-beating for heartbeat_timeout has its unacknowledged messages requeued, by
        # the maintenance pass that runs on `maintenance_chance` commands in a million.
        broker = RedisBroker(
            url=redis_url,
            heartbeat_timeout=heartbeat_timeout_ms,
            maintenance_chance=maintenance_chance,
            namespace="rhythm",
        )
        broker.add_middleware(AttemptCap(RedisCounter(broker.client), ATTEMPT_CAP))
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
        broker.add_middleware(AttemptCap(MemoryCounter(), ATTEMPT_CAP))
    broker.add_middleware(AsyncIO())
    # Jobs join the trace of the request that caused them (workers/tracing.py).
    broker.add_middleware(TraceContext())
    # Records what the broker rejects into its dead-letter queue, with the reason, for owners to decide on.
    broker.add_middleware(DeadLetterRecorder())
    dramatiq.set_broker(broker)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return broker


def load_actors() -> None:
    """Bind every actor to the current broker, also when its module was imported (and bound) before."""
    broker = dramatiq.get_broker()
    for name in ACTOR_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, dramatiq.Actor):
                value.broker = broker
                broker.declare_actor(value)
