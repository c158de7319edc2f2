"""Requeue what dead workers held, within a bounded time, on the Redis broker.

Dramatiq's RedisBroker keeps the messages a worker took in that worker's `__acks__` set until it acknowledges
them; its maintenance pass (in `dispatch.lua`) moves the sets of workers whose heartbeat is older than the
heartbeat timeout back to their queues, and drops expired dead letters. Dramatiq runs that pass by chance, on
some commands in a million, so a dead worker's messages could wait for minutes or for ever on a quiet queue.
Here every worker process runs the broker's own pass on every queue each period: a dead worker's messages are
back in their queue within the heartbeat timeout plus one period.

The pass's command is `qsize`, which reads and changes nothing else; it also refreshes this process's heartbeat,
so a process that is alive but busy with long jobs is not taken for dead.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis

from workers.loop_runs import loop_pass

log = structlog.get_logger("rhythm.maintenance")
DO_MAINTENANCE = 1


def requeue_dead_workers(broker: dramatiq.Broker) -> int:
    """One maintenance pass over every queue (and delay queue) of a Redis broker; the queues it went over."""
    if not isinstance(broker, RedisBroker):
        return 0
    queues = sorted(broker.queues | broker.delay_queues)
    for queue in queues:
        _dispatch_maintenance(broker, queue)
    return len(queues)


def _dispatch_maintenance(broker: Any, queue: str) -> None:
    # The arguments of RedisBroker._dispatch, with maintenance asked for rather than drawn by chance.
    broker.scripts["dispatch"](
        args=[
            "qsize",
            current_millis(),
            queue,
            broker.broker_id,
            broker.heartbeat_timeout,
            broker.dead_message_ttl,
            DO_MAINTENANCE,
            broker._max_unpack_size(),
        ],
        keys=[broker.namespace],
    )


async def run_maintenance(broker: dramatiq.Broker, stop: asyncio.Event, *, period: float) -> None:
    """`requeue_dead_workers` every `period` seconds until `stop` is set (nothing to do off Redis)."""
    if not isinstance(broker, RedisBroker):
        return
    while not stop.is_set():
        try:
            with loop_pass("broker_maintenance"):
                await asyncio.to_thread(requeue_dead_workers, broker)
        except Exception:
            # Redis down: the consumers see it too; the next period tries again.
            log.warning("broker_maintenance_failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)
