"""The connection pool's figures for Prometheus: connections open, connections handed out, and how long a caller
waited to get one. The API and every worker process watch their own pool (summed over processes when scraped)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from base.metrics import DB_POOL_CHECKED_OUT, DB_POOL_CONNECTIONS, DB_POOL_WAIT


class TimedPool(AsyncAdaptedQueuePool):
    """The pool asyncpg engines use, timing each checkout's get: the wait for a free connection when all are out
    (or for a new one to open). SQLAlchemy's pool events fire only once a connection is in hand, so the time
    before it is measured here, around the one method every checkout goes through."""

    # Where this pool reports: the process's histogram, which every pool of the process shares.
    waits: Histogram = DB_POOL_WAIT

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        try:
            return super()._do_get()
        finally:
            self.waits.observe(time.perf_counter() - started)


def watch_pool(
    engine: AsyncEngine, *, opened: Gauge = DB_POOL_CONNECTIONS, in_use: Gauge = DB_POOL_CHECKED_OUT
) -> None:
    """Connections open and in use, from the pool's own events, on the process's gauges (which every pool of the
    process adds to) unless others are given."""
    pool = engine.sync_engine

    def connected(*_: Any) -> None:
        opened.inc()

    def closed(*_: Any) -> None:
        opened.dec()

    def checked_out(*_: Any) -> None:
        in_use.inc()

    def checked_in(*_: Any) -> None:
        in_use.dec()

    event.listen(pool, "connect", connected)
    event.listen(pool, "close", closed)
    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
