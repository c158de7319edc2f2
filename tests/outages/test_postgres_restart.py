"""PostgreSQL stopped, killed and started again under a mixed read and write load over real HTTP: callers hear
`SERVICE_UNAVAILABLE` (503, `Retry-After`) while it is down and nothing else, every request after it is back
succeeds (the first one on each pooled connection too), and every write that was acknowledged is there."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.factories import PASSWORD, SIGN_UP, create_api_key
from tests.graphql import Caller, GraphQL
from tests.live.servers import serving
from tests.live.sockets import bearer, socket
from tests.outages.postgres import Cluster, own_cluster

CLIENTS = 6
CREATE = """mutation($input: CreateTaskInput!) {
  createTask(input: $input) { __typename ... on Task { id title } ... on Error { message } }
}"""
# Compiled reads answer this one with one statement; the resolvers answer the other (a filter).
DASHBOARD = "{ viewer { companies(first: 5) { nodes { name projects(first: 5) { nodes { name } } } } } }"
TASKS = "{ tasks(filter: {status: [TODO]}, first: 5) { nodes { id title } } }"


@dataclass(frozen=True)
class Credentials:
    token: str
    api_key: str


@dataclass
class Outcome:
    started: float
    ended: float
    kind: str
    status: int
    code: str | None
    retry_after: str | None
    title: str | None = None


@dataclass
class Timeline:
    """When PostgreSQL went down and when it was back (`pg_ctl start` returned)."""

    down: list[tuple[float, float]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def overlaps_outage(self, outcome: Outcome) -> bool:
        return any(outcome.started <= back and outcome.ended >= went for went, back in self.down)

    def after_recovery(self, outcome: Outcome) -> bool:
        return bool(self.down) and outcome.started > self.down[-1][1]


async def _post(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, object]) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )


def _code(response: httpx.Response) -> str | None:
    try:
        errors = response.json().get("errors")
    except ValueError:
        return f"not JSON: {response.text[:80]}"
    return str(errors[0]["extensions"].get("code")) if errors else None


@dataclass
class Load:
    """Clients sending a mix of creates and reads until stopped; paused, they finish what they sent."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    running: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0

    async def pause(self) -> None:
        self.running.clear()
        while self.in_flight:  # noqa: ASYNC110 - a few requests finishing; polled, as everywhere in the tests
            await asyncio.sleep(0.01)


async def _load(client: httpx.AsyncClient, token: str, company: str, timeline: Timeline, load: Load) -> None:
    numbers = itertools.count()
    while True:
        await load.running.wait()
        if load.stop.is_set():
            return
        load.in_flight += 1
        try:
            await _one(client, token, company, timeline, next(numbers), id(load))
        finally:
            load.in_flight -= 1
        await asyncio.sleep(0.01)


async def _one(client: httpx.AsyncClient, token: str, company: str, timeline: Timeline, number: int, run: int) -> None:
    kind = ("create", "dashboard", "tasks")[number % 3]
    title = f"outage-{run}-{time.monotonic_ns()}" if kind == "create" else None
    started = time.monotonic()
    if kind == "create":
        response = await _post(client, token, CREATE, {"input": {"companyId": company, "title": title}})
    else:
        response = await _post(client, token, DASHBOARD if kind == "dashboard" else TASKS, {})
    code = _code(response)
    if kind == "create" and code is None:
        assert response.json()["data"]["createTask"]["__typename"] == "Task", response.text
    timeline.outcomes.append(
        Outcome(started, time.monotonic(), kind, response.status_code, code, response.headers.get("retry-after"), title)
    )


async def _ready_names_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 503, response.text
    assert response.json()["database"].startswith("down"), response.text


async def _api_key_caller_hears_the_outage(client: httpx.AsyncClient, api_key: str) -> None:
    """An API key is checked against the database before the operation starts: outside GraphQL, same answer."""
    response = await client.post("/graphql", json={"query": TASKS}, headers={"X-Api-Key": api_key})
    assert response.status_code == 503, response.text
    assert response.headers.get("retry-after")
    assert _code(response) == "SERVICE_UNAVAILABLE", response.text


async def _websocket_hears_the_outage(ws_url: str, token: str) -> None:
    """An operation over a websocket has no HTTP status: the same code comes as a GraphQL error."""
    async with socket(ws_url, bearer(token)) as opened:
        await opened.subscribe("1", TASKS)
        message = await opened.receive(30)
    assert message["type"] == "next", message
    assert message["payload"]["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", message


async def _wait_for_successes(timeline: Timeline, count: int, seconds: float = 60) -> None:
    """Until `count` requests that started after the last recovery have succeeded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(1 for o in timeline.outcomes if timeline.after_recovery(o) and o.code is None) >= count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the load did not resume after PostgreSQL came back")


async def _outage(
    cluster: Cluster, timeline: Timeline, client: httpx.AsyncClient, caller: Credentials, *, kill: bool, quiet: bool
) -> None:
    went = time.monotonic()
    await asyncio.to_thread(cluster.kill if kill else cluster.stop)
    if not quiet:
        await asyncio.sleep(1.0)  # the load meets the outage
        # (Not when quiet: these would meet a pooled connection and tell the pool of the outage.)
        await _ready_names_the_database(client)
        await _api_key_caller_hears_the_outage(client, caller.api_key)
        await _websocket_hears_the_outage(str(client.base_url).replace("http", "ws", 1) + "/graphql", caller.token)
    await asyncio.to_thread(cluster.start)
    timeline.down.append((went, time.monotonic()))


async def _titles_in(database_url: str) -> set[str]:
    plain = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain)
    try:
        rows = await connection.fetch("SELECT title FROM tasks WHERE title LIKE 'outage-%'")
    finally:
        await connection.close()
    return {row["title"] for row in rows}


@pytest.fixture
def cluster(tmp_path: Path) -> object:
    with own_cluster(tmp_path / "pg") as made:
        yield made


async def _sign_up(client: httpx.AsyncClient) -> tuple[str, str]:
    variables = {
        "input": {"email": "outage@rhythm.test", "password": PASSWORD, "displayName": "Outage", "timeZone": "UTC"}
    }
    token = (await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()["data"]["signUp"][
        "accessToken"
    ]
    companies = (await _post(client, token, "{ viewer { companies { nodes { id isPersonal } } } }", {})).json()
    company = next(c["id"] for c in companies["data"]["viewer"]["companies"]["nodes"] if c["isPersonal"])
    return token, company


def test_a_postgres_stop_and_kill_are_named_outages_and_lose_no_acknowledged_write(
    cluster: tuple[Cluster, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres, database_url = cluster
    # A small pool, so the load is sure to find every pooled connection dead after each outage.
    monkeypatch.setenv("RHYTHM_DATABASE_POOL_SIZE", "3")
    with serving(database_url, [tmp_path / "api"]) as [server]:
        timeline = asyncio.run(_run(server.http_url, postgres))
        output = server.running.output()

    errors = [o for o in timeline.outcomes if o.code is not None]
    print(
        f"{len(timeline.outcomes)} requests, {len(errors)} refused while PostgreSQL was down:",
        sorted({(o.kind, o.status, o.code) for o in errors}),
    )
    assert errors, "PostgreSQL was down twice, yet no request noticed: the test did not test anything"
    for error in errors:
        assert (error.status, error.code) == (503, "SERVICE_UNAVAILABLE"), (error, output[-3000:])
        assert error.retry_after is not None
        assert timeline.overlaps_outage(error), error
    recovered = [o for o in timeline.outcomes if timeline.after_recovery(o)]
    assert recovered
    assert [o for o in recovered if o.code is not None] == []
    acknowledged = {o.title for o in timeline.outcomes if o.kind == "create" and o.code is None}
    assert acknowledged <= asyncio.run(_titles_in(database_url))


async def _run(url: str, postgres: Cluster) -> Timeline:
    timeline = Timeline()
    load = Load()
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        token, company = await _sign_up(client)
        api_key = await create_api_key(GraphQL(client), Caller(token=token), company_id=company, scopes=["TASKS_READ"])  # type: ignore[arg-type]
        caller = Credentials(token, api_key)
        clients = [asyncio.create_task(_load(client, token, company, timeline, load)) for _ in range(CLIENTS)]
        load.running.set()
        try:
            await asyncio.sleep(1.0)
            # Under load: requests meet the outage, and the pool learns of it from them.
            for kill in (False, True):
                await _outage(postgres, timeline, client, caller, kill=kill, quiet=False)
                await _wait_for_successes(timeline, 30)
            # Quiet: no request meets the outage, so every pooled connection is one the server dropped, and the
            # first requests after it is back are the first on each of them.
            for kill in (False, True):
                await load.pause()
                await _outage(postgres, timeline, client, caller, kill=kill, quiet=True)
                load.running.set()
                await _wait_for_successes(timeline, 30)
        finally:
            load.stop.set()
            load.running.set()
            await asyncio.gather(*clients)
        assert (await client.get("/ready")).status_code == 200
    return timeline
