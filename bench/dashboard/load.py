"""Bulk-load the generated rows with COPY, as the owner (row-level security does not apply to a superuser)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import asyncpg

from bench.dashboard.dataset import COLUMNS, PASSWORD, Generator, Row, Shape
from domain.auth.passwords import Passwords


@dataclass(frozen=True, slots=True)
class Loaded:
    rows: dict[str, int]
    seconds: float


async def _copy(connection: asyncpg.Connection, table: str, rows: list[Row], counts: Counter[str]) -> None:
    if rows:
        await connection.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))
        counts[table] += len(rows)


async def load(url: str, shape: Shape, seed: int) -> Loaded:
    started = time.perf_counter()
    # One hash for everyone, with the app's default argon2 cost, so every bench person can log in.
    generator = Generator(shape, seed, Passwords().hash(PASSWORD))
    counts: Counter[str] = Counter()
    connection = await asyncpg.connect(url)
    try:
        users, credentials = generator.users()
        await _copy(connection, "users", users, counts)
        await _copy(connection, "user_credentials", credentials, counts)
        companies, memberships = generator.companies_and_memberships()
        # The companies trigger adds each shared company's owner membership itself.
        await _copy(connection, "companies", companies, counts)
        await _copy(connection, "memberships", memberships, counts)
        await _copy(connection, "projects", generator.projects(), counts)
        for tasks, subtasks in generator.task_batches():
            await _copy(connection, "tasks", tasks, counts)
            await _copy(connection, "subtasks", subtasks, counts)
        # Fresh statistics and a visibility map, as a database in steady use has.
        await connection.execute("VACUUM (ANALYZE)")
        counts["memberships"] = await connection.fetchval("SELECT count(*) FROM memberships")
    finally:
        await connection.close()
    return Loaded(rows=dict(counts), seconds=time.perf_counter() - started)


async def count_rows(url: str) -> dict[str, int]:
    """Row counts of a data set that is already there (estimates are enough for the header)."""
    connection = await asyncpg.connect(url)
    try:
        records = await connection.fetch(
            "SELECT relname, reltuples::bigint AS rows FROM pg_class"
            " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        exact = await connection.fetchval("SELECT count(*) FROM tasks")
    finally:
        await connection.close()
    found = {record["relname"]: int(record["rows"]) for record in records}
    found["tasks"] = int(exact)
    return found
