"""`python -m bench.compare`: Rhythm, PostGraphile 4 and PostGraphile 5 side by side on one data set; prints one
table."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.compare import load as load_generator
from bench.compare.database import (
    STATISTICS,
    Counted,
    enable_counting,
    per_request,
    running_server,
    set_extended_statistics,
    snapshot,
)
from bench.compare.operations import end_cursor, with_fresh_ids
from bench.compare.options import Options, parse
from bench.compare.queries import Contents, Pair, contents, pairs
from bench.compare.report import LABELS, Row, table
from bench.compare.servers import (
    Running,
    install_postgraphile,
    rhythm_starter,
    rss_peak,
    serving,
    tree_cpu_seconds,
)
from bench.dashboard.database import Server, mark_loaded, prepare_database, server_version
from bench.dashboard.load import count_rows, load
from bench.dashboard.report import busy, load_average, machine, now
from bench.dashboard.server import REPOSITORY, log_in
from db import migrate

VERSIONS = {"postgraphile": "4.14.1", "postgraphile5": "5.1.5"}
TREE = "rhythm_tree"  # the server of --rhythm-tree

LEGEND = """\
req/s: answers without error per second over all rounds. p50, p99: latency over all rounds (with wrk, its
1,000 quantiles of each round, merged). SQL/req: statements PostgreSQL ran per request, from pg_stat_statements
over {counted} sequential requests less the background counted over as long idle, rounded per statement: BEGIN,
the caller settings, every query, COMMIT, and any pool pre-ping. PG ms/req: PostgreSQL's planning and execution
time of those statements per request (planning counted by an embedded server; a server given by --database-url
counts it only with pg_stat_statements.track_planning on), over the same sequential requests (one client at a
time). RSS MB: peak resident
memory of the server's whole process tree, sampled every 0.25 s during the measured runs. CPU ms/req: user and
system CPU time of the server's process tree over the measured runs, per request. client CPU: the load
generator's share of one core. req/s by round: each measured run, for the spread. Rhythm / PG4, Rhythm / PG5:
Rhythm's row divided by that PostGraphile's (req/s above 1x, latency and CPU below 1x favour Rhythm). All
servers stay up throughout; the idle ones wait (with --rhythm-jobs, Rhythm's outbox relay and periodic jobs work
in the background). Client, servers and PostgreSQL share the machine's cores."""


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


def _servers(pair: Pair, running: dict[str, Running]) -> tuple[str, ...]:
    """The running servers that have a document for this row (Rhythm's alone where PostGraphile has none)."""
    return tuple(name for name in running if name in pair.by_server)


def _bodies(pair: Pair, server: str) -> list[bytes]:
    return [
        json.dumps({"query": document, "variables": variables}, separators=(",", ":")).encode()
        for document, variables in pair.by_server[server].bodies()
    ]


async def _post(base_url: str, token: str, body: bytes) -> tuple[dict[str, object], int]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        response = await client.post("/graphql", content=with_fresh_ids(body), headers=headers)
    payload = response.json()
    if response.status_code != 200 or payload.get("errors") or not payload.get("data"):
        raise RuntimeError(f"{base_url}: HTTP {response.status_code}: {response.text[:1000]}")
    return payload["data"], len(response.content)


async def _answers(pair: Pair, running: dict[str, Running], token: str) -> str:
    """Every server's first answer to the operation, which must hold the same objects."""
    found: dict[str, tuple[Contents, int]] = {}
    for name in _servers(pair, running):
        data, size = await _post(running[name].base_url, token, _bodies(pair, name)[0])
        found[name] = (contents("rhythm" if name == TREE else name, data), size)
    mine, my_size = found["rhythm"]
    if len(found) == 1:
        return f"{pair.name}: {mine.describe()}; Rhythm alone, {my_size:,} bytes"
    for name, (theirs, _) in found.items():
        if mine.counts != theirs.counts or mine.identity != theirs.identity:
            raise RuntimeError(f"{pair.name}: the servers disagree: Rhythm {mine}, {LABELS[name]} {theirs}")
    sizes = ", ".join(f"{LABELS[name]} {size:,} bytes" for name, (_, size) in found.items())
    return f"{pair.name}: {mine.describe()}; {mine.sameness}; {sizes}"


async def _with_cursors(pair: Pair, running: dict[str, Running], token: str) -> Pair:
    """The pair with each server's own cursors filled in, from its answer to the first page."""
    by_server = dict(pair.by_server)
    for name in _servers(pair, running):
        operation = by_server[name]
        if operation.cursor is None:
            continue
        cursors: list[str | None] = []
        for variables in operation.variables:
            first = {key: value for key, value in variables.items() if key != operation.cursor.variable}
            body = json.dumps({"query": operation.cursor.first_page, "variables": first}).encode()
            data, _ = await _post(running[name].base_url, token, body)
            cursors.append(end_cursor(data))
        by_server[name] = operation.with_cursors(cursors)
    return replace(pair, by_server=by_server)


async def _count(options: Options, admin_url: str, pair: Pair, running: Running, token: str) -> Counted:
    bodies = _bodies(pair, running.name)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=running.base_url, headers=headers, timeout=60.0) as client:
        for number in range(5):
            await client.post("/graphql", content=with_fresh_ids(bodies[number % len(bodies)]))
        before = await snapshot(admin_url, options.database_name)
        started = time.perf_counter()
        for number in range(options.counted_requests):
            body = with_fresh_ids(bodies[number % len(bodies)])
            (await client.post("/graphql", content=body)).raise_for_status()
        busy = time.perf_counter() - started
    during = await snapshot(admin_url, options.database_name)
    # As long again with no request, to measure what runs in the background meanwhile.
    started = time.perf_counter()
    await asyncio.sleep(max(busy, 2.0))
    idle = time.perf_counter() - started
    after = await snapshot(admin_url, options.database_name)
    return per_request(before, during, after, options.counted_requests, busy / idle)


async def _measure_pair(
    options: Options, pair: Pair, running: dict[str, Running], loads: dict[str, load_generator.Load]
) -> list[Row]:
    rows: list[Row] = []
    for clients in options.concurrency:
        if pair.max_clients is not None and clients > pair.max_clients:
            continue
        # Access tokens live 15 minutes at most: a fresh one for each pair of rows.
        token = await log_in(running["rhythm"].base_url, pair.email)
        by_server = {name: Row(query=pair.name, clients=clients, server=name) for name in _servers(pair, running)}
        if options.warmup > 0:
            for name in _servers(pair, running):
                await loads[name].run(token, clients, options.warmup)
        for round_number in range(options.rounds):
            for name in _servers(pair, running):
                progress(f"{pair.name}, {clients} clients, {LABELS[name]}, round {round_number + 1}")
                cpu_before = tree_cpu_seconds(running[name].pid)
                async with rss_peak(running[name].pid) as peak:
                    run = await loads[name].run(token, clients, options.duration)
                by_server[name].cpu_seconds += tree_cpu_seconds(running[name].pid) - cpu_before
                by_server[name].runs.append(run)
                by_server[name].rss_peak = max(by_server[name].rss_peak, peak[0])
                if run.first_error:
                    progress(f"{LABELS[name]}: {run.errors} errors, the first: {run.first_error}")
        rows.extend(by_server.values())
    return rows


def _statements_report(counted: dict[tuple[str, str], Counted]) -> str:
    lines: list[str] = []
    for (query, name), found in counted.items():
        summary = f"{found.per_request} statements per request, {found.db_ms:.1f} ms in PostgreSQL"
        lines.append(f"\n{LABELS[name]}, {query}: {summary} (estimated runs of each):")
        lines.extend(f"  {runs:5.2f}  {sql[:150]}" for runs, sql in found.statements)
    return "\n".join(lines)


@dataclass(slots=True)
class Outcome:
    answers: list[str] = field(default_factory=list)
    counted: dict[tuple[str, str], Counted] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    processes: dict[str, int] = field(default_factory=dict)


def _names(options: Options) -> tuple[str, ...]:
    """The servers, in the order they run in every round."""
    return ("rhythm", *((TREE,) if options.rhythm_tree else ()), *options.against)


async def _start(options: Options, url: str, secret: str, work_dir: Path, stack: AsyncExitStack) -> dict[str, Running]:
    running: dict[str, Running] = {}
    for name in _names(options):
        progress(f"starting {LABELS[name]} with {options.workers} workers")
        starter = rhythm_starter(options.rhythm_tree, TREE) if name == TREE and options.rhythm_tree else None
        process = serving(
            name, url, options.workers, options.pool_size, secret, work_dir, jobs=options.rhythm_jobs, starter=starter
        )
        running[name] = await stack.enter_async_context(process)
    return running


async def _side_by_side(options: Options, server: Server, targets: list[Pair], counting: bool, wrk: bool) -> Outcome:
    url = server.url_of(options.database_name)
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="rhythm-bench-compare-") as work:
        work_dir = Path(work)
        async with AsyncExitStack() as stack:
            running = await _start(options, url, secrets.token_urlsafe(48), work_dir, stack)
            outcome.processes = {name: found.processes for name, found in running.items()}
            resolved: list[Pair] = []
            for unresolved in targets:
                token = await log_in(running["rhythm"].base_url, unresolved.email)
                pair = await _with_cursors(unresolved, running, token)
                resolved.append(pair)
                outcome.answers.append(await _answers(pair, running, token))
                for name in _servers(pair, running) if counting else ():
                    found = await _count(options, server.admin_url, pair, running[name], token)
                    outcome.counted[(pair.name, name)] = found
                await _clean_up(server, options, pair)
            for number, pair in enumerate(resolved):
                loads = {
                    name: load_generator.prepare(
                        running[name].base_url, _bodies(pair, name), work_dir, f"{name}-{number}", wrk
                    )
                    for name in _servers(pair, running)
                }
                for row in await _measure_pair(options, pair, running, loads):
                    found = outcome.counted.get((row.query, row.server))
                    row.statements = None if found is None else found.per_request
                    row.db_ms = None if found is None else found.db_ms
                    outcome.rows.append(row)
                await _clean_up(server, options, pair)
    return outcome


async def _clean_up(server: Server, options: Options, pair: Pair) -> None:
    """Take out what the row's writes added."""
    if pair.cleanup is None:
        return
    connection = await asyncpg.connect(server.url_of(options.database_name))
    try:
        await connection.execute(pair.cleanup)
    finally:
        await connection.close()


def _header(options: Options, server: Server, facts: dict[str, str], outcome: Outcome) -> list[str]:
    jobs = "in its API processes" if options.rhythm_jobs else "left to rhythm worker (none here)"
    others = [f"PostGraphile {VERSIONS[name]}" for name in options.against]
    if options.rhythm_tree:
        others.insert(0, f"Rhythm of {options.rhythm_tree}")
    order = ", ".join(f"{LABELS[name]} {options.duration} s" for name in _names(options))
    return [
        f"Rhythm and {' and '.join(others)} side by side, {now()}",
        f"machine    {machine()}; load average {facts['load before']} before, {load_average()} after (1/5/15 min)",
        f"tree       {facts['tree']}",
        *([f"other tree {_tree(options.rhythm_tree)} ({options.rhythm_tree})"] if options.rhythm_tree else []),
        f"postgres   PostgreSQL {facts['version']}, {server.label}, database {options.database_name}",
        f"data set   {facts['data set']}",
        f"statistics {_statistics_line(options)}",
        f"Rhythm     rhythm serve --workers {options.workers} ({outcome.processes['rhythm']} processes), pool"
        f" {options.pool_size} (up to {2 * options.pool_size}, kept once opened) per process, production settings;"
        f" background jobs {jobs}",
        *(
            f"PostGraphile {VERSIONS[name]} on node {facts[name]}, library mode, node cluster of {options.workers}"
            f" ({outcome.processes[name]} processes), pool {options.pool_size} per process"
            for name in options.against
        ),
        "all run each request as rhythm_app with the same caller settings and policies",
        f"load       {facts['generator']} on 127.0.0.1; per row group {options.warmup} s warm-up each, then"
        f" {options.rounds} x ({order})",
        *(f"answers    {answer}" for answer in outcome.answers),
    ]


def _git(tree: Path, *args: str) -> str:
    command = ["git", *args]
    return subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603


def _tree(tree: Path = REPOSITORY) -> str:
    """The commit a server ran, and whether the working tree differed from it (untracked files aside)."""
    try:
        commit = _git(tree, "rev-parse", "--short", "HEAD")
        changed = _git(tree, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} with uncommitted changes" if changed else commit


def _statistics_line(options: Options) -> str:
    if options.extended_statistics:
        targets = [f"{table} ({columns})" for table, columns in STATISTICS.values()]
        return "as migrated, plus dependency statistics on " + " and ".join(targets)
    return "as migrated (--extended-statistics adds dependency statistics the migrations lack)"


def _data_set_line(options: Options, rows: dict[str, int], how: str) -> str:
    personal = rows.get("companies", 0) - options.shape.companies
    return (
        f"{options.shape.companies} companies (+{personal:,} personal), {rows.get('users', 0):,} people,"
        f" {rows.get('projects', 0):,} projects, {rows.get('tasks', 0):,} tasks, {rows.get('subtasks', 0):,}"
        f" subtasks; {how}"
    )


async def bench(options: Options, server: Server) -> None:
    facts = {"load before": load_average(), "tree": _tree()}
    if busy():
        progress(f"the machine is busy (load average {facts['load before']} on {os.cpu_count()} cores): noisy numbers")
    for name in options.against:
        facts[name] = await asyncio.to_thread(install_postgraphile, name)
    wrk = load_generator.wrk_version() if options.use_wrk else None
    facts["generator"] = f"{wrk} (1 thread, Lua body)" if wrk else "Python closed loop (httpx, one process)"
    url = server.url_of(options.database_name)
    rows, how = await _data_set(options, server, url)
    facts["data set"] = _data_set_line(options, rows, how)
    await set_extended_statistics(url, enabled=options.extended_statistics)
    not_counted = await enable_counting(server.admin_url)
    if not_counted:
        progress(f"SQL/req is not counted: {not_counted}")
    facts["version"] = await server_version(server.admin_url)
    chosen = [pair for pair in await pairs(url) if not options.only or any(text in pair.name for text in options.only)]
    if options.rhythm_tree:
        # The other tree answers Rhythm's own documents.
        chosen = [replace(pair, by_server=pair.by_server | {TREE: pair.by_server["rhythm"]}) for pair in chosen]
    outcome = await _side_by_side(options, server, chosen, not not_counted, wrk is not None)
    print("\n" + "\n".join(_header(options, server, facts, outcome)) + "\n")
    print(table(outcome.rows))
    print("\n" + LEGEND.format(counted=options.counted_requests))
    if options.statements:
        print(_statements_report(outcome.counted))


def _run(main: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    uvloop.run(main)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    with running_server(options.database_url, options.data_dir) as server:
        _run(bench(options, server))


if __name__ == "__main__":
    main()
