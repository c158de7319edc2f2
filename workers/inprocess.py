"""Jobs inside the API process, for the one-command run without Redis: a Dramatiq worker on threads and the
outbox relay on the API's event loop."""

from __future__ import annotations

import asyncio
import contextlib

import dramatiq

from base.settings import Settings, get_settings
from db.engine import create_engine, create_sessionmaker
from workers import runtime
from workers.broker import load_actors, setup_broker
from workers.loops import background_loops


class InProcessWorkers:
    def __init__(
        self, database_url: str, redis_url: str | None = None, *, threads: int = 2, settings: Settings | None = None
    ) -> None:
        self._database_url = database_url
        self._redis_url = redis_url
        self._settings = settings
        self._threads = threads
        self._stop = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
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
        self._loops = [
            asyncio.create_task(loop)
            for loop in background_loops(broker, sessions, self._database_url, settings, self._stop)
        ]

    async def stop(self) -> None:
        self._stop.set()
        if self._loops:
            for loop in self._loops:
                with contextlib.suppress(asyncio.CancelledError):
                    await loop
            await self._engine.dispose()
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop)
