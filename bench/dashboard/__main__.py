"""`python -m bench.dashboard`: load (or reuse) the data set, measure, print one table."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bench.dashboard import http_load, inprocess
from bench.dashboard.database import Server, mark_loaded, prepare_database, running_server, server_version
from bench.dashboard.explain import explain
from bench.dashboard.load import count_rows, load
from bench.dashboard.options import Options, parse
from bench.dashboard.queries import Case, cases
from bench.dashboard.report import Measurement, busy, load_average, machine, now, table
from bench.dashboard.server import log_in, serving
from db import migrate

LEGEND = """\
SQL/req: statements one operation sends (counted in process; the HTTP rows run the same resolvers).
trips/req: SQL/req plus BEGIN, COMMIT and the pool's pre-ping (asyncpg: BEGIN; `;`; ROLLBACK).
db ms/req: time spent inside those statements, as the app sees it. app CPU ms: this process's CPU time per
operation (PostgreSQL's not included), steadier than wall time on a busy machine. client CPU: the load
generator's share of one core (it runs on the same machine as the server and PostgreSQL)."""


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


async def _data_set(options: Options, server: Server, url: str) -> tuple[dict[str, int], str]:
    fingerprint = options.shape.fingerprint(options.seed)
    reused = await prepare_database(server.admin_url, options.database_name, fingerprint, fresh=options.fresh)
    await asyncio.to_thread(migrate.upgrade, url)
    if reused:
        return await count_rows(url), "reused (--fresh reloads it)"
    progress(f"loading {options.shape.tasks:,} tasks into {options.database_name} ...")
    loaded = await load(url, options.shape, options.seed)
    await mark_loaded(server.admin_url, options.database_name, fingerprint)
    return loaded.rows, f"loaded in {loaded.seconds:.1f} s"


async def _in_process(options: Options, url: str, targets: list[Case]) -> tuple[list[Measurement], list[str]]:
    measurements: list[Measurement] = []
    notes: list[str] = []
    async with inprocess.app(url) as app:
        for case in targets:
            for executor in inprocess.EXECUTORS:
                progress(f"in process: {case.name} x {options.runs}, {executor}")
                result = await inprocess.measure(app, case, options.runs, options.in_process_seconds, executor)
                measurements.append(result.measurement)
            notes.append(f"{case.name}: {result.response}")
            if options.explain:
                print(f"\nEXPLAIN (ANALYZE) of {case.name}, as rhythm_app for {case.email}:")
                print(await explain(url, case.user_id, result.statements))
    return measurements, notes


async def _over_http(options: Options, url: str, targets: list[Case]) -> list[Measurement]:
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="rhythm-bench-serve-") as work_dir:
        progress(f"starting rhythm serve --workers {options.workers}")
        async with serving(url, options.workers, Path(work_dir)) as base_url:
            for case in targets:
                for concurrency in options.concurrency:
                    # Access tokens live 15 minutes at most: a fresh one for each measurement.
                    token = await log_in(base_url, case.email)
                    progress(f"http: {case.name}, {concurrency} clients, {options.duration:g} s")
                    measurements.append(
                        await http_load.measure(
                            base_url, token, case, concurrency, options.duration, options.warmup, options.max_requests
                        )
                    )
    return measurements


async def bench(options: Options, server: Server) -> None:
    url = server.url_of(options.database_name)
    load_before = load_average()
    if busy():
        progress(f"the machine is busy (load average {load_before} on {os.cpu_count()} cores): expect noisy numbers")
    rows, how = await _data_set(options, server, url)
    version = await server_version(server.admin_url)
    targets = await cases(url)
    measurements, responses = await _in_process(options, url, targets)
    if not options.skip_http:
        measurements += await _over_http(options, url, targets)
    personal = rows.get("companies", 0) - options.shape.companies
    print(f"\nRhythm dashboard bench, {now()}")
    print(f"machine    {machine()}; load average {load_before} before, {load_average()} after (1/5/15 min)")
    print(f"postgres   PostgreSQL {version}, {server.label}, database {options.database_name}")
    print(
        f"data set   {options.shape.companies} companies (+{personal:,} personal), {rows.get('users', 0):,} people,"
        f" {rows.get('memberships', 0):,} memberships, {rows.get('projects', 0):,} projects,"
        f" {rows.get('tasks', 0):,} tasks, {rows.get('subtasks', 0):,} subtasks; {how}"
    )
    print(f"responses  {'; '.join(responses)}")
    print(
        f"runs       in-process: {options.runs} sequential executions (or {options.in_process_seconds:g} s)"
        f" after {inprocess.WARMUP_RUNS} warm-up;"
        f" http: rhythm serve --workers {options.workers} on 127.0.0.1, httpx closed loop,"
        f" {options.warmup:g} s warm-up + {options.duration:g} s per row\n"
    )
    print(table(measurements))
    print("\n" + LEGEND)


def _run(main: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    # The server runs on uvloop too (uvicorn's loop="auto").
    uvloop.run(main)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    with running_server(options.database_url, options.data_dir) as server:
        _run(bench(options, server))


if __name__ == "__main__":
    main()
