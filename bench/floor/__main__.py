"""`python -m bench.floor`: what answering an HTTP POST costs before any GraphQL or database work, in the servers
Rhythm and PostGraphile 5 are built on.

Three servers, each of 2 processes (`--workers`) on a free loopback port, read a POSTed GraphQL body and answer a
fixed result the size of Rhythm's answer to a rename: uvicorn with a bare ASGI app (uvloop and httptools, as
`rhythm serve` runs it), uvicorn with one Litestar route, and node:http in a cluster on the Node 22 that
bench/compare runs PostGraphile 5 on. The same wrk and Lua body as bench/compare drive them, 1 and 16 clients,
in interleaved rounds. Server CPU ms/req is the user and system time of the server's process tree over the
measured runs per answered request: the floor under each server's CPU per request in bench/compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.compare import load as load_generator
from bench.compare.servers import NODE, install_postgraphile, tree_cpu_seconds
from bench.dashboard.report import load_average, machine, now
from bench.dashboard.server import REPOSITORY, free_port

HERE = Path(__file__).resolve().parent
BODY = (
    b'{"query":"mutation Rename($id: ID!, $title: String!) { updateTask(input: {id: $id, title: $title})'
    b' { ... on Task { id title } } }","variables":{"id":"VGFzazo1ZjQ2YjBkZS0wYjM4LTRkNGMtOWUzYi0xYjJjM2Q0ZTVmNjc=",'
    b'"title":"Renamed 7"}}'
)


@dataclass(frozen=True, slots=True)
class Server:
    label: str
    command: list[str]


def _servers(workers: int) -> list[Server]:
    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", str(workers)]
    options = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    return [
        Server("uvicorn, bare ASGI", [*uvicorn, *options, "bench.floor.apps:bare"]),
        Server("uvicorn, Litestar route", [*uvicorn, *options, "bench.floor.apps:routed"]),
        Server("node:http, Node 22", [NODE["postgraphile5"], str(HERE / "server.js")]),
    ]


@contextmanager
def _running(server: Server, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [*server.command, "--port", str(port)] if "uvicorn" in server.command else server.command
    environment = {**os.environ, "PORT": str(port), "WORKERS": str(workers)}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_ready(base_url, process))
        yield base_url, process.pid
    finally:
        # The server's own process group (its workers), which start_new_session gave it.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def _ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client:
        for _ in range(400):
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}")
            try:
                if (await client.post("/graphql", content=BODY)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{base_url} was not ready")


@dataclass
class Measured:
    runs: list[load_generator.Run] = field(default_factory=list)
    cpu: float = 0.0  # the server tree's CPU seconds over the measured runs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="Seconds per measured run (default: %(default)s).")
    parser.add_argument("--rounds", type=int, default=3, help="Measured runs per server, interleaved.")
    parser.add_argument("--concurrency", default="1,16", help="Client counts (default: %(default)s).")
    parser.add_argument("--workers", type=int, default=2, help="Server processes of each (default: %(default)s).")
    options = parser.parse_args()
    if load_generator.wrk_version() is None:
        sys.exit("bench: the floor bench needs wrk (Debian's package).")
    node = install_postgraphile("postgraphile5")
    servers = _servers(options.workers)
    work = Path(tempfile.mkdtemp(prefix="rhythm-bench-floor-"))
    print(f"bench.floor, {now()}, {machine()}, load {load_average()}, {node}, {options.workers} processes each")
    print(f"{'server':26} {'clients':>7} {'req/s':>9} {'p99 ms':>7} {'CPU ms/req':>10}  req/s by round")
    for clients in (int(value) for value in options.concurrency.split(",")):
        measured = {server.label: Measured() for server in servers}
        for _ in range(options.rounds):
            for server in servers:
                with _running(server, options.workers, work / "server.log") as (base_url, pid):
                    load = load_generator.prepare(base_url, [BODY], work, "floor", use_wrk=True)
                    asyncio.run(load.run("-", clients, 1))  # warm-up
                    before = tree_cpu_seconds(pid)
                    run = asyncio.run(load.run("-", clients, options.duration))
                    spent = tree_cpu_seconds(pid) - before
                measured[server.label].runs.append(run)
                measured[server.label].cpu += spent
        for label, entry in measured.items():
            rates = [run.rate for run in entry.runs]
            answered = sum(run.requests for run in entry.runs)
            p99 = load_generator.percentile(entry.runs, 0.99) * 1000
            cpu = entry.cpu / answered * 1000 if answered else float("nan")
            rounds = " / ".join(f"{rate:,.0f}" for rate in rates)
            print(f"{label:26} {clients:>7} {statistics.median(rates):>9,.0f} {p99:>7.2f} {cpu:>10.3f}  {rounds}")


if __name__ == "__main__":
    main()
