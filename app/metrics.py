"""GET /metrics in Prometheus' text format: this process's samples, or every process's in multi-process mode
(PROMETHEUS_MULTIPROC_DIR), plus figures read when scraped: the broker's queues (ready, delayed, in flight,
dead)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import structlog
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from base.metrics import DB_POOL_CHECKED_OUT, DB_POOL_CONNECTIONS
from domain.jobs.queues import QueueReader

log = structlog.get_logger("rhythm.metrics")


class QueueCollector(Collector):
    def __init__(self, queues: QueueReader | None) -> None:
        self._queues = queues

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self._queues is None:
            return
        family = GaugeMetricFamily(
            "rhythm_queue_messages", "Messages in the broker's queues, by queue and state.", labels=["queue", "state"]
        )
        try:
            figures = self._queues()
        except Exception as error:  # the broker out of reach: the other figures are still worth scraping
            log.warning("queue_figures_unavailable", error=repr(error))
            return
        for queue in figures:
            for state in ("ready", "delayed", "in_flight", "dead"):
                family.add_metric([queue.queue, state], getattr(queue, state))
        yield family


def watch_pool(engine: AsyncEngine) -> None:
    """Connections open and in use, from the pool's own events (summed over processes when scraped)."""
    pool = engine.sync_engine

    def connected(*_: Any) -> None:
        DB_POOL_CONNECTIONS.inc()

    def closed(*_: Any) -> None:
        DB_POOL_CONNECTIONS.dec()

    def checked_out(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()

    def checked_in(*_: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()

    event.listen(pool, "connect", connected)
    event.listen(pool, "close", closed)
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)


def _exposition(queues: QueueReader | None) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(QueueCollector(queues))
        return generate_latest(registry)
    scraped = CollectorRegistry()
    scraped.register(QueueCollector(queues))
    return generate_latest(REGISTRY) + generate_latest(scraped)


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics(state: State) -> Response[bytes]:
    return Response(_exposition(state.get("queues")), media_type=CONTENT_TYPE_LATEST)
