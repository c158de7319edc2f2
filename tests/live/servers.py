"""Real Rhythm processes for the live tests: `rhythm serve` (and `rhythm worker`) on a database of their own.

A database of their own, because the in-process API of the other tests runs an outbox relay too, and would
claim (and publish in its own process) events these servers' subscribers wait for.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.factories import PASSWORD, SIGN_UP
from tests.waiting import PATIENCE_SECONDS

# Every server of a test signs and checks tokens with it, so a token from one works on the others.
JWT_SECRET = "live-test-secret-" + "y" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, redis_url: str | None, folder: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(
        DATABASE_URL=database_url,
        RHYTHM_DATA_DIR=str(folder),
        RHYTHM_JWT_SECRET=JWT_SECRET,
        RHYTHM_ARGON2_TIME_COST="1",
        RHYTHM_ARGON2_MEMORY_COST_KIB="64",
        RHYTHM_LOG_LEVEL="WARNING",
        # Tests sign many people up from one address; tests/production checks the rate limits.
        RHYTHM_RATE_LIMITS_ENABLED="false",
        RHYTHM_SEED_DEMO="false",
    )
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


@dataclass
class Process:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def interrupt(self) -> None:
        """Ask for a graceful stop (a second SIGINT would make uvicorn skip it)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _spawn(arguments: list[str], environment: dict[str, str], folder: Path, name: str) -> Process:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", *arguments], env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    return Process(process, log)


@dataclass
class Server:
    """`rhythm serve` on a free loopback port."""

    port: int
    running: Process

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def _wait_ready(server: Server, seconds: float = PATIENCE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.running.process.poll() is not None:
            raise RuntimeError(f"rhythm serve exited early:\n{server.running.output()}")
        try:
            if httpx.get(f"{server.http_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"rhythm serve did not become ready:\n{server.running.output()}")


def _wait_worker_ready(worker: Process, seconds: float = PATIENCE_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if "ready for action" in worker.output():
            return
        if worker.process.poll() is not None:
            raise RuntimeError(f"rhythm worker exited early:\n{worker.output()}")
        time.sleep(0.2)
    raise RuntimeError(f"rhythm worker did not become ready:\n{worker.output()[-4000:]}")


@contextmanager
def serving(
    database_url: str,
    folders: list[Path],
    *,
    redis_url: str | None = None,
    worker: bool = False,
    extra_environment: dict[str, str] | None = None,
) -> Iterator[list[Server]]:
    """`rhythm serve` in each folder (and a `rhythm worker` against Redis when asked), started side by side."""
    processes: list[Process] = []
    try:
        servers = []
        for folder in folders:
            port = free_port()
            environment = _environment(database_url, redis_url, folder) | (extra_environment or {})
            servers.append(Server(port, _spawn(["serve", "--port", str(port)], environment, folder, "api")))
            processes.append(servers[-1].running)
        if worker:
            assert redis_url, "a worker needs Redis"
            folder = folders[0].parent / "worker"
            # At INFO the worker says when it is "ready for action"; until then no event reaches a subscriber.
            environment = _environment(database_url, redis_url, folder) | {"RHYTHM_LOG_LEVEL": "INFO"}
            processes.append(_spawn(["worker", "--processes", "1", "--threads", "2"], environment, folder, "worker"))
        for server in servers:
            _wait_ready(server)
        if worker:
            _wait_worker_ready(processes[-1])
        yield servers
    finally:
        for process in processes:
            process.interrupt()
        for process in processes:
            process.wait()


async def signed_up(client: httpx.AsyncClient, name: str) -> str:
    """The access token of a person signed up as `name` over HTTP on a real server (`client` at its URL)."""
    variables = {
        "input": {"email": f"{name}@rhythm.test", "password": PASSWORD, "displayName": name, "timeZone": "UTC"}
    }
    body = (await client.post("/graphql", json={"query": SIGN_UP, "variables": variables})).json()
    return str(body["data"]["signUp"]["accessToken"])
