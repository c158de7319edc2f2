"""`python -m bench.second_factor`: what the second-factor check costs the membership helper every policy calls.

A person in `--companies` shared companies (a quarter of them requiring a second factor) plus their personal
one. As `rhythm_app` with the person named, each variant of `rhythm.company_ids('tasks', 'read')` runs
`--calls` times in one transaction, in `--rounds` interleaved rounds (the best of each is shown):
- before: the helper as migration 0015 left it (made again for the bench under another name);
- without: the current helper, for a session without a second factor (it looks at each company's requirement);
- with: the current helper, for a session that passed one.
Then a policy-guarded read (`count(*)` of the person's projects) once per variant, and the TOTP check itself
(three HMACs through pyotp) in Python.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import tempfile
import time
import timeit
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.dashboard.database import running_server
from bench.webhooks.setup import fresh_database
from domain.auth.second_factor import totp


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.second_factor", description=__doc__)
    parser.add_argument("--companies", type=int, default=50, help="Shared companies (default: %(default)s).")
    parser.add_argument("--calls", type=int, default=20000, help="Helper calls per variant (default: %(default)s).")
    parser.add_argument("--rounds", type=int, default=5, help="Interleaved rounds (default: %(default)s).")
    parser.add_argument("--database-url", help="A PostgreSQL server (superuser); embedded when not given.")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "rhythm-bench-2fa")
    return parser.parse_args()


# The migration's own text of the helper as it was, under another name.
_MIGRATION = importlib.import_module("db.migrations.versions.0017_second_factor")
BEFORE = _MIGRATION.WITHOUT_SECOND_FACTOR.replace(
    "rhythm.company_ids(resource text", "rhythm.company_ids_0015(resource text"
)


async def _load(connection: asyncpg.Connection, companies: int) -> uuid.UUID:
    person = uuid.uuid4()
    await connection.execute(BEFORE)
    await connection.execute("ALTER FUNCTION rhythm.company_ids_0015(text, text) OWNER TO rhythm_definer")
    await connection.execute("GRANT EXECUTE ON FUNCTION rhythm.company_ids_0015(text, text) TO rhythm_app")
    await connection.execute(
        "SELECT rhythm.sign_up($1, $2, $3, 'x', 'Bench Person', 'UTC', 'Personal')",
        person, uuid.uuid4(), f"bench-{person.hex[:8]}@rhythm.example",
    )  # fmt: skip
    for n in range(companies):
        company = uuid.uuid4()
        await connection.execute(
            "INSERT INTO companies (id, name, created_by, require_second_factor) VALUES ($1, $2, $3, $4)",
            company, f"Company {n}", person, n % 4 == 0,
        )  # fmt: skip
        await connection.execute(
            "INSERT INTO projects (id, company_id, name) SELECT gen_random_uuid(), $1, 'P' || g"
            " FROM generate_series(1, 20) g",
            company,
        )
    await connection.execute("ANALYZE")
    return person


async def _per_call(
    connection: asyncpg.Connection, person: uuid.UUID, helper: str, verified: bool, calls: int
) -> tuple[float, int, int]:
    async with connection.transaction():
        await connection.execute(
            "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true),"
            " set_config('rhythm.second_factor', $2, true)",
            str(person), "on" if verified else "",
        )  # fmt: skip
        seen = len(await connection.fetchval(f"SELECT {helper}('tasks', 'read')"))
        projects = int(await connection.fetchval("SELECT count(*) FROM projects"))
        started = time.perf_counter()
        await connection.execute(
            f"DO $$ BEGIN FOR i IN 1..{calls} LOOP PERFORM {helper}('tasks', 'read'); END LOOP; END $$"
        )
        elapsed = time.perf_counter() - started
    return elapsed / calls * 1e6, seen, projects


async def _run(options: argparse.Namespace) -> None:
    with running_server(options.database_url, options.data_dir) as server:
        url = await fresh_database(server.admin_url, "rhythm_bench_second_factor")
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            person = await _load(connection, options.companies)
            print(f"server: {server.label}; {options.companies} shared companies + 1 personal, {options.calls} calls")
            print(f"{'variant':<34}{'us/call':>10}{'companies':>11}{'projects':>10}")
            variants = [
                ("before (0015)", "rhythm.company_ids_0015", False),
                ("now, session without 2nd factor", "rhythm.company_ids", False),
                ("now, session with 2nd factor", "rhythm.company_ids", True),
            ]
            # Rounds interleave the variants, and each shows its best round: the machine may be shared.
            best: dict[str, tuple[float, int, int]] = {}
            for _ in range(options.rounds):
                for label, helper, verified in variants:
                    measured = await _per_call(connection, person, helper, verified, options.calls)
                    best[label] = min(best.get(label, measured), measured)
            for label, helper, _verified in variants:
                micros, seen, projects = best[label]
                # The read goes through the current policies: the before row's is that of a session without.
                shown = "-" if helper.endswith("0015") else str(projects)
                print(f"{label:<34}{micros:>10.1f}{seen:>11}{shown:>10}")
        finally:
            await connection.close()
    secret, now = totp.new_secret(), datetime.now(UTC)
    the_code = totp.code_at(secret, totp.current_step(now) + 1)
    seconds = timeit.timeit(lambda: totp.matching_step(secret, the_code, now, after_step=None), number=2000) / 2000
    print(f"TOTP check in Python (3 steps compared): {seconds * 1e6:.1f} us")


def main() -> None:
    asyncio.run(_run(_options()))


if __name__ == "__main__":
    main()
