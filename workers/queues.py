"""The broker's figures per queue: ready, delayed, in flight and dead-lettered messages.

Redis keys follow Dramatiq's layout under the `rhythm` namespace: `<queue>` (a list of ready message ids),
`<queue>.DQ.msgs` (delayed), `__acks__.<worker>.<queue>` (taken, not yet acknowledged, one set per worker) and
`<queue>.XQ` (dead letters, by when they died).

RabbitMQ answers ready, delayed and dead counts over AMQP, but not how many messages workers hold unacknowledged
(only its management plugin knows): `in_flight` reads 0 there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from redis import Redis

from domain.queue_figures import QueueFigures, QueueReader
from workers.broker import QUEUES, broker_kind

NAMESPACE = "rhythm"


def redis_figures(client: Any, queues: Sequence[str] = QUEUES, namespace: str = NAMESPACE) -> list[QueueFigures]:
    figures = []
    for queue in queues:
        prefix = f"{namespace}:{queue}"
        # Delayed messages a worker holds until their time stay counted as delayed, not in flight.
        in_flight = sum(
            int(client.scard(key)) for key in client.scan_iter(match=f"{namespace}:__acks__.*.{queue}", count=500)
        )
        pipeline = client.pipeline(transaction=False)
        pipeline.llen(prefix)
        pipeline.hlen(f"{prefix}.DQ.msgs")
        pipeline.zcard(f"{prefix}.XQ")
        ready, delayed, dead = pipeline.execute()
        figures.append(
            QueueFigures(queue=queue, ready=int(ready), delayed=int(delayed), in_flight=in_flight, dead=int(dead))
        )
    return figures


def stub_figures(broker: StubBroker, queues: Sequence[str] = QUEUES) -> list[QueueFigures]:
    figures = []
    for queue in queues:
        ready, delayed = broker.queues[queue], broker.queues[dq_name(queue)]
        # A queue counts a message unfinished from put until a worker is done with it; a delayed message a worker
        # holds until its time stays delayed.
        figures.append(
            QueueFigures(
                queue=queue,
                ready=ready.qsize(),
                delayed=delayed.unfinished_tasks,
                in_flight=max(ready.unfinished_tasks - ready.qsize(), 0),
                dead=len(broker.dead_letters_by_queue[queue]),
            )
        )
    return figures


def rabbitmq_figures(broker: RabbitmqBroker, queues: Sequence[str] = QUEUES) -> list[QueueFigures]:
    figures = []
    for queue in queues:
        # Declares the queues (durable, as the workers do) if none exist yet, so a fresh server answers zeros.
        ready, delayed, dead = broker.get_queue_message_counts(queue)
        figures.append(QueueFigures(queue=queue, ready=ready, delayed=delayed, in_flight=0, dead=dead))
    return figures


def figures_of(broker: dramatiq.Broker) -> list[QueueFigures]:
    if isinstance(broker, StubBroker):
        return stub_figures(broker)
    if isinstance(broker, RabbitmqBroker):
        return rabbitmq_figures(broker)
    client = getattr(broker, "client", None)
    if client is None:
        raise TypeError(f"no queue figures for {type(broker).__name__}")
    return redis_figures(client, namespace=getattr(broker, "namespace", NAMESPACE))


def reader(redis_url: str | None, broker_url: str | None = None) -> QueueReader:
    """Figures from the broker the settings name (RabbitMQ, Redis), else from the in-process broker of this
    process (once it runs)."""
    kind = broker_kind(redis_url, broker_url)
    if kind == "rabbitmq":
        rabbitmq = RabbitmqBroker(url=broker_url)
        return lambda: rabbitmq_figures(rabbitmq)
    if kind == "redis":
        client = Redis.from_url(str(broker_url or redis_url))
        return lambda: redis_figures(client)

    def in_process() -> list[QueueFigures]:
        # Not dramatiq.get_broker(): with none set, it would make a broker of its own.
        broker = dramatiq.broker.global_broker
        return [] if broker is None else figures_of(broker)

    return in_process
