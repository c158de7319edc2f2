"""GET /metrics in Prometheus' text format: this process's samples, or every process's in multi-process mode
(PROMETHEUS_MULTIPROC_DIR), plus figures read when scraped: the broker's queues (ready, delayed, in flight,
dead)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import structlog
from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.queue_figures import QueueReader

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


class OutboxLag(Collector):
    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self._seconds is not None:
            yield GaugeMetricFamily(
                "rhythm_outbox_lag_seconds",
                "How long the oldest event not yet handed to the broker has waited (0: none waits).",
                value=self._seconds,
            )


async def outbox_lag(engine: AsyncEngine | None) -> float | None:
    """Read as rhythm_app through a definer function (0015), which sees every company's outbox and shows none."""
    if engine is None:
        return None
    try:
        async with engine.connect() as connection, connection.begin():
            await connection.execute(text("SET LOCAL ROLE rhythm_app"))
            return float((await connection.execute(text("SELECT rhythm.outbox_lag_seconds()"))).scalar_one())
    except Exception as error:  # the database out of reach: the other figures are still worth scraping
        log.warning("outbox_lag_unavailable", error=repr(error))
        return None


def _exposition(queues: QueueReader | None, lag: float | None) -> bytes:
    scraped = CollectorRegistry()
    scraped.register(QueueCollector(queues))
    scraped.register(OutboxLag(lag))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scraped)  # type: ignore[no-untyped-call]
        return generate_latest(scraped)
    return generate_latest(REGISTRY) + generate_latest(scraped)


@get("/metrics", include_in_schema=False)
async def metrics(state: State) -> Response[bytes]:
    lag = await outbox_lag(state.get("engine"))
    body = await asyncio.to_thread(_exposition, state.get("queues"), lag)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
