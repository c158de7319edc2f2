"""A Rhythm of its own for the jobs tests: a fresh database, a dedicated Redis, the API over HTTP with no jobs in
process, and one real `rhythm worker` whose mail server is down (a port nothing listens on) until a test starts
one there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from litestar.testing import AsyncTestClient

from app.main import create_app
from base.settings import Settings
from db.engine import create_engine, create_sessionmaker
from tests.conftest import JWT_SECRET
from tests.databases import own_database
from tests.graphql import GraphQL
from tests.jobs.world import Rhythm
from tests.notifications.mailbox import free_port
from tests.webhooks.processes import ROOT, RedisServer, Worker


@pytest.fixture(scope="module")
def jobs_database_url(server_url: str) -> Iterator[str]:
    with own_database(server_url, "jobs") as url:
        yield url


@pytest.fixture(scope="module")
def jobs_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("jobs-redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def jobs_worker(
    jobs_database_url: str, jobs_redis: RedisServer, smtp_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worker]:
    log = tmp_path_factory.mktemp("jobs-worker") / "worker.log"
    extra = {
        "RHYTHM_SMTP_HOST": "127.0.0.1",
        "RHYTHM_SMTP_PORT": str(smtp_port),
        "RHYTHM_SMTP_TIMEOUT_SECONDS": "2",
        "RHYTHM_JOBS_REPLAY_PERIOD_SECONDS": "0.2",
    }
    worker = Worker(jobs_database_url, jobs_redis.url, log, threads=2, extra=extra).start()
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture(scope="module")
async def rhythm(
    jobs_database_url: str, jobs_redis: RedisServer, jobs_worker: Worker, smtp_port: int
) -> AsyncIterator[Rhythm]:
    settings = Settings(
        database_url=jobs_database_url,
        redis_url=jobs_redis.url,
        run_workers_in_process=False,
        environment="test",
        jwt_secret=JWT_SECRET,  # type: ignore[arg-type]
        argon2_time_cost=1,
        argon2_memory_cost_kib=64,
        log_level="WARNING",
        database_pool_size=3,
    )
    engine = create_engine(jobs_database_url, pool_size=2)
    async with AsyncTestClient(app=create_app(settings), base_url="http://rhythm.test") as client:
        yield Rhythm(
            graphql=GraphQL(client),
            sessions=create_sessionmaker(engine),
            database_url=jobs_database_url,
            redis_url=jobs_redis.url,
            smtp_port=smtp_port,
            root=ROOT,
        )
    await engine.dispose()
