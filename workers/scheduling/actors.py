"""Scheduling actors: the reaction that turns committed task and calendar changes into debounced replan
requests, and `scheduling.replan`, which replans one person once their burst of changes has settled."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import dramatiq
import structlog

from base.clock import utcnow
from base.metrics import SCHEDULING_DURATION, SCHEDULING_RUNS
from db.models import OutboxEvent
from workers import runtime
from workers.events import reacts
from workers.scheduling import jobs

log = structlog.get_logger("rhythm.scheduling")

#: How long a person's changes must settle before their plan is redone.
REPLAN_DELAY = timedelta(seconds=30)


def _enqueue(user_ids: list[uuid.UUID], delay: timedelta) -> None:
    for user_id in user_ids:
        replan.send_with_options(args=(str(user_id),), delay=int(delay.total_seconds() * 1000))


@reacts
async def request_replans(event: OutboxEvent) -> None:
    fresh = await jobs.request(runtime.sessions(), event, utcnow() + REPLAN_DELAY)
    if fresh:
        # After the request committed, so the job finds it.
        await asyncio.to_thread(_enqueue, fresh, REPLAN_DELAY)


@dramatiq.actor(
    actor_name="scheduling.replan",
    queue_name="scheduling",
    max_retries=5,
    min_backoff=5_000,
    max_backoff=300_000,
    time_limit=300_000,
)
async def replan(user_id: str) -> None:
    started = time.perf_counter()
    try:
        wait = await jobs.run(runtime.sessions(), uuid.UUID(user_id), utcnow())
    except Exception:
        SCHEDULING_RUNS.labels("failed").inc()
        raise
    finally:
        SCHEDULING_DURATION.observe(time.perf_counter() - started)
    SCHEDULING_RUNS.labels("deferred" if wait is not None else "done").inc()
    if wait is not None:
        # More changes came in meanwhile: run again once they have settled.
        await asyncio.to_thread(_enqueue, [uuid.UUID(user_id)], wait)
    else:
        log.info("replanned", user_id=user_id)
