"""`python -m bench.requests`: the server's CPU per request for reads that compiled reads answer, through the whole
app: the ASGI middleware, the token check, the GraphQL controller, the transaction, the access log line.

The app is built as `rhythm serve` builds it in production (`create_app` with `RHYTHM_ENVIRONMENT=production`,
INFO logs with one JSON access line per request, its lifespan, `settle_heap`) and called as uvicorn calls it:
one ASGI scope per request, on this process's one event loop, with no HTTP client in between. So the CPU time
per request measured here is the app's (uvicorn's parsing and PostgreSQL's aside). The log lines are rendered as
in production and written to /dev/null. `--profile` prints where a row spends its time (pyinstrument).

Rows are measured in rounds (`--rounds`), each row once per round, so a burst of load on the machine does not
land on one row only; the table gives each row's median and least figure over the rounds (other work on the
machine only ever adds CPU time). It takes the dashboard bench's options (data set, `--runs`) and loads the same
data set.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson

from app.main import create_app, settle_heap
from base.settings import Settings
from bench.dashboard.__main__ import _data_set, _run, progress
from bench.dashboard.database import Server, running_server
from bench.dashboard.dataset import BENCH_EMAIL, PASSWORD
from bench.dashboard.options import Options, parse
from bench.dashboard.queries import LOG_IN, TASK
from bench.lists.queries import FILTERED, PROJECT_PAGE, RECENT, list_cases
from bench.profiling import print_profile

WARMUP_RUNS = 30
ROWS = {
    "task by id": TASK,
    "project tasks, page 1": PROJECT_PAGE,
    "tasks filtered, by due": FILTERED,
    "recently updated": RECENT,
}


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    document: str
    variables: tuple[dict[str, Any], ...]


class Client:
    """Calls the app as an ASGI server does: a scope, the body in one message, the response collected."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.headers: list[tuple[bytes, bytes]] = [
            (b"host", b"rhythm.test"),
            (b"content-type", b"application/json"),
            (b"user-agent", b"bench.requests"),
        ]

    async def post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        payload = orjson.dumps(body)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": [*self.headers, (b"content-length", str(len(payload)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def _rows(url: str) -> list[Row]:
    by_name = {case.name: case for case in await list_cases(url)}
    return [
        Row(name, document, next(case for case in by_name.values() if case.document == document).variables)
        for name, document in ROWS.items()
    ]


@asynccontextmanager
async def _client(url: str, rate_limits: bool) -> AsyncIterator[Client]:
    settings = Settings(
        database_url=url,
        jwt_secret=secrets.token_urlsafe(48),
        # As bench.compare runs it: production, INFO logs, background jobs left to `rhythm worker`.
        environment="production",
        log_level="INFO",
        run_workers_in_process=False,
        rate_limits_enabled=rate_limits,
        # A benchmark is many requests from one caller.
        rate_limit_requests="100000000/15 minutes",
        rate_limit_requests_per_address="100000000/15 minutes",
        seed_demo=False,
    )
    # The log lines are rendered as in production and written nowhere: logging takes the stream it writes to
    # when the app configures it.
    with open(os.devnull, "w") as nowhere:  # noqa: ASYNC230  (once, before any request)
        with contextlib.redirect_stdout(nowhere):
            app = create_app(settings)
        async with app.lifespan():
            settle_heap()
            client = Client(app)
            _, answer = await client.post({"query": LOG_IN, "variables": {"email": BENCH_EMAIL, "password": PASSWORD}})
            token = orjson.loads(answer)["data"]["logIn"]["accessToken"]
            client.headers.append((b"authorization", f"Bearer {token}".encode()))
            yield client


async def _post(client: Client, row: Row, number: int) -> bool:
    status, answer = await client.post({"query": row.document, "variables": row.variables[number % len(row.variables)]})
    if status != 200 or b'"errors"' in answer:
        print(f"bench: {row.name} failed: {status} {answer[:300]!r}")
        return False
    return True


async def _cpu_ms(client: Client, row: Row, runs: int) -> float:
    """CPU milliseconds of this process per request, over `runs` requests."""
    cpu = time.process_time()
    for number in range(runs):
        await _post(client, row, number)
    return (time.process_time() - cpu) * 1000 / runs


def _extra(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only", help="Only the rows whose name contains this text.")
    parser.add_argument("--rounds", type=int, default=5, help="Rounds over every row (default: %(default)s).")
    parser.add_argument("--rate-limits", action="store_true", help="Count requests (in memory), as by default.")
    parser.add_argument("--profile", action="store_true", help="Profile each row (pyinstrument).")
    parser.add_argument("--profile-all", action="store_true", help="With --profile: every frame, libraries too.")
    parser.add_argument("--label", default="", help="A label for the output lines (to tell runs apart).")
    return parser.parse_known_args(argv)


async def bench(options: Options, server: Server, extra: argparse.Namespace) -> None:
    url = server.url_of(options.database_name)
    await _data_set(options, server, url)
    rows = [row for row in await _rows(url) if extra.only is None or extra.only in row.name]
    async with _client(url, extra.rate_limits) as client:
        if extra.profile:
            for row in rows:
                await print_profile(
                    partial(_post, client, row),
                    warmup=WARMUP_RUNS,
                    runs=options.runs,
                    title=row.name,
                    show_all=extra.profile_all,
                    interval=0.0001,
                )
            return
        for row in rows:
            for number in range(WARMUP_RUNS):
                await _post(client, row, number)
        figures: dict[str, list[float]] = {row.name: [] for row in rows}
        for round_number in range(extra.rounds):
            progress(f"round {round_number + 1} of {extra.rounds}")
            for row in rows:
                figures[row.name].append(await _cpu_ms(client, row, options.runs))
    print(
        f"\napp CPU ms per request ({options.runs} requests per row and round;"
        f" median and least of {extra.rounds} rounds)"
    )
    reads = client.app.state.compiled_reads
    print(f"compiled reads answered {reads.answered:,} requests and declined {reads.declined:,}")
    for name, values in figures.items():
        spread = ", ".join(f"{value:.3f}" for value in values)
        print(f"{extra.label}{name:<24} {statistics.median(values):7.3f} {min(values):7.3f}   ({spread})")


def main(argv: list[str] | None = None) -> None:
    extra, rest = _extra(argv)
    options = parse(rest)
    with running_server(options.database_url, options.data_dir) as server:
        _run(bench(options, server, extra))


if __name__ == "__main__":
    main()
