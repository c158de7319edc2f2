"""`python -m bench.round_trips`: what one round trip to PostgreSQL costs the API process in CPU, through asyncpg on
uvloop as `rhythm serve` runs it, one connection, one statement after another.

A driver-direct read or write (db/tenant.py) is three round trips: BEGIN with the caller settings in one simple
query, the statement by the extended protocol (prepared once), COMMIT. Each variant below runs `--iterations`
times per round, the variants interleaved over `--rounds`; printed: this process's CPU (user and system) and the
wall time per iteration, median over the rounds with their range. PostgreSQL's own time is not in the CPU.

`--psycopg` adds the same transaction sent by psycopg 3 in pipeline mode, one round trip for the four statements
(BEGIN, the settings, the statement, COMMIT under one Sync), and one after another; psycopg is not one of Rhythm's
dependencies: `.venv/bin/uv pip install --python .venv/bin/python "psycopg[binary]"` first.
"""

from __future__ import annotations

import argparse
import importlib
import resource
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import uvloop

from bench.dashboard.database import running_server

# BEGIN and the caller settings of a person as db/tenant.py sends them, in one simple query (less the role, which
# needs Rhythm's roles on the server: the message and its answer are the same shape).
BEGIN_AS_CALLER = (
    "BEGIN; SELECT set_config('rhythm.user_id', '6a3c1f0e-5b7d-4c1e-9a55-2f0b8c1d9e01', true),"
    " set_config('rhythm.company_id', '', true), set_config('rhythm.api_company_id', '', true),"
    " set_config('rhythm.api_scopes', '', true), set_config('rhythm.second_factor', '', true),"
    " set_config('jit', 'off', true), set_config('rhythm.relay_woken_after_commit', 'on', true)"
)
STATEMENT = "SELECT $1::int + 1"
# The same settings and statement as psycopg takes them: the extended protocol, one statement a message.
SETTINGS_AS_CALLER = BEGIN_AS_CALLER.removeprefix("BEGIN; ")
PSYCOPG_STATEMENT = "SELECT %s::int + 1"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


Variants = dict[str, Callable[[], Awaitable[object]]]


def _variants(connection: asyncpg.Connection) -> Variants:
    async def simple() -> object:
        return await connection.execute("SELECT 1")

    async def extended() -> object:
        return await connection.fetchval(STATEMENT, 1)

    async def transaction() -> object:
        await connection.execute(BEGIN_AS_CALLER)
        value = await connection.fetchval(STATEMENT, 1)
        await connection.execute("COMMIT")
        return value

    return {
        "simple query (SELECT 1)": simple,
        "extended, prepared (SELECT $1 + 1)": extended,
        "BEGIN as a caller, the statement, COMMIT": transaction,
    }


async def _psycopg_variants(url: str) -> tuple[Variants, Callable[[], Awaitable[None]]]:
    """psycopg 3's pipeline and plain transaction, and how to close its connection."""
    # Imported by name: an optional package, absent from the locks (and so from mypy's view).
    psycopg = importlib.import_module("psycopg")
    # Autocommit, so that BEGIN and COMMIT are sent as the asyncpg variant sends them; prepared at first use.
    connection = await psycopg.AsyncConnection.connect(url, autocommit=True, prepare_threshold=0)

    async def pipelined() -> object:
        async with connection.pipeline():
            await connection.execute("BEGIN")
            await connection.execute(SETTINGS_AS_CALLER)
            cursor = await connection.execute(PSYCOPG_STATEMENT, (1,))
            await connection.execute("COMMIT")
        return await cursor.fetchone()

    async def one_by_one() -> object:
        await connection.execute("BEGIN")
        await connection.execute(SETTINGS_AS_CALLER)
        row = await (await connection.execute(PSYCOPG_STATEMENT, (1,))).fetchone()
        await connection.execute("COMMIT")
        return row

    variants: Variants = {
        "psycopg 3, the same in one pipeline": pipelined,
        "psycopg 3, the same one by one": one_by_one,
    }
    return variants, connection.close


async def _measure(url: str, iterations: int, rounds: int, *, psycopg: bool) -> None:
    connection = await asyncpg.connect(url)
    close_psycopg = None
    try:
        variants = _variants(connection)
        if psycopg:
            more, close_psycopg = await _psycopg_variants(url)
            variants |= more
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        wall: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, run in variants.items():
                for _ in range(iterations // 20):  # warm-up
                    await run()
                started_cpu, started = _cpu_seconds(), time.perf_counter()
                for _ in range(iterations):
                    await run()
                cpu[name].append((_cpu_seconds() - started_cpu) / iterations * 1e6)
                wall[name].append((time.perf_counter() - started) / iterations * 1e6)
    finally:
        await connection.close()
        if close_psycopg is not None:
            await close_psycopg()
    print(f"{'variant':<44}{'CPU us/iteration':>22}{'wall us/iteration':>22}")
    for name in variants:
        cpu_text = f"{statistics.median(cpu[name]):.1f} ({min(cpu[name]):.1f}-{max(cpu[name]):.1f})"
        wall_text = f"{statistics.median(wall[name]):.1f} ({min(wall[name]):.1f}-{max(wall[name]):.1f})"
        print(f"{name:<44}{cpu_text:>22}{wall_text:>22}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.round_trips", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="A PostgreSQL server to use; embedded when not given.")
    parser.add_argument("--data-dir", type=Path, help="Where an embedded PostgreSQL keeps its data (a temporary one).")
    parser.add_argument("--iterations", type=int, default=20_000, help="Iterations of each variant per round.")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds, the variants interleaved.")
    parser.add_argument("--psycopg", action="store_true", help="Add psycopg 3's pipeline (installed apart).")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rhythm-bench-round-trips-") as folder:
        data_dir = options.data_dir or Path(folder)
        with running_server(options.database_url, data_dir) as server:
            print(f"server: {server.label}; {options.iterations} iterations x {options.rounds} rounds, one connection")
            uvloop.run(_measure(server.admin_url, options.iterations, options.rounds, psycopg=options.psycopg))


if __name__ == "__main__":
    main()
