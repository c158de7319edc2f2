"""The Dramatiq broker: RabbitMQ when RHYTHM_BROKER_URL is an `amqp://` URL, Redis when REDIS_URL is given (or the
broker URL is a `redis://` one), else an in-process broker for the one-command run.

Whichever it is, the broker is not the only copy of the work: an event stays open in the outbox until its
reactions completed, and the relay dispatches it again when a message went missing (workers/events/relay.py).

Actors bind to the broker that is current when their module is imported; `load_actors` binds them again to the
broker `setup_broker` made, whatever was imported first.
"""

from __future__ import annotations

import importlib
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO
from redis import Redis

from workers.attempts import AttemptCap, MemoryCounter, RedisCounter, StartCounter
from workers.dead_letters import DeadLetterRecorder
from workers.events import REACTIONS
from workers.tracing import TraceContext

QUEUES = ("events", "webhooks", "notifications", "scheduling", "calendar_sync", "accounts")
#: Modules of actors and of `@reacts` reactions (importing one registers its reactions).
ACTOR_MODULES = (
    "workers.events.actors",
    "workers.live.actors",
    "workers.notifications.actors",
    "workers.webhooks.actors",
    "workers.scheduling.actors",
    "workers.calendar_sync.actors",
    "workers.ai.actors",
    "workers.accounts.actors",
    "workers.accounts.emails",
)
#: How many times a message may start, crashes of the worker running it included.
ATTEMPT_CAP = 12


class BrokerUrlError(ValueError):
    """RHYTHM_BROKER_URL names no broker Rhythm knows."""


def broker_kind(redis_url: str | None, broker_url: str | None = None) -> str:
    """`rabbitmq`, `redis` or `stub` (in process), as the settings choose."""
    if broker_url:
        scheme = broker_url.split("://", 1)[0].lower()
        if scheme in ("amqp", "amqps"):
            return "rabbitmq"
        if scheme in ("redis", "rediss", "unix"):
            return "redis"
        raise BrokerUrlError(f"RHYTHM_BROKER_URL must be amqp://, amqps:// or redis://, not {scheme}://.")
    return "redis" if redis_url else "stub"


def setup_broker(
    redis_url: str | None, *, broker_url: str | None = None, heartbeat_timeout_ms: int = 15_000
) -> dramatiq.Broker:
    broker: Any
    counter: StartCounter
    kind = broker_kind(redis_url, broker_url)
    if kind == "rabbitmq":
        # Durable queues and persistent messages (Dramatiq's defaults), and publisher confirms: an enqueue
        # returns once RabbitMQ has the message, so the relay holds the event only after that.
        broker = RabbitmqBroker(url=broker_url, confirm_delivery=True)
        # Without Redis, starts are counted per process: a message that kills every worker it meets is capped
        # only in each process, not across them.
        counter = RedisCounter(Redis.from_url(redis_url)) if redis_url else MemoryCounter()
    elif kind == "redis":
        # A worker that stops heart-beating for heartbeat_timeout has its unacknowledged messages requeued by the
        # periodic maintenance of every worker process (workers/maintenance.py), not by chance on some commands.
        broker = RedisBroker(
            url=broker_url or redis_url,
            heartbeat_timeout=heartbeat_timeout_ms,
            maintenance_chance=0,
            namespace="rhythm",
        )
        counter = RedisCounter(broker.client)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
        counter = MemoryCounter()
    broker.add_middleware(AttemptCap(counter, ATTEMPT_CAP))
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
    # Reactions run in the order ACTOR_MODULES lists their modules, whichever module was imported first: the live
    # broadcast (cheap) before the webhook fan-out, whose first attempts wait on receivers.
    position = {name: index for index, name in enumerate(ACTOR_MODULES)}
    REACTIONS.sort(key=lambda reaction: position.get(reaction.__module__, len(position)))
