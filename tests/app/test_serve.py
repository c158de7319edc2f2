"""`rhythm serve` as a user runs it: embedded PostgreSQL in a data folder, migrated, seeded once, over real HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.seed import DEMO_PASSWORD

LOG_IN = """
mutation($email: String!, $password: String!) {
  logIn(input: {email: $email, password: $password}) { ... on AuthPayload { accessToken } ... on Error { message } }
}
"""
COMPANIES = "{ viewer { companies { nodes { name } } } }"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    environment.update(
        RHYTHM_DATA_DIR=str(data_dir),
        RHYTHM_ARGON2_TIME_COST="1",
        RHYTHM_ARGON2_MEMORY_COST_KIB="64",
        RHYTHM_LOG_LEVEL="WARNING",
    )
    return environment


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        cwd=data_dir.parent,
        env=_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_ready(process: subprocess.Popen[str], port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"rhythm serve exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail("rhythm serve did not become ready")


def _stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read() if process.stdout else ""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / ".rhythm"


def _demo_companies(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/graphql"
    variables = {"email": "ada@rhythm.example", "password": DEMO_PASSWORD}
    token = httpx.post(url, json={"query": LOG_IN, "variables": variables}).json()["data"]["logIn"]["accessToken"]
    body = httpx.post(url, json={"query": COMPANIES}, headers={"Authorization": f"Bearer {token}"}).json()
    return sorted(company["name"] for company in body["data"]["viewer"]["companies"]["nodes"])


def test_serve_seeds_once_refuses_a_second_instance_and_keeps_data_across_restarts(data_dir: Path) -> None:
    port = _free_port()
    first = _start(data_dir, port)
    try:
        _wait_ready(first, port)
        assert _demo_companies(port) == ["Acme Studio", "Globex Labs", "Personal"]

        second = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(_free_port())],
            cwd=data_dir.parent,
            env=_environment(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "is in use by Rhythm" in second.stdout + second.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
    finally:
        first_output = _stop(first)
    assert "seeded the demo" in first_output

    again = _start(data_dir, port)
    try:
        _wait_ready(again, port)
        assert _demo_companies(port) == ["Acme Studio", "Globex Labs", "Personal"]
    finally:
        again_output = _stop(again)
    assert "seeded the demo" not in again_output
