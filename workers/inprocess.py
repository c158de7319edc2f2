"""Jobs inside the API process, for the one-command run without Redis: a Dramatiq worker on threads and the
outbox relay on the API's event loop."""

from __future__ import annotations

import asyncio
import contextlib

import dramatiq

from base.settings import Settings, get_settings
from db.engine import create_engine, create_sessionmaker
from workers import dead_letters, runtime
from workers.broker import load_actors, setup_broker
from workers.events.actors import relay_for
from workers.maintenance import run_maintenance
from workers.notifications.actors import run_reminders
from workers.webhooks.actors import run_dispatcher


class InProcessWorkers:
    def __init__(
        self, database_url: str, redis_url: str | None = None, *, threads: int = 2, settings: Settings | None = None
    ) -> None:
        self._database_url = database_url
        self._redis_url = redis_url
        self._settings = settings
        self._threads = threads
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self._dispatch_task: asyncio.Task[None] | None = None
        self._reminder_task: asyncio.Task[None] | None = None
        self._replay_task: asyncio.Task[None] | None = None
        self._maintenance_task: asyncio.Task[None] | None = None
        self._worker: dramatiq.Worker | None = None

    async def start(self) -> None:
        runtime.configure(self._database_url, self._settings)
        settings = self._settings or get_settings()
        broker = setup_broker(
            self._redis_url, broker_url=settings.broker_url, heartbeat_timeout_ms=settings.broker_heartbeat_timeout_ms
        )
        load_actors()
        self._worker = dramatiq.Worker(broker, worker_threads=self._threads, worker_timeout=100)
        self._worker.start()
        self._engine = create_engine(self._database_url, pool_size=2)
        sessions = create_sessionmaker(self._engine)
        relay = relay_for(broker, sessions, self._database_url, settings)
        self._relay_task = asyncio.create_task(relay.run(self._stop))
        self._dispatch_task = asyncio.create_task(run_dispatcher(sessions, self._stop))
        self._reminder_task = asyncio.create_task(run_reminders(self._stop))
        self._replay_task = asyncio.create_task(dead_letters.run_replayer(sessions, broker, self._stop))
        self._maintenance_task = asyncio.create_task(
            run_maintenance(broker, self._stop, period=settings.broker_maintenance_period_seconds)
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._relay_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
            if self._dispatch_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._dispatch_task
            if self._reminder_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reminder_task
            if self._replay_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._replay_task
            if self._maintenance_task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._maintenance_task
            await self._engine.dispose()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop)
