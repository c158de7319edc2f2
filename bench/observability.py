"""What tracing and multi-process metrics cost: p50/p99 of `/health`, a filtered task list, the dashboard and
`previewSchedule`, at 1 and 16 clients, against one `rhythm serve` process with them on (spans exported over
OTLP/HTTP to a loopback sink, PROMETHEUS_MULTIPROC_DIR set) and off, and the ratio on/off.

    .venv/bin/python -m bench.observability [--requests 200] [--tasks 200]

An embedded PostgreSQL in a temporary folder; nothing leaves this machine. Figures, not a test: they move with
the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.dashboard.queries import DASHBOARD
from bench.dashboard.server import REPOSITORY, free_port
from db import embedded, migrate

SECRET = "bench-observability-" + "z" * 40
SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { ... on AuthPayload { accessToken } } }"""
COMPANY = "{ viewer { companies(first: 5) { nodes { id isPersonal } } } }"
CREATE = """mutation($input: CreateTaskInput!) { createTask(input: $input) { __typename } }"""
TASKS = """query Tasks($company: ID!) { tasks(first: 50, filter: {companyId: $company, status: [TODO, IN_PROGRESS],
  dueAfter: "2020-01-01T00:00:00Z"}) { nodes { id title status priority dueAt } } }"""
PREVIEW = """mutation Preview { previewSchedule { __typename } }"""


@contextmanager
def otlp_sink() -> Iterator[str]:
    """An OTLP/HTTP endpoint that accepts and drops every export, as a collector would take them."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def serving(database_url: str, folder: Path, observed: bool, sink: str) -> Iterator[str]:
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RHYTHM_JWT_SECRET": SECRET,
        "RHYTHM_ENVIRONMENT": "production",
        "RHYTHM_DATA_DIR": str(folder / "data"),
        "RHYTHM_SEED_DEMO": "false",
        "RHYTHM_RATE_LIMITS_ENABLED": "false",
        "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
        "RHYTHM_LOG_LEVEL": "WARNING",
    }
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "PROMETHEUS_MULTIPROC_DIR", "REDIS_URL"):
        environment.pop(name, None)
    if observed:
        metrics = folder / f"metrics-{port}"
        metrics.mkdir(parents=True)
        environment |= {"OTEL_EXPORTER_OTLP_ENDPOINT": sink, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    process = subprocess.Popen(  # noqa: S603  (our own interpreter)
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("rhythm serve did not become ready")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def prepare(base: str, tasks: int) -> tuple[str, str]:
    """A person with `tasks` tasks in their personal company: their token and the company id."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        email = f"bench-{time.time_ns()}@rhythm.test"
        variables = {"input": {"email": email, "password": "bench password 1", "displayName": "Bench"}}
        token = (await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()["data"][
            "signUp"
        ]["accessToken"]
        headers = {"Authorization": f"Bearer {token}"}
        companies = (await client.post("/graphql", json={"query": COMPANY}, headers=headers)).json()
        company = next(c["id"] for c in companies["data"]["viewer"]["companies"]["nodes"] if c["isPersonal"])
        for n in range(tasks):
            task = {"companyId": company, "title": f"Task {n}", "estimatedMinutes": 30 + n % 90}
            if n % 3:
                task["dueAt"] = f"2030-01-{1 + n % 28:02d}T12:00:00Z"
            await client.post("/graphql", json={"query": CREATE, "variables": {"input": task}}, headers=headers)
        return token, company


Target = tuple[str, str, dict[str, object] | None]


def targets(token: str, company: str) -> dict[str, Target]:
    return {
        "/health": ("GET", "/health", None),
        "task list (filtered)": ("POST", "/graphql", {"query": TASKS, "variables": {"company": company}}),
        "dashboard": ("POST", "/graphql", {"query": DASHBOARD}),
        "previewSchedule": ("POST", "/graphql", {"query": PREVIEW}),
    }


async def measure(base: str, token: str, target: Target, clients: int, n: int) -> list[float]:
    method, path, body = target
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=clients)) as client:

        async def one_client() -> None:
            for _ in range(n):
                started = time.perf_counter()
                response = await client.request(method, path, json=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(one_client() for _ in range(max(1, clients))))
    return latencies


def quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def run(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="rhythm-observability-") as temporary, otlp_sink() as sink:
        folder = Path(temporary)
        cluster = embedded.start(folder / "pg")
        try:
            await embedded.ensure_database(cluster.url("postgres"), "rhythm")
            url = cluster.url("rhythm")
            await asyncio.to_thread(migrate.upgrade, url)
            results: dict[tuple[str, int, bool], list[float]] = {}
            token = company = ""
            for observed in (False, True):
                with serving(url, folder, observed, sink) as base:
                    if not token:
                        token, company = await prepare(base, arguments.tasks)
                    for name, target in targets(token, company).items():
                        await measure(base, token, target, 1, 10)  # warm-up
                        for clients in (1, 16):
                            per_client = max(1, arguments.requests // clients)
                            results[(name, clients, observed)] = await measure(base, token, target, clients, per_client)
        finally:
            cluster.stop()
    columns = "".join(f"{column:>10}" for column in ("p50 off", "p99 off", "p50 on", "p99 on"))
    print(f"{'target':<22}{'clients':>8}{columns}{'p50 on/off':>12}{'p99 on/off':>12}")
    for (name, clients, observed), latencies in results.items():
        if observed:
            continue
        on = results[(name, clients, True)]
        p50_off, p99_off, p50_on, p99_on = (
            quantile(latencies, 0.5),
            quantile(latencies, 0.99),
            quantile(on, 0.5),
            quantile(on, 0.99),
        )
        print(
            f"{name:<22}{clients:>8}{p50_off:>9.1f}ms{p99_off:>8.1f}ms{p50_on:>8.1f}ms{p99_on:>8.1f}ms"
            f"{p50_on / p50_off:>12.2f}{p99_on / p99_off:>12.2f}"
        )
    print(
        f"requests per target and concurrency: {arguments.requests}; mean of all: "
        f"{statistics.mean(v for values in results.values() for v in values) * 1000:.1f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.observability", description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per target and concurrency")
    parser.add_argument("--tasks", type=int, default=200, help="tasks the benchmark's person has")
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
