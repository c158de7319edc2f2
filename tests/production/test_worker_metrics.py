"""A real `rhythm worker` serves its processes' metrics on RHYTHM_WORKER_METRICS_PORT (scraped over HTTP and read
with Prometheus' parser), and publishes the latest pass of each of its loops beside its heartbeat."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from domain.worker_heartbeats import WorkerBeat
from tests.production.test_metrics import samples, value
from tests.waiting import until
from tests.webhooks.processes import RedisServer, Worker, free_port
from workers.heartbeats import heartbeats

LOOPS = {
    "outbox_relay",
    "webhook_dispatcher",
    "reminder_scan",
    "calendar_sync_scan",
    "dead_letter_replayer",
    "broker_maintenance",
}


@pytest.fixture
def worker_with_metrics(database_url: str, tmp_path: Path) -> Iterator[tuple[Worker, int, str]]:
    redis = RedisServer(tmp_path).start()
    port = free_port()
    worker = Worker(
        database_url,
        redis.url,
        tmp_path / "worker.log",
        threads=2,
        extra={"RHYTHM_WORKER_METRICS_PORT": str(port), "RHYTHM_WORKER_METRICS_HOST": "127.0.0.1"},
    )
    try:
        yield worker.start().wait_ready(), port, redis.url
    finally:
        worker.stop()
        redis.stop()


async def test_a_worker_serves_its_processes_metrics_on_its_own_port(
    worker_with_metrics: tuple[Worker, int, str],
) -> None:
    worker, port, _ = worker_with_metrics

    async def scraped() -> str | None:
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                response = await client.get(f"http://127.0.0.1:{port}/metrics")
        except httpx.TransportError:
            return None  # the exposition process is still starting
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        # The loops have taken connections from the worker's pool once both figures show.
        ready = value(response.text, "rhythm_db_pool_wait_seconds_count") > 0
        return response.text if ready and value(response.text, "rhythm_db_pool_connections") >= 1 else None

    text = await until(scraped, what="the worker's metrics with its pool figures", log=worker.output)

    names = {sample.name for sample in samples(text)}
    assert {"rhythm_db_pool_connections_in_use", "rhythm_db_pool_wait_seconds_bucket"} <= names


async def test_a_worker_publishes_the_latest_pass_of_each_loop_beside_its_heartbeat(
    worker_with_metrics: tuple[Worker, int, str],
) -> None:
    worker, _, redis_url = worker_with_metrics
    client = Redis.from_url(redis_url)

    async def with_loops() -> WorkerBeat | None:
        beats = heartbeats(client, heartbeat_timeout_ms=3000)
        done = [beat for beat in beats if {run.loop for run in beat.loops if run.finished_at} >= LOOPS]
        return done[0] if done else None

    try:
        beat = await until(with_loops, what="every loop's latest pass beside the heartbeat", log=worker.output)
    finally:
        client.close()

    assert beat.alive
    runs = {run.loop: run for run in beat.loops}
    assert runs["outbox_relay"].outcome == "ok"
    for run in runs.values():
        assert run.finished_at is None or run.finished_at >= run.started_at
        assert run.outcome in {"ok", "running", "failed"}


async def test_a_worker_removes_the_metrics_folder_it_made_once_it_stops(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    redis = RedisServer(tmp_path).start()
    settings = {"RHYTHM_WORKER_METRICS_PORT": str(free_port()), "RHYTHM_WORKER_METRICS_HOST": "127.0.0.1",
                "TMPDIR": str(temporary)}  # fmt: skip
    worker = Worker(database_url, redis.url, tmp_path / "worker.log", threads=2, extra=settings)
    try:
        worker.start().wait_ready()
        made = [path.name for path in temporary.iterdir() if path.name.startswith("rhythm-worker-metrics-")]
        assert len(made) == 1, made

        worker.stop()

        assert worker.process is not None
        assert worker.process.returncode is not None
        assert list(temporary.iterdir()) == [], worker.output()[-3000:]
    finally:
        worker.stop()
        redis.stop()
