"""`python -m bench.live`: `taskEvents` subscribers measured from outside.

N people of one company subscribe to `taskEvents` (plus N/10 of another company, who must get nothing); the owner
creates tasks at a steady rate over HTTP. Printed: the time from each `createTask` request to each subscriber's
message (p50, p99, max), lost, duplicated and leaked events, the API processes' CPU per event and their resident
memory before the subscribers came, while they listened, and after they left, and how the WebSockets spread over
the API processes. `--redis` runs the API with Redis pub/sub and a `rhythm worker` (use `--workers 2` for two API
processes); without it the jobs run inside the one API process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx

from bench.dashboard.database import running_server
from bench.dashboard.report import percentile
from bench.live import processes
from bench.live.clients import Subscriber, close_all, open_all
from bench.live.setup import Company, fresh_database, load_company, serving, token_of
from bench.webhooks.setup import redis_server

ROOT = Path(__file__).resolve().parents[2]
CREATE_TASK = """
mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename ... on Task { id } } }
"""


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.live", description=__doc__)
    parser.add_argument("--subscribers", type=int, default=1000, help="N (default: %(default)s).")
    parser.add_argument("--tasks", type=int, default=50, help="Tasks created (default: %(default)s).")
    parser.add_argument("--rate", type=float, default=5.0, help="Tasks a second (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=1, help="API processes (default: %(default)s).")
    parser.add_argument("--redis", action="store_true", help="Redis pub/sub and a `rhythm worker`.")
    parser.add_argument("--redis-url", help="A Redis server; a throwaway redis-server when not given.")
    parser.add_argument("--cycles", type=int, default=1, help="Connect, measure, leave; this many times.")
    parser.add_argument("--repo", type=Path, default=ROOT, help="The checkout whose server runs (default: this).")
    parser.add_argument("--database-url", help="A PostgreSQL server (superuser); embedded when not given.")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "rhythm-bench-live")
    return parser.parse_args()


async def _create_task(client: httpx.AsyncClient, company: Company, title: str) -> tuple[str | None, float]:
    """The new task's id (None when the API failed to make it: an overloaded process times out) and when the
    request was sent."""
    started = time.time()
    response = await client.post(
        "/graphql",
        json={"query": CREATE_TASK, "variables": {"input": {"companyId": company.global_id, "title": title}}},
        headers={"Authorization": f"Bearer {token_of(company.owner)}"},
    )
    task = (response.json().get("data") or {}).get("createTask") or {}
    return (str(task["id"]) if task.get("__typename") == "Task" else None), started


async def _until_everyone_heard(client: httpx.AsyncClient, company: Company, subscribers: list[Subscriber]) -> int:
    """Probe tasks until every subscriber heard one (then all of them listen), for at most 5 minutes. How many
    never heard one."""
    probes: set[str] = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        task_id, _ = await _create_task(client, company, "Probe")
        if task_id is not None:
            probes.add(task_id)
        wait_until = time.monotonic() + 10
        while time.monotonic() < wait_until:
            if all(subscriber.arrivals.keys() & probes for subscriber in subscribers):
                return 0
            await asyncio.sleep(0.1)
    return sum(1 for subscriber in subscribers if not subscriber.arrivals.keys() & probes)


async def _cycle(options: argparse.Namespace, base_url: str, ws_url: str, a: Company, b: Company,
                 pids: list[int], port: int) -> list[str]:  # fmt: skip
    members_a = a.members[: options.subscribers]
    members_b = b.members[: max(1, options.subscribers // 10)]
    subscribers_a = [Subscriber(token_of(person)) for person in members_a]
    subscribers_b = [Subscriber(token_of(person)) for person in members_b]
    rss_before = sum(processes.rss_mb(pid) for pid in pids)
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        connect_started = time.monotonic()
        await open_all([*subscribers_a, *subscribers_b], ws_url)
        connected_in = time.monotonic() - connect_started
        spread = processes.established_per_process(pids, port)
        deaf = await _until_everyone_heard(client, a, subscribers_a) + await _until_everyone_heard(
            client, b, subscribers_b
        )
        rss_listening = sum(processes.rss_mb(pid) for pid in pids)
        cpu_before = processes.cpu_seconds(pids)
        sent: dict[str, float] = {}
        failed = 0
        started = time.monotonic()
        for n in range(options.tasks):
            await asyncio.sleep(max(0.0, started + n / options.rate - time.monotonic()))
            task_id, at = await _create_task(client, a, f"Bench {n}")
            if task_id is None:
                failed += 1
            else:
                sent[task_id] = at
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(subscriber.arrivals.keys() >= sent.keys() for subscriber in subscribers_a):
                break
            await asyncio.sleep(0.2)
        # Late duplicates and leaks have a moment to show.
        await asyncio.sleep(2)
        cpu_spent = processes.cpu_seconds(pids) - cpu_before
        elapsed = time.monotonic() - started
    latencies = [
        arrivals[0] - sent[task_id]
        for subscriber in subscribers_a
        for task_id, arrivals in subscriber.arrivals.items()
        if task_id in sent
    ]
    lost = sum(len(sent.keys() - subscriber.arrivals.keys()) for subscriber in subscribers_a)
    duplicated = sum(len(arrivals) - 1 for subscriber in subscribers_a for arrivals in subscriber.arrivals.values())
    leaked = sum(len(subscriber.arrivals.keys() & sent.keys()) for subscriber in subscribers_b)
    errors = sum(len(subscriber.errors) for subscriber in [*subscribers_a, *subscribers_b])
    await close_all([*subscribers_a, *subscribers_b])
    await asyncio.sleep(5)
    rss_after = sum(processes.rss_mb(pid) for pid in pids)
    expected = len(sent) * len(subscribers_a)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return [
        f"  connected {len(subscribers_a)} + {len(subscribers_b)} sockets in {connected_in:.1f} s"
        f" ({deaf} had heard no probe after 5 minutes);"
        f" per API process: {sorted(spread.values(), reverse=True)}",
        f"  commit-to-message (from each createTask request): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
        f" max {max(latencies, default=0) * 1000:.0f} ms over {len(latencies)} of {expected} deliveries",
        f"  lost {lost}, duplicated {duplicated}, leaked {leaked}, error messages {errors};"
        f" createTask failed {failed} of {options.tasks} times",
        f"  API CPU: {cpu_spent:.2f} s over {elapsed:.1f} s ({cpu_spent / elapsed * 100:.0f}% of a core),"
        f" {cpu_spent / max(len(sent), 1) * 1000:.1f} ms per event,"
        f" {cpu_spent / max(expected, 1) * 1e6:.0f} us per delivery",
        f"  API RSS: {rss_before:.0f} MB before, {rss_listening:.0f} MB listening,"
        f" {rss_after:.0f} MB 5 s after they left",
    ]


async def run(options: argparse.Namespace, admin_url: str, redis_url: str | None) -> list[str]:
    url = await fresh_database(admin_url, "rhythm_bench_live", options.repo, options.data_dir / "run")
    a = await load_company(url, "Bench Live A", options.subscribers)
    b = await load_company(url, "Bench Live B", max(1, options.subscribers // 10))
    lines = []
    with serving(options.repo, url, redis_url, options.workers, options.data_dir / "run") as servers:
        pids = processes.api_processes(servers.serve.pid)
        for cycle in range(options.cycles):
            lines.append(f"cycle {cycle + 1}:")
            lines += await _cycle(options, servers.http_url, servers.ws_url, a, b, pids, servers.port)
    return lines


def main() -> None:
    options = _options()
    options.data_dir.mkdir(parents=True, exist_ok=True)
    with running_server(options.database_url, options.data_dir / "pg") as server:
        if options.redis:
            with redis_server(options.redis_url, options.data_dir / "redis", 6398) as redis_url:
                lines = asyncio.run(run(options, server.admin_url, redis_url))
        else:
            lines = asyncio.run(run(options, server.admin_url, None))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    transport = "Redis pub/sub and a rhythm worker" if options.redis else "in memory, jobs in the API process"
    print(f"live bench: {options.subscribers} subscribers of company A, {max(1, options.subscribers // 10)} of B;"
          f" {options.tasks} tasks at {options.rate:g}/s; {options.workers} API process(es), {transport}")  # fmt: skip
    print(f"server code: {options.repo}; {os.cpu_count()} cores, load average {load}; postgres: {server.label}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
