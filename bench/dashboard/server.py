"""`rhythm serve` as a subprocess on a free loopback port, the way it runs in production."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bench.dashboard.dataset import PASSWORD
from bench.dashboard.queries import LOG_IN

REPOSITORY = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # The server's own process group: its uvicorn workers, nothing else.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


async def _wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"rhythm serve exited with {process.returncode}:\n{_tail(log)}")
            try:
                if (await client.get("/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError(f"rhythm serve was not ready after {READY_TIMEOUT:.0f} s:\n{_tail(log)}")


def _start(database_url: str, workers: int, work_dir: Path, port: int) -> subprocess.Popen[bytes]:
    work_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RHYTHM_LOG_LEVEL": "WARNING",
        "RHYTHM_RATE_LIMITS_ENABLED": "false",
        "RHYTHM_JWT_SECRET": secrets.token_urlsafe(48),
        "RHYTHM_DATA_DIR": str(work_dir),
        "RHYTHM_SEED_DEMO": "false",
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (work_dir / "server.log").open("wb") as output:
        return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
            [*command, "--workers", str(workers)],
            cwd=REPOSITORY,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


@asynccontextmanager
async def serving(database_url: str, workers: int, work_dir: Path) -> AsyncIterator[str]:
    """The base URL of a running server; it is stopped when the block ends."""
    port = free_port()
    process = await asyncio.to_thread(_start, database_url, workers, work_dir, port)
    try:
        base_url = f"http://127.0.0.1:{port}"
        await _wait_ready(base_url, process, work_dir / "server.log")
        yield base_url
    finally:
        await asyncio.to_thread(_stop, process)


async def log_in(base_url: str, email: str) -> str:
    """An access token for `email`, through the public `logIn` mutation."""
    body = {"query": LOG_IN, "variables": {"email": email, "password": PASSWORD}}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        response = await client.post("/graphql", json=body)
    payload = response.json()["data"]["logIn"]
    if payload["__typename"] != "AuthPayload":
        raise RuntimeError(f"logIn as {email} failed: {payload}")
    return str(payload["accessToken"])
