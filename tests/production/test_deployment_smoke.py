"""The compose topology, from processes on this machine: migrations as the owner role, the API as a login role
that is only a member of rhythm_app (two processes, RHYTHM_MIGRATE_ON_START=false), two `rhythm worker`s and a
real Redis; a task goes from creation to a delivered webhook and a live update."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.databases import own_database
from tests.factories import create_task, sign_up
from tests.graphql import GraphQL
from tests.live.scenarios import TASK_EVENTS, about_task, until_live
from tests.live.servers import Server, _environment, _spawn, _wait_ready, _wait_worker_ready, free_port
from tests.live.sockets import bearer, socket
from tests.waiting import until as answer_of
from tests.webhooks.documents import create_endpoint, until
from tests.webhooks.processes import RedisServer
from tests.webhooks.receiver import Receiver

WORKERS = "{ jobs { workers { id lastHeartbeatAt alive loops { loop finishedAt outcome } } queues { name ready } } }"


def plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def login_role(owner_url: str) -> str:
    """A login role like deploy/postgres/roles.sh makes: it owns nothing and is only a member of rhythm_app."""
    role = f"rhythm_api_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(plain(owner_url))
    try:
        await connection.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT")
        await connection.execute(f"GRANT rhythm_app TO {role}")
        memberships = await connection.fetchval(
            "SELECT array_agg(g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
            " JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1",
            role,
        )
        owned = await connection.fetchval(
            "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)", role
        )
    finally:
        await connection.close()
    assert memberships == ["rhythm_app"]
    assert owned == 0
    return role


@pytest.fixture(scope="module")
def owner_url(server_url: str) -> Iterator[str]:
    """A database of its own, migrated as the owner role (the embedded cluster's superuser here)."""
    with own_database(server_url, "live") as url:
        yield url


async def test_a_task_reaches_a_webhook_and_a_subscriber_through_the_deployed_topology(
    owner_url: str, tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path).start()
    receiver = Receiver().start()
    processes = []
    try:
        role = await login_role(owner_url)
        api_url = make_url(owner_url).set(username=role, password=None).render_as_string(hide_password=False)
        environment = _environment(api_url, redis.url, tmp_path / "api") | {
            "RHYTHM_MIGRATE_ON_START": "false",
            "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
            "RHYTHM_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
            "RHYTHM_WEBHOOKS_DISPATCH_PERIOD_SECONDS": "0.5",
        }
        port = free_port()
        api = Server(
            port, _spawn(["serve", "--port", str(port), "--workers", "2"], environment, tmp_path / "api", "api")
        )
        processes.append(api.running)
        workers = [
            _spawn(
                ["worker", "--processes", "1", "--threads", "2"],
                environment | {"RHYTHM_LOG_LEVEL": "INFO"},
                tmp_path / f"worker{n}",
                "worker",
            )
            for n in range(2)
        ]
        processes.extend(workers)
        _wait_ready(api)
        for worker in workers:
            _wait_worker_ready(worker)

        async with httpx.AsyncClient(base_url=api.http_url, timeout=30) as client:
            graphql = GraphQL(client)  # type: ignore[arg-type]
            ada = await sign_up(graphql, name="Ada Deployed")
            await create_endpoint(
                graphql, ada, company_id=ada.personal_company_id, url=receiver.url, event_types=["TASK_CREATED"]
            )
            async with socket(api.ws_url, bearer(str(ada.token))) as subscriber:
                await subscriber.subscribe("tasks", TASK_EVENTS)
                await until_live(subscriber, graphql, ada)
                task = await create_task(graphql, ada, company_id=ada.personal_company_id, title="Deployed")
                live = await subscriber.next_where(about_task(task["id"], "CREATED"))

            await until(
                lambda: any(task["id"] in r.body.decode() for r in receiver.for_event("task.created")),
                what="the webhook for the deployed task",
            )
            # The operator makes Ada a platform administrator (as the owner role); she then sees the workers.
            granted = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "app.cli", "admin", "grant", ada.email],
                env=environment | {"DATABASE_URL": owner_url},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert granted.returncode == 0, granted.stderr

            async def with_loops() -> dict[str, Any] | None:
                # Each worker publishes its loops' latest passes every maintenance period.
                found: dict[str, Any] = (await graphql(WORKERS, caller=ada))["jobs"]
                relayed = [w for w in found["workers"] if any(r["loop"] == "outbox_relay" for r in w["loops"])]
                return found if len(relayed) >= 2 else None

            jobs = await answer_of(with_loops, what="both workers' loops in the admin view")
    finally:
        for process in processes:
            process.interrupt()
        for process in processes:
            process.wait()
        receiver.stop()
        redis.stop()

    assert live["taskEvents"]["task"]["title"] == "Deployed"
    assert len([worker for worker in jobs["workers"] if worker["alive"]]) >= 2, jobs
    assert "events" in {queue["name"] for queue in jobs["queues"]}
