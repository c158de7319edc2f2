"""A bounded closed-loop load: `concurrency` clients, each sending its next request when the last one answered."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.dashboard.queries import Case
from bench.dashboard.report import Measurement


@dataclass(slots=True)
class _Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None


async def _drive(
    client: httpx.AsyncClient, bodies: Sequence[bytes], concurrency: int, seconds: float, max_requests: int
) -> _Run:
    run = _Run()
    numbers = itertools.count()
    deadline = time.perf_counter() + seconds

    async def client_loop() -> None:
        while time.perf_counter() < deadline:
            number = next(numbers)
            if number >= max_requests:
                return
            started = time.perf_counter()
            try:
                response = await client.post("/graphql", content=bodies[number % len(bodies)])
                failure = None if response.status_code == 200 and b'"errors"' not in response.content else response.text
            except httpx.HTTPError as error:
                failure = repr(error)
            if failure is None:
                run.latencies.append(time.perf_counter() - started)
            else:
                run.errors += 1
                run.first_error = run.first_error or failure[:500]

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return run


async def measure(
    base_url: str, token: str, case: Case, concurrency: int, seconds: float, warmup: float, max_requests: int
) -> Measurement:
    bodies = [json.dumps({"query": case.document, "variables": variables}).encode() for variables in case.variables]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=60.0) as client:
        if warmup > 0:
            await _drive(client, bodies, concurrency, warmup, max_requests)
        cpu, started = time.process_time(), time.perf_counter()
        run = await _drive(client, bodies, concurrency, seconds, max_requests)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    if run.first_error:
        print(f"bench: {case.name} at c={concurrency}: {run.errors} errors, the first: {run.first_error}")
    return Measurement(
        query=case.name,
        mode=f"http c={concurrency}",
        latencies=run.latencies,
        elapsed=elapsed,
        errors=run.errors,
        client_cpu=cpu / elapsed if elapsed > 0 else None,
    )
