"""The module `rhythm worker` hands to Dramatiq: the Redis broker, every actor, and a relay in each process."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial
from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from base.logs import configure_logging
from base.settings import get_settings
from base.tracing import configure_tracing
from workers import dead_letters, notifications, runtime, webhooks
from workers.broker import load_actors, setup_broker
from workers.events import publish
from workers.relay import OutboxRelay
from workers.tracing import instrument_clients


class RelayInEachWorker(Middleware):
    """Runs an outbox relay, the webhook dispatcher, the reminder loop and the dead-letter replayer on the actors'
    event loop; relays, dispatchers and replayers in several processes skip each other's rows, and reminders
    dedupe in the job ledger."""

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
            lease = timedelta(seconds=settings.outbox_lease_seconds)
            relay = OutboxRelay(runtime.sessions(), self.database_url, partial(publish, broker), lease=lease)
            await asyncio.gather(
                relay.run(self.stop),
                webhooks.run_dispatcher(runtime.sessions(), self.stop),
                notifications.run_reminders(self.stop),
                dead_letters.run_replayer(runtime.sessions(), broker, self.stop),
            )

        asyncio.run_coroutine_threadsafe(run(), loop_thread.loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if self.stop is not None and loop_thread is not None:
            loop_thread.loop.call_soon_threadsafe(self.stop.set)


settings = get_settings()
configure_logging(settings.log_level, json=settings.log_json)
if configure_tracing(settings.otel_exporter_otlp_endpoint, f"{settings.otel_service_name}-worker"):
    instrument_clients()
broker = setup_broker(
    settings.redis_url,
    heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms,
    maintenance_chance=settings.broker_maintenance_chance,
)
broker.add_middleware(RelayInEachWorker(runtime.database_url()))
load_actors()
