"""Schemathesis in GraphQL mode against a real `rhythm serve`: generated queries and mutations for every root
field, sent as two companies' people and as one company's API key. No answer is a 5xx or carries a traceback, and
none names an identifier or a canary of the other company. A bounded number of examples per field, derandomized,
so the job costs the same every run (RHYTHM_FUZZ_EXAMPLES, 3 by default)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.app.rhythm_process import environment, free_port, stop, wait_ready
from tests.conftest import JWT_SECRET
from tests.factories import create_api_key, create_task, sign_up
from tests.graphql import GraphQL

SCHEMA = schemathesis.graphql.from_path(Path(__file__).resolve().parents[2] / "schema.graphql")
EXAMPLES = int(os.environ.get("RHYTHM_FUZZ_EXAMPLES", "3"))


@dataclass(frozen=True)
class Tenant:
    headers: dict[str, str]
    secrets: frozenset[str]  # what the other tenant must never see


@dataclass(frozen=True)
class World:
    base_url: str
    callers: dict[str, tuple[Tenant, frozenset[str]]]  # name: (credentials, what it must never see)


async def _tenant(graphql: GraphQL, name: str) -> tuple[dict[str, str], dict[str, str], set[str]]:
    person = await sign_up(graphql, name=f"{name} Fuzz")
    canary = f"CANARY-{name}-{uuid.uuid4().hex}"
    task = await create_task(graphql, person, company_id=person.personal_company_id, title=canary)
    key = await create_api_key(graphql, person, company_id=person.personal_company_id, scopes=["TASKS_READ"])
    own = {canary, task["id"], person.personal_company_id, person.user_id, person.email}
    return person.headers(), {"X-Api-Key": key}, own


@pytest.fixture(scope="module")
def world(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = environment(folder / ".rhythm") | {
        "DATABASE_URL": database_url,
        "RHYTHM_JWT_SECRET": JWT_SECRET,
        "RHYTHM_SEED_DEMO": "false",
        "RHYTHM_RUN_WORKERS_IN_PROCESS": "false",
        "RHYTHM_WEBHOOKS_ALLOW_PRIVATE_TARGETS": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(process, port)
        base_url = f"http://127.0.0.1:{port}"

        async def make() -> World:
            async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
                graphql = GraphQL(client)  # type: ignore[arg-type]
                a_person, _, a_own = await _tenant(graphql, "A")
                b_person, b_key, b_own = await _tenant(graphql, "B")
            return World(
                base_url,
                {
                    "person A": (Tenant(a_person, frozenset(a_own)), frozenset(b_own)),
                    "person B": (Tenant(b_person, frozenset(b_own)), frozenset(a_own)),
                    "API key of B": (Tenant(b_key, frozenset(b_own)), frozenset(a_own)),
                },
            )

        yield asyncio.run(make())
    finally:
        stop(process)


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_5xx_no_traceback_and_nothing_of_the_other_company(case: schemathesis.Case, world: World) -> None:
    for name, (tenant, foreign) in world.callers.items():
        response = case.call(base_url=f"{world.base_url}/graphql", headers=tenant.headers, timeout=60)
        text = response.text
        assert response.status_code < 500, f"{name}: {response.status_code} {text[:500]}"
        # An answer of the GraphQL endpoint (not a 404 elsewhere): data, errors, or both.
        assert {"data", "errors"} & set(response.json()), f"{name}: {response.status_code} {text[:500]}"
        assert "Traceback" not in text, f"{name}: {text[:500]}"
        leaked = [secret for secret in foreign if secret and secret in text]
        assert not leaked, f"{name} saw {leaked} in {text[:500]}"
