"""`python -m bench.webhooks`: how fast committed events reach an endpoint through one `rhythm worker` process.

Two measurements against a loopback receiver that answers 204 at once:
- burst: N events committed in one transaction; deliveries per second until the last arrives, and the latency
  of each from that commit to its arrival (so it includes the queue the burst builds);
- steady: events committed one per transaction at a fixed rate; latency from each commit to its arrival;
then the receiver's posts against its distinct `webhook-id`s, over the whole run: a repeat is a delivery posted
more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bench.dashboard.database import running_server
from bench.dashboard.report import percentile
from bench.webhooks.receiver import Receiver
from bench.webhooks.setup import commit_events, fresh_database, redis_server, tenant_with_endpoint, worker_process
from db.engine import create_engine, create_sessionmaker


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__)
    parser.add_argument("--events", type=int, default=2000, help="Events in the burst (default: %(default)s).")
    parser.add_argument("--rate", type=float, default=50.0, help="Steady events per second (default: %(default)s).")
    parser.add_argument("--seconds", type=float, default=10.0, help="Steady run length (default: %(default)s).")
    parser.add_argument("--threads", type=int, default=8, help="Worker threads (default: %(default)s).")
    parser.add_argument("--database-url", help="A PostgreSQL server (superuser); embedded when not given.")
    parser.add_argument("--redis-url", help="A Redis server; a throwaway redis-server when not given.")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "rhythm-bench-webhooks")
    return parser.parse_args()


async def _wait_for(receiver: Receiver, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while receiver.count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {receiver.count()} of {count} deliveries arrived in {seconds:.0f} s")
        await asyncio.sleep(0.01)


async def _transactions(url: str) -> int:
    """Transactions committed in the bench's database so far (every process's, the bench's own included)."""
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        # The statistics are flushed when a backend's transaction ends, at most once a second: wait that out.
        await asyncio.sleep(1.5)
        await connection.execute("SELECT pg_stat_clear_snapshot()")
        value = await connection.fetchval("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        return int(value)
    finally:
        await connection.close()


def _line(name: str, latencies: list[float], extra: str = "") -> str:
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return f"{name:<8} {len(latencies):>7} {p50:>10.1f} {p99:>10.1f}   {extra}"


async def run(options: argparse.Namespace, admin_url: str, redis_url: str) -> list[str]:
    url = await fresh_database(admin_url, "rhythm_bench_webhooks")
    engine = create_engine(url, pool_size=2)
    sessions = create_sessionmaker(engine)
    receiver = Receiver().start()
    try:
        tenant = await tenant_with_endpoint(sessions, receiver.url)
        log = options.data_dir / "worker.log"
        with worker_process(url, redis_url, log, options.threads):
            # Warm up connections and caches, then measure.
            await commit_events(sessions, tenant, 50)
            await _wait_for(receiver, 50, 60)
            base, posts_before = receiver.count(), receiver.posts

            transactions_before = await _transactions(url)
            committed = await commit_events(sessions, tenant, options.events)
            await _wait_for(receiver, base + options.events, 600)
            # Work that trails the last delivery (completions, replans) settles, and idle processes report their
            # statistics (at least every 10 s), before counting.
            await asyncio.sleep(11)
            per_event = (await _transactions(url) - transactions_before) / options.events
            burst_posts = receiver.posts - posts_before
            arrivals = sorted(receiver.first_seen.values())[base:]
            burst = [arrival - committed for arrival in arrivals]
            rate = options.events / (arrivals[-1] - committed)

            base = receiver.count()
            commits: list[float] = []
            started = time.monotonic()
            for n in range(round(options.rate * options.seconds)):
                await asyncio.sleep(max(0.0, started + n / options.rate - time.monotonic()))
                commits.append(await commit_events(sessions, tenant, 1))
            await _wait_for(receiver, base + len(commits), 120)
            steady_arrivals = sorted(receiver.first_seen.values())[base:]
            steady = [arrival - commit for arrival, commit in zip(steady_arrivals, commits, strict=True)]
        # Counted after the worker stopped, so a repeat that came late is counted too.
        repeats = receiver.posts - receiver.count()
        return [
            f"{'run':<8} {'events':>7} {'p50 ms':>10} {'p99 ms':>10}",
            _line("burst", burst, f"{rate:.0f} deliveries/s ({burst_posts} posts, {per_event:.1f} transactions/event)"),
            _line("steady", steady, f"{options.rate:g} events/s offered"),
            f"receiver: {receiver.posts} posts for {receiver.count()} webhook-ids with the warm-up, {repeats} repeated",
        ]
    finally:
        receiver.stop()
        await engine.dispose()


def main() -> None:
    options = _options()
    options.data_dir.mkdir(parents=True, exist_ok=True)
    with (
        running_server(options.database_url, options.data_dir / "pg") as server,
        redis_server(options.redis_url, options.data_dir / "redis", 6399) as redis_url,
    ):
        lines = asyncio.run(run(options, server.admin_url, redis_url))
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(f"webhooks bench: one `rhythm worker` process, {options.threads} threads; {cores} cores, load {load:.1f}")
    print(f"postgres: {server.label}; redis: {redis_url}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
