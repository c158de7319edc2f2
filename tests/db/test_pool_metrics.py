"""The pool's figures move with real checkouts on a real PostgreSQL: connections in use, and the time a checkout
waited for a connection while every one was out."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import create_engine
from db.pool_metrics import watch_pool


def figure(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


async def test_a_checkout_that_waits_for_a_free_connection_is_timed(database_url: str) -> None:
    # Room for two connections (twice pool_size); the third checkout has to wait.
    engine = create_engine(database_url, pool_size=1)
    watch_pool(engine)
    try:
        first, second = await engine.connect(), await engine.connect()
        await first.execute(text("SELECT 1"))
        in_use = figure("rhythm_db_pool_connections_in_use")
        count, total = figure("rhythm_db_pool_wait_seconds_count"), figure("rhythm_db_pool_wait_seconds_sum")
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
        waited = figure("rhythm_db_pool_wait_seconds_sum") - total

        assert figure("rhythm_db_pool_wait_seconds_count") - count == 1
        # The wait lasted at least from when the checkout reached the pool until the first connection came back.
        assert waited > 0
        assert waited >= (released - started) - 0.01
        assert figure("rhythm_db_pool_connections_in_use") == in_use  # one returned, one handed out
        await third.close()
        await second.close()
        assert figure("rhythm_db_pool_connections_in_use") == in_use - 2
    finally:
        await engine.dispose()
