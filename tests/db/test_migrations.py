"""Every migration goes down as well as up: a fresh database migrated to the head, taken back to nothing, and
migrated again ends with the same tables, policies and functions as the first time. Two runs at once on one
database take turns."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import asyncpg
from alembic.script import ScriptDirectory

from db import migrate
from db.migrate import MIGRATION_LOCK
from tests.databases import own_database
from tests.waiting import until

CATALOG = """
SELECT
  (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')) AS tables,
  (SELECT array_agg(x ORDER BY x) FROM (SELECT p.polname::text || ' on ' || p.polrelid::regclass::text AS x
   FROM pg_policy p) policies) AS policies,
  (SELECT array_agg(f.proname::text ORDER BY f.proname) FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
   WHERE n.nspname = 'rhythm') AS functions
"""


async def _catalog(url: str) -> asyncpg.Record | None:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchrow(CATALOG)
    finally:
        await connection.close()


def test_the_migrations_go_down_to_nothing_and_up_again(server_url: str) -> None:
    with own_database(server_url, "migrations", migrated=False) as url:
        migrate.upgrade(url)
        first = asyncio.run(_catalog(url))

        migrate.downgrade(url, "base")
        emptied = asyncio.run(_catalog(url))
        migrate.upgrade(url)
        again = asyncio.run(_catalog(url))

    assert first is not None
    assert all(first[part] for part in ("tables", "policies", "functions"))
    assert emptied is not None
    assert (emptied["tables"], emptied["functions"]) == (["alembic_version"], None)
    assert again == first


_UPGRADE = "import sys; from db import migrate; migrate.upgrade(sys.argv[1])"


async def _runs_at_once(url: str) -> list[str]:
    """Two migration runs started while the lock is held elsewhere, both seen waiting for it: the versions they
    leave once it is released."""
    holder = await asyncpg.connect(url)
    runs: list[asyncio.subprocess.Process] = []
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        # Processes, as two `rhythm serve` would be (Alembic's context is one per process).
        for _ in range(2):
            runs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-c", _UPGRADE, url, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
                )
            )

        async def both_waiting() -> bool:
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
            )
            return bool(waiting == 2)

        await until(both_waiting, what="both migration runs waiting for the lock")
        # Nothing was migrated while the lock was held.
        assert await holder.fetchval("SELECT to_regclass('public.alembic_version')") is None
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        for run in runs:
            output, _ = await run.communicate()
            assert run.returncode == 0, output.decode()[-3000:]
        return [row["version_num"] for row in await holder.fetch("SELECT version_num FROM alembic_version")]
    finally:
        # A run left waiting by a failed check is not left behind the test.
        for run in runs:
            if run.returncode is None:
                run.kill()
                await run.wait()
        await holder.close()


def test_two_runs_at_once_on_one_database_take_turns_and_apply_each_revision_once(server_url: str) -> None:
    with own_database(server_url, "migrations", migrated=False) as url:
        versions = asyncio.run(_runs_at_once(url))
        head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()

    assert versions == [head]
