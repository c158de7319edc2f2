"""The pool's figures move with real checkouts on a real PostgreSQL: connections in use, and the time a checkout
waited for a connection while every one was out. The figures of this test's own pool, on a registry of its own:
the process's are shared with every other pool in it (the in-process app's jobs check connections out meanwhile)."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import CollectorRegistry, Gauge, Histogram
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import create_engine
from db.pool_metrics import TimedPool, watch_pool


async def test_a_checkout_that_waits_for_a_free_connection_is_timed(database_url: str) -> None:
    registry = CollectorRegistry()
    waits = Histogram("waits", "checkout waits", registry=registry)
    in_use = Gauge("in_use", "connections in use", registry=registry)
    opened = Gauge("opened", "connections open", registry=registry)
    # Room for two connections (twice pool_size); the third checkout has to wait.
    engine = create_engine(database_url, pool_size=1)
    pool = engine.sync_engine.pool
    assert isinstance(pool, TimedPool)
    pool.waits = waits
    watch_pool(engine, opened=opened, in_use=in_use)

    def figure(name: str) -> float:
        return registry.get_sample_value(name) or 0.0

    try:
        first, second = await engine.connect(), await engine.connect()
        await first.execute(text("SELECT 1"))
        assert (figure("in_use"), figure("opened"), figure("waits_count")) == (2, 2, 2)
        started = time.perf_counter()

        async def third_checkout() -> AsyncConnection:
            return await engine.connect()

        waiting = asyncio.create_task(third_checkout())
        for _ in range(50):  # let the checkout reach the pool and block there
            await asyncio.sleep(0)
        assert not waiting.done()
        await first.close()
        released = time.perf_counter()
        third = await waiting

        assert figure("waits_count") == 3
        # The wait lasted at least from when the checkout reached the pool until the first connection came back.
        assert figure("waits_sum") >= (released - started) - 0.01
        assert (figure("in_use"), figure("opened")) == (2, 2)  # one returned, one handed out, none opened
        await third.close()
        await second.close()
        assert figure("in_use") == 0
    finally:
        await engine.dispose()
    assert figure("opened") == 0
