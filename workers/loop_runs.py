"""The latest pass of each periodic loop of this process (workers/loops.py), kept in memory as the loops run and
published to Redis beside the broker's heartbeats, where the API reads them for the workers' admin view.

Keeping the record in memory costs nothing per pass (the relay may pass many times a second); publishing it every
few seconds costs one Redis write per process, whatever the load."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker

from base.clock import utcnow
from domain.worker_heartbeats import LoopRun

log = structlog.get_logger("rhythm.workers.loops")

#: A Redis hash under the broker's namespace: worker id -> JSON of its loops' latest passes.
LOOPS_KEY = "__loops__"

_latest: dict[str, LoopRun] = {}


@contextlib.contextmanager
def loop_pass(loop: str) -> Iterator[None]:
    """Record one pass of `loop`: when it started, when it finished, and whether it raised."""
    started = utcnow()
    _latest[loop] = LoopRun(loop=loop, started_at=started, finished_at=None, outcome="running")
    try:
        yield
    except Exception as error:
        _latest[loop] = LoopRun(loop, started, utcnow(), "failed", type(error).__name__)
        raise
    _latest[loop] = LoopRun(loop, started, utcnow(), "ok")


def latest() -> list[LoopRun]:
    return sorted(_latest.values(), key=lambda run: run.loop)


def encode(runs: Sequence[LoopRun]) -> str:
    return json.dumps(
        [
            {
                "loop": run.loop,
                "started_at": run.started_at.isoformat(),
                "finished_at": None if run.finished_at is None else run.finished_at.isoformat(),
                "outcome": run.outcome,
                "error": run.error,
            }
            for run in runs
        ]
    )


def decode(raw: bytes | str) -> tuple[LoopRun, ...]:
    runs = []
    for item in json.loads(raw):
        finished = item.get("finished_at")
        runs.append(
            LoopRun(
                loop=str(item["loop"]),
                started_at=datetime.fromisoformat(item["started_at"]),
                finished_at=None if finished is None else datetime.fromisoformat(finished),
                outcome=str(item["outcome"]),
                error=item.get("error"),
            )
        )
    return tuple(runs)


def publish(broker: RedisBroker) -> None:
    """Write this process's record under its broker id, and drop the records of workers the broker forgot."""
    client = broker.client
    key = f"{broker.namespace}:{LOOPS_KEY}"
    client.hset(key, broker.broker_id, encode(latest()))
    known = {_text(member) for member in client.zrange(f"{broker.namespace}:__heartbeats__", 0, -1)}
    gone = [field for field in client.hkeys(key) if _text(field) not in known | {broker.broker_id}]
    if gone:
        client.hdel(key, *gone)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def run_publisher(broker: dramatiq.Broker, stop: asyncio.Event, *, period: float) -> None:
    """`publish` every `period` seconds until `stop` is set (nothing to publish to off Redis)."""
    if not isinstance(broker, RedisBroker):
        return
    while not stop.is_set():
        try:
            await asyncio.to_thread(publish, broker)
        except Exception:
            log.warning("loop_runs_publish_failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)
