"""Every migration goes down as well as up: a fresh database migrated to the head, taken back to nothing, and
migrated again ends with the same tables, policies and functions as the first time."""

from __future__ import annotations

import asyncio

import asyncpg

from db import migrate
from tests.databases import own_database

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
