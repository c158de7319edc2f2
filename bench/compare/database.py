"""The PostgreSQL server with pg_stat_statements, and SQL statements counted per request from it.

Both servers are counted the same way, by PostgreSQL itself: a snapshot of pg_stat_statements (the bench
database only) before and after a run of sequential requests. Statements are counted as PostgreSQL runs them:
BEGIN and COMMIT, the caller settings and every query (`track = top`, utility commands included).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.dashboard.database import Server
from bench.dashboard.database import running_server as plain_server
from db import embedded

EXTENSION = "pg_stat_statements"


async def _preload(admin_url: str) -> bool:
    """Add the extension to shared_preload_libraries; True when a restart is needed for it to load."""
    connection = await asyncpg.connect(admin_url)
    try:
        loaded = str(await connection.fetchval("SHOW shared_preload_libraries"))
        names = [name.strip() for name in loaded.split(",") if name.strip()]
        if EXTENSION in names:
            return False
        value = ", ".join([*names, EXTENSION]).replace("'", "''")
        await connection.execute(f"ALTER SYSTEM SET shared_preload_libraries = '{value}'")
        return True
    finally:
        await connection.close()


async def _track_planning(admin_url: str) -> None:
    """Count planning time too: a statement PostgreSQL plans again at every execution costs it as much as running."""
    connection = await asyncpg.connect(admin_url)
    try:
        if str(await connection.fetchval(f"SHOW {EXTENSION}.track_planning")) != "on":
            await connection.execute(f"ALTER SYSTEM SET {EXTENSION}.track_planning = on")
            await connection.execute("SELECT pg_reload_conf()")
    finally:
        await connection.close()


@contextmanager
def running_server(database_url: str | None, data_dir: Path) -> Iterator[Server]:
    """The dashboard bench's server; an embedded one gets pg_stat_statements preloaded, counting planning time
    (kept in its data)."""
    if database_url:
        with plain_server(database_url, data_dir) as server:
            yield server
        return
    try:
        cluster = embedded.start(data_dir)
        if asyncio.run(_preload(cluster.url("postgres"))):
            cluster.stop()
            cluster = embedded.start(data_dir)
        asyncio.run(_track_planning(cluster.url("postgres")))
    except embedded.DataDirInUse as error:
        sys.exit(f"bench: {error}")
    try:
        yield Server(admin_url=cluster.url("postgres"), label=f"embedded, data in {data_dir}")
    finally:
        cluster.stop()


async def enable_counting(admin_url: str) -> str | None:
    """None when pg_stat_statements works; otherwise why SQL/req cannot be counted."""
    connection = await asyncpg.connect(admin_url)
    try:
        loaded = str(await connection.fetchval("SHOW shared_preload_libraries"))
        if EXTENSION not in loaded:
            return f"{EXTENSION} is not in shared_preload_libraries of that server"
        # In the maintenance database, so neither API sees (or PostGraphile exposes) the extension's objects.
        await connection.execute(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}")
        return None
    finally:
        await connection.close()


Snapshot = dict[int, tuple[int, float, str]]  # queryid: calls, total planning and execution ms, SQL text


@dataclass(frozen=True, slots=True)
class Counted:
    per_request: int
    db_ms: float  # PostgreSQL's planning and execution time per request, summed over its statements
    statements: list[tuple[float, str]]  # (estimated runs per request, SQL text), most frequent first


async def snapshot(admin_url: str, database: str) -> Snapshot:
    connection = await asyncpg.connect(admin_url)
    try:
        records = await connection.fetch(
            "SELECT s.queryid, sum(s.calls)::bigint AS calls, sum(s.total_plan_time + s.total_exec_time) AS ms,"
            f" min(s.query) AS query FROM {EXTENSION} s JOIN pg_database d ON d.oid = s.dbid"
            " WHERE d.datname = $1 AND s.queryid IS NOT NULL GROUP BY s.queryid",
            database,
        )
    finally:
        await connection.close()
    return {
        int(record["queryid"]): (int(record["calls"]), float(record["ms"]), str(record["query"])) for record in records
    }


def per_request(before: Snapshot, during: Snapshot, after: Snapshot, requests: int, scale: float) -> Counted:
    """Statements per request: what ran during `requests` sequential requests (`before` to `during`), less
    what ran while the servers sat idle from `during` to `after`, times `scale` (busy time over idle time).

    The idle share is other work on the same database: Rhythm's outbox relay and periodic jobs poll in the
    background when they run in its API processes, with the same BEGIN, caller settings and COMMIT as a
    request. That estimate is noisy, and an operation sends the same statements every time, so each
    statement's runs per request are rounded to a whole number.
    """

    def delta(first: Snapshot, second: Snapshot, queryid: int, field: int) -> float:
        return float(second.get(queryid, (0, 0.0, ""))[field] - first.get(queryid, (0, 0.0, ""))[field])

    found: list[tuple[float, str]] = []
    db_ms = 0.0
    for queryid, (_, _, query) in after.items():
        busy = delta(before, during, queryid, 0) - scale * delta(during, after, queryid, 0)
        db_ms += delta(before, during, queryid, 1) - scale * delta(during, after, queryid, 1)
        if busy / requests >= 0.005:
            found.append((busy / requests, " ".join(query.split())))
    found.sort(key=lambda item: -item[0])
    per = sum(round(share) for share, _ in found)
    return Counted(per_request=per, db_ms=max(0.0, db_ms / requests), statements=found)


# Not in Rhythm's migrations: with them, PostgreSQL knows that a project (or a task) implies its company, which
# PostGraphile's correlated sub-queries (parent key and company in one condition each) need for a good plan.
STATISTICS = {
    "bench_tasks_company_project": ("tasks", "company_id, project_id"),
    "bench_subtasks_company_task": ("subtasks", "company_id, task_id"),
}


async def set_extended_statistics(url: str, *, enabled: bool) -> None:
    """Create (and analyze) or drop the bench's extended statistics, so the database matches the option."""
    connection = await asyncpg.connect(url)
    try:
        for name, (table, columns) in STATISTICS.items():
            if enabled:
                await connection.execute(
                    f"CREATE STATISTICS IF NOT EXISTS public.{name} (dependencies) ON {columns} FROM {table}"
                )
                await connection.execute(f"ANALYZE {table}")
            else:
                await connection.execute(f"DROP STATISTICS IF EXISTS public.{name}")
    finally:
        await connection.close()
