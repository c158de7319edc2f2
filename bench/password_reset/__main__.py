"""`python -m bench.password_reset`: does `requestPasswordReset` answer as fast for an unknown address as for an
account's? Through the real app (in process, over its ASGI interface) on a real PostgreSQL: known and unknown
addresses interleaved in a random order, each request timed from post to answer, then the percentiles of both
and their difference. No worker runs, so no email is sent: the request's own work is what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from litestar.testing import AsyncTestClient

from app.main import create_app
from base.settings import Settings
from bench.dashboard.database import running_server
from bench.dashboard.report import percentile
from bench.webhooks.setup import fresh_database

REQUEST = """
mutation($input: RequestPasswordResetInput!) { requestPasswordReset(input: $input) { __typename } }"""
SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { __typename } }"""


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.password_reset", description=__doc__)
    parser.add_argument("--people", type=int, default=200, help="Accounts to ask for (default: %(default)s).")
    parser.add_argument("--requests", type=int, default=2000, help="Requests of each kind (default: %(default)s).")
    parser.add_argument("--database-url", help="A PostgreSQL server (superuser); embedded when not given.")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "rhythm-bench-reset")
    return parser.parse_args()


def _settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        environment="test",
        jwt_secret="bench-secret-" + "x" * 40,
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        log_level="WARNING",
        run_workers_in_process=False,
        rate_limits_enabled=False,
    )


async def _run(url: str, people: int, requests: int) -> dict[str, list[float]]:
    app = create_app(_settings(url))
    known = [f"reset-{uuid.uuid4().hex[:10]}@bench.rhythm.example" for _ in range(people)]
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    async with AsyncTestClient(app=app, base_url="http://rhythm.bench") as client:
        for email in known:
            fields = {"email": email, "password": "bench-password-long", "displayName": "Bench Person"}
            await client.post("/graphql", json={"query": SIGN_UP, "variables": {"input": fields}})
        order = ["known", "unknown"] * requests
        random.Random(7).shuffle(order)
        for kind in ["known", "unknown"] * 50 + order:  # the first 100 warm up, and are dropped below
            email = random.choice(known) if kind == "known" else f"nobody-{uuid.uuid4().hex[:10]}@bench.rhythm.example"
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": REQUEST, "variables": {"input": {"email": email}}})
            elapsed = time.perf_counter() - started
            assert response.json() == {"data": {"requestPasswordReset": {"__typename": "EmailRequested"}}}
            timings[kind].append(elapsed * 1000)
    return {kind: values[50:] for kind, values in timings.items()}


def main() -> None:
    options = _options()
    with running_server(options.database_url, options.data_dir) as server:
        url = asyncio.run(fresh_database(server.admin_url, "rhythm_bench_reset"))
        timings = asyncio.run(_run(url, options.people, options.requests))
    print(f"requestPasswordReset, {options.requests} requests of each kind, in process ({server.label})")
    print(f"{'address':<10}{'median ms':>12}{'p90 ms':>10}{'p99 ms':>10}{'mean ms':>10}")
    for kind, values in timings.items():
        ordered = sorted(values)
        print(
            f"{kind:<10}{statistics.median(ordered):>12.3f}{percentile(ordered, 0.9):>10.3f}"
            f"{percentile(ordered, 0.99):>10.3f}{statistics.fmean(ordered):>10.3f}"
        )
    difference = statistics.median(timings["known"]) - statistics.median(timings["unknown"])
    print(f"median difference (known - unknown): {difference:+.3f} ms")


if __name__ == "__main__":
    main()
