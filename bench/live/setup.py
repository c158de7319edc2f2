"""The bench's people and processes: a database of its own, two companies loaded in bulk, access tokens signed
with the servers' secret, and `rhythm serve` (plus a `rhythm worker` with Redis) from a chosen checkout."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.dashboard.server import free_port
from domain.auth.tokens import TokenConfig, issue_access_token
from resolvers.ids import global_id

JWT_SECRET = "bench-live-secret-" + "z" * 40
TOKENS = TokenConfig(secret=JWT_SECRET, access_ttl=timedelta(hours=2), refresh_ttl=timedelta(days=1))


@dataclass(frozen=True)
class Company:
    id: uuid.UUID
    owner: uuid.UUID
    members: list[uuid.UUID]

    @property
    def global_id(self) -> str:
        return str(global_id("Company", self.id))


async def load_company(database_url: str, name: str, members: int) -> Company:
    """A company with an owner and `members` members, written past the API (the bench's user is a superuser)."""
    connection = await asyncpg.connect(database_url)
    try:
        owner, company = uuid.uuid4(), uuid.uuid4()
        people = [uuid.uuid4() for _ in range(members)]
        async with connection.transaction():
            for person in [owner, *people]:
                await connection.execute(
                    "SELECT rhythm.sign_up($1, $2, $3, 'x', 'Bench', 'UTC', 'Personal')",
                    person, uuid.uuid4(), f"{person.hex}@bench-live.example",
                )  # fmt: skip
            await connection.execute(
                "INSERT INTO companies (id, name, is_personal, created_by) VALUES ($1, $2, false, $3)",
                company, name, owner,
            )  # fmt: skip
            await connection.executemany(
                "INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'member')",
                [(company, person) for person in people],
            )
        return Company(id=company, owner=owner, members=people)
    finally:
        await connection.close()


async def fresh_database(admin_url: str, name: str, repo: Path, folder: Path) -> str:
    """An empty database migrated by `repo`'s own `rhythm migrate`, so the server finds its own head there."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    await asyncio.to_thread(_migrate, repo, url, folder)
    return url


def _migrate(repo: Path, url: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    migrate = _spawn(repo, ["migrate"], _environment(url, None, folder), folder / "migrate.log")
    if migrate.wait() != 0:
        raise RuntimeError((folder / "migrate.log").read_text(errors="replace")[-3000:])


def token_of(user_id: uuid.UUID) -> str:
    return issue_access_token(TOKENS, user_id)


def _environment(database_url: str, redis_url: str | None, folder: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV")}
    environment.update(
        DATABASE_URL=database_url,
        RHYTHM_DATA_DIR=str(folder),
        RHYTHM_JWT_SECRET=JWT_SECRET,
        RHYTHM_LOG_LEVEL="WARNING",
        RHYTHM_RATE_LIMITS_ENABLED="false",
        RHYTHM_SEED_DEMO="false",
    )
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


@dataclass
class Servers:
    port: int
    serve: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes] | None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def _spawn(repo: Path, arguments: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "app.cli", *arguments],
            cwd=repo,
            env=environment | {"PYTHONPATH": str(repo)},
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT if "serve" in process.args else signal.SIGTERM)  # type: ignore[operator]
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def serving(repo: Path, database_url: str, redis_url: str | None, workers: int, folder: Path) -> Iterator[Servers]:
    """`rhythm serve --workers N` from `repo`; with Redis, a `rhythm worker` runs the jobs instead of the API."""
    folder.mkdir(parents=True, exist_ok=True)
    environment = _environment(database_url, redis_url, folder)
    port = free_port()
    serve = _spawn(repo, ["serve", "--port", str(port), "--workers", str(workers)], environment, folder / "api.log")
    worker = None
    try:
        if redis_url:
            worker_environment = environment | {"RHYTHM_LOG_LEVEL": "INFO"}
            worker = _spawn(repo, ["worker", "--processes", "1", "--threads", "4"], worker_environment,
                            folder / "worker.log")  # fmt: skip
        servers = Servers(port, serve, worker)
        _wait_ready(servers, folder)
        yield servers
    finally:
        _stop(serve)
        if worker is not None:
            _stop(worker)


def _wait_ready(servers: Servers, folder: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if servers.serve.poll() is not None:
            raise RuntimeError((folder / "api.log").read_text(errors="replace")[-3000:])
        try:
            ready = httpx.get(f"{servers.http_url}/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready = False
        worker_ready = servers.worker is None or "ready for action" in (folder / "worker.log").read_text(
            errors="replace"
        )
        if ready and worker_ready:
            return
        time.sleep(0.3)
    raise RuntimeError("the servers did not become ready")
