"""Worker heartbeats as Dramatiq's Redis broker keeps them: a sorted set `<namespace>:__heartbeats__` of worker
ids scored by their last heartbeat (milliseconds), refreshed each time a worker fetches messages; and beside it
the latest pass of each worker's loops (workers/loop_runs.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from redis import Redis

from domain.worker_heartbeats import WorkerBeat, WorkerReader
from workers.loop_runs import LOOPS_KEY, decode
from workers.queues import NAMESPACE


def heartbeats(client: Redis, heartbeat_timeout_ms: int, namespace: str = NAMESPACE) -> list[WorkerBeat]:
    now_ms = time.time() * 1000
    found: list[tuple[bytes | str, float]] = client.zrange(  # type: ignore[assignment]
        f"{namespace}:__heartbeats__", 0, -1, withscores=True
    )
    loops: dict[bytes, bytes] = client.hgetall(f"{namespace}:{LOOPS_KEY}")  # type: ignore[assignment]
    beats = []
    for worker, score in sorted(found, key=lambda beat: -float(beat[1])):
        worker_id = worker.decode() if isinstance(worker, bytes) else str(worker)
        published = loops.get(worker_id.encode())
        beats.append(
            WorkerBeat(
                worker_id=worker_id,
                last_beat_at=datetime.fromtimestamp(float(score) / 1000, tz=UTC),
                alive=now_ms - float(score) < heartbeat_timeout_ms,
                loops=() if published is None else decode(published),
            )
        )
    return beats


def reader(redis_url: str | None, heartbeat_timeout_ms: int) -> WorkerReader | None:
    """None without Redis: the jobs then run inside the API process, which answers for itself."""
    if not redis_url:
        return None
    client = Redis.from_url(redis_url)
    return lambda: heartbeats(client, heartbeat_timeout_ms)
