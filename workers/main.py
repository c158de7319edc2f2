"""The module `rhythm worker` hands to Dramatiq: the broker, every actor, and a relay in each process."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from base.logs import configure_logging
from base.settings import get_settings
from base.tracing import configure_tracing
from workers import runtime
from workers.broker import load_actors, setup_broker
from workers.exposition import forget_process
from workers.loops import background_loops
from workers.tracing import instrument_clients


class RelayInEachWorker(Middleware):
    """Runs the background loops (workers/loops.py: the outbox relay, the dispatcher, the scans, the replayer and
    the broker's maintenance) on the actors' event loop."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.stop: asyncio.Event | None = None

    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        runtime.size_pool_for(worker.worker_threads)

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        assert loop_thread is not None, "the AsyncIO middleware starts the loop first"

        async def run() -> None:
            self.stop = asyncio.Event()
            loops = background_loops(broker, runtime.sessions(), self.database_url, settings, self.stop)
            await asyncio.gather(*loops)

        asyncio.run_coroutine_threadsafe(run(), loop_thread.loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if self.stop is not None and loop_thread is not None:
            loop_thread.loop.call_soon_threadsafe(self.stop.set)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        forget_process(os.getpid())


settings = get_settings()
configure_logging(settings.log_level, json=settings.log_json)
if configure_tracing(settings.otel_exporter_otlp_endpoint, f"{settings.otel_service_name}-worker"):
    instrument_clients()
broker = setup_broker(
    settings.redis_url, broker_url=settings.broker_url, heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms
)
broker.add_middleware(RelayInEachWorker(runtime.database_url()))
load_actors()
