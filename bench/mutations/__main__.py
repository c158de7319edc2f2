"""`python -m bench.mutations`: createTask, updateTask, completeTask and startTimer through the whole app.

The app is built as `rhythm serve` builds it (`create_app`, its lifespan, the Litestar middleware, token checks)
and driven over `httpx.ASGITransport` on this process's one event loop, so the CPU time measured here is the
server's CPU per request (PostgreSQL's aside). `--profile` prints where a row spends its time (pyinstrument).

It takes the dashboard bench's options; its writes go to a database of their own (rhythm_bench_mutations).
"""

from __future__ import annotations

import argparse
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import asyncpg
import httpx

from app.main import create_app, settle_heap
from base.settings import Settings
from bench.dashboard.__main__ import _data_set, _run, progress
from bench.dashboard.counting import StatementCounter
from bench.dashboard.database import Server, running_server
from bench.dashboard.dataset import BENCH_EMAIL, PASSWORD
from bench.dashboard.options import Options, parse
from bench.dashboard.queries import LOG_IN, global_id
from bench.dashboard.report import Measurement, load_average, machine, now, table
from bench.profiling import print_profile

WARMUP_RUNS = 20
COUNTED_RUNS = 10  # after the timed runs, with the statement counter attached (it costs CPU of its own)
SAMPLE = 200

CREATE = """
mutation Create($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Task { id title status } }
}
"""
UPDATE = """
mutation Rename($id: ID!, $title: String!) {
  updateTask(input: {id: $id, title: $title}) { __typename ... on Task { id title } }
}
"""
COMPLETE = """
mutation Complete($id: ID!) {
  completeTask(input: {id: $id}) { __typename ... on Task { id status completedAt } }
}
"""
START_TIMER = """
mutation Start($taskId: ID!) {
  startTimer(input: {taskId: $taskId, stopRunning: true}) { __typename ... on TimeEntry { id startedAt } }
}
"""

LEGEND = """\
SQL/req: statements a request sends (the caller settings included); trips/req adds BEGIN and COMMIT; db ms/req
the time inside those statements. All three are counted over 10 more requests after the timed ones. app CPU ms:
this process's CPU time per request (the app, Litestar, httpx's in-process transport; PostgreSQL's not included),
steadier than wall time on a busy machine. completeTask cycles through tasks that end up done: after the first
round it completes done tasks again (no status change, still an UPDATE and an outbox event). startTimer stops the
running timer first (stopRunning: true). The machine's load average is printed with the figures: other work on
its cores skews them."""


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    document: str
    variables: tuple[dict[str, Any], ...]


async def _rows(url: str) -> list[Row]:
    connection = await asyncpg.connect(url)
    try:
        user_id = await connection.fetchval("SELECT id FROM users WHERE email = $1", BENCH_EMAIL)
        company_id = await connection.fetchval(
            "SELECT company_id FROM memberships WHERE user_id = $1 ORDER BY company_id LIMIT 1", user_id
        )
        task_ids = [
            record["id"]
            for record in await connection.fetch(
                "SELECT id FROM tasks WHERE company_id = $1 ORDER BY id LIMIT $2", company_id, SAMPLE
            )
        ]
    finally:
        await connection.close()
    company = global_id("Company", company_id)
    tasks = [global_id("Task", task_id) for task_id in task_ids]
    return [
        Row(
            "createTask",
            CREATE,
            tuple({"input": {"companyId": company, "title": f"Bench task {n}", "tags": ["bench"]}} for n in range(50)),
        ),
        Row("updateTask", UPDATE, tuple({"id": task, "title": f"Renamed {n}"} for n, task in enumerate(tasks))),
        Row("completeTask", COMPLETE, tuple({"id": task} for task in tasks)),
        Row("startTimer", START_TIMER, tuple({"taskId": task} for task in tasks)),
    ]


@dataclass(frozen=True, slots=True)
class Target:
    client: httpx.AsyncClient
    counter: StatementCounter


@asynccontextmanager
async def _target(url: str, compiled_mutations: bool = True) -> AsyncIterator[Target]:
    settings = Settings(
        database_url=url,
        jwt_secret=secrets.token_urlsafe(48),
        log_level="WARNING",
        # As bench.compare runs it: production settings, background jobs left to `rhythm worker`.
        environment="production",
        run_workers_in_process=False,
        # A benchmark is many requests from one caller.
        rate_limits_enabled=False,
        seed_demo=False,
        graphql_compiled_mutations=compiled_mutations,
    )
    app = create_app(settings)
    async with app.lifespan():
        settle_heap()
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar types its scopes narrowly
        async with httpx.AsyncClient(transport=transport, base_url="http://rhythm.test") as client:
            response = await client.post(
                "/graphql", json={"query": LOG_IN, "variables": {"email": BENCH_EMAIL, "password": PASSWORD}}
            )
            token = response.json()["data"]["logIn"]["accessToken"]
            client.headers["Authorization"] = f"Bearer {token}"
            yield Target(client, StatementCounter(app.state.engine))


async def _post(client: httpx.AsyncClient, row: Row, number: int) -> bool:
    body = {"query": row.document, "variables": row.variables[number % len(row.variables)]}
    response = await client.post("/graphql", json=body)
    answer = response.json()
    if response.status_code != 200 or answer.get("errors"):
        print(f"bench: {row.name} failed: {response.status_code} {answer}")
        return False
    return True


async def _measure(target: Target, row: Row, runs: int, seconds: float) -> Measurement:
    client = target.client
    for number in range(WARMUP_RUNS):
        await _post(client, row, number)
    latencies: list[float] = []
    errors = 0
    cpu, started = time.process_time(), time.perf_counter()
    for number in range(runs):
        if number >= WARMUP_RUNS and time.perf_counter() - started > seconds:
            break
        began = time.perf_counter()
        if await _post(client, row, number):
            latencies.append(time.perf_counter() - began)
        else:
            errors += 1
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    count = len(latencies) + errors or 1
    with target.counter.attached() as counter:
        counter.take()
        tallies = []
        for number in range(runs, runs + COUNTED_RUNS):
            await _post(client, row, number)
            tallies.append(counter.take())
    return Measurement(
        query=row.name,
        mode="in-process, ASGI",
        latencies=latencies,
        elapsed=elapsed,
        errors=errors,
        statements=sum(len(tally.statements) for tally in tallies) / COUNTED_RUNS,
        round_trips=sum(tally.round_trips for tally in tallies) / COUNTED_RUNS,
        db_seconds=sum(tally.db_seconds for tally in tallies) / COUNTED_RUNS,
        app_cpu=cpu / count,
    )


def _extra(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only", help="Only the rows whose name contains this text.")
    parser.add_argument("--profile", action="store_true", help="Profile each row (pyinstrument).")
    parser.add_argument("--profile-all", action="store_true", help="With --profile: every frame, libraries too.")
    parser.add_argument(
        "--no-compiled-mutations",
        action="store_true",
        help="Every mutation through the GraphQL executor (RHYTHM_GRAPHQL_COMPILED_MUTATIONS=false).",
    )
    return parser.parse_known_args(argv)


async def bench(options: Options, server: Server, extra: argparse.Namespace) -> None:
    url = server.url_of(options.database_name)
    load_before = load_average()
    await _data_set(options, server, url)
    rows = [row for row in await _rows(url) if extra.only is None or extra.only in row.name]
    measurements: list[Measurement] = []
    async with _target(url, compiled_mutations=not extra.no_compiled_mutations) as target:
        for row in rows:
            if extra.profile:
                await print_profile(
                    partial(_post, target.client, row),
                    warmup=WARMUP_RUNS,
                    runs=options.runs,
                    title=row.name,
                    show_all=extra.profile_all,
                )
                continue
            progress(f"in process: {row.name} x {options.runs}")
            measurements.append(await _measure(target, row, options.runs, options.in_process_seconds))
    if extra.profile:
        return
    print(f"\nRhythm mutation bench, {now()}")
    print(f"machine    {machine()}; load average {load_before} before, {load_average()} after (1/5/15 min)")
    print(f"data set   {options.shape.tasks:,} tasks, database {options.database_name} ({server.label})")
    print(f"runs       {options.runs} sequential requests (or {options.in_process_seconds:g} s) after warm-up")
    executor = "the GraphQL executor" if extra.no_compiled_mutations else "compiled mutations where they apply"
    print(f"mutations  {executor}\n")
    print(table(measurements))
    print("\n" + LEGEND)


def main(argv: list[str] | None = None) -> None:
    extra, rest = _extra(argv)
    if not any(argument.startswith("--database-name") for argument in rest):
        rest = [*rest, "--database-name", "rhythm_bench_mutations"]
    options = parse(rest)
    with running_server(options.database_url, options.data_dir) as server:
        _run(bench(options, server, extra))


if __name__ == "__main__":
    os.environ.setdefault("RHYTHM_LOG_LEVEL", "WARNING")
    main()
