"""What the audit log and the feature flag accessor cost: microseconds per audit entry written in a person's
transaction, and per `is_enabled` call answered from the cache and from the database.

    .venv/bin/python -m bench.audit [--entries 2000] [--reads 2000]

An embedded PostgreSQL in a temporary folder; nothing leaves this machine. Figures, not a test: they move with
the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import embedded, migrate
from db.engine import create_engine, create_sessionmaker
from db.tenant import ANONYMOUS, Caller, tenant_session
from domain import audit, feature_flags
from domain.audit import AuditAction


async def _person_with_company(sessions: async_sessionmaker[AsyncSession]) -> tuple[uuid.UUID, uuid.UUID]:
    user_id, personal = uuid.uuid4(), uuid.uuid4()
    async with tenant_session(sessions, ANONYMOUS) as session:
        await session.execute(
            sa.text("SELECT rhythm.sign_up(:u, :c, :e, 'not-a-hash', 'Bench', 'UTC', 'Personal')"),
            {"u": user_id, "c": personal, "e": f"bench-{user_id.hex[:8]}@rhythm.test"},
        )
    return user_id, personal


async def _per_entry(sessions: async_sessionmaker[AsyncSession], caller: Caller, company: uuid.UUID, n: int) -> float:
    async with tenant_session(sessions, caller) as session:
        started = time.perf_counter()
        for _ in range(n):
            await audit.record(
                session, AuditAction.API_KEY_REVOKED, company_id=company, target=("ApiKey", uuid.uuid4())
            )
        return (time.perf_counter() - started) / n * 1e6


async def _per_read(
    sessions: async_sessionmaker[AsyncSession], caller: Caller, company: uuid.UUID, n: int, *, cached: bool
) -> float:
    async with tenant_session(sessions, caller) as session:
        await feature_flags.is_enabled(session, company, "bench_flag")
        started = time.perf_counter()
        for _ in range(n):
            if not cached:
                feature_flags.CACHE.forget("bench_flag")
            await feature_flags.is_enabled(session, company, "bench_flag")
        return (time.perf_counter() - started) / n * 1e6


async def _per_round_trip(sessions: async_sessionmaker[AsyncSession], caller: Caller, n: int) -> float:
    async with tenant_session(sessions, caller) as session:
        started = time.perf_counter()
        for _ in range(n):
            await session.execute(sa.text("SELECT 1"))
        return (time.perf_counter() - started) / n * 1e6


async def _measure(url: str, entries: int, reads: int) -> None:
    engine = create_engine(url, pool_size=2)
    sessions = create_sessionmaker(engine)
    try:
        user_id, company = await _person_with_company(sessions)
        caller = Caller(user_id=user_id)
        baseline = await _per_round_trip(sessions, caller, reads)
        written = await _per_entry(sessions, caller, company, entries)
        hit = await _per_read(sessions, caller, company, reads, cached=True)
        miss = await _per_read(sessions, caller, company, reads, cached=False)
    finally:
        await engine.dispose()
    print(f"a round trip (SELECT 1), for scale:                {baseline:8.1f} us each ({reads} calls)")
    print(f"audit entry, written in the caller's transaction: {written:8.1f} us each ({entries} entries)")
    print(f"is_enabled from the process cache:                 {hit:8.1f} us each ({reads} calls)")
    print(f"is_enabled from the database (cache forgotten):    {miss:8.1f} us each ({reads} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=2000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rhythm-bench-audit-") as folder:
        server = embedded.start(Path(folder))
        try:
            asyncio.run(embedded.ensure_database(server.url("postgres"), "bench_audit"))
            url = make_url(server.url("postgres")).set(database="bench_audit").render_as_string(hide_password=False)
            migrate.upgrade(url)
            asyncio.run(_measure(url, options.entries, options.reads))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
