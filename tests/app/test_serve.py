"""`rhythm serve` as a user runs it: embedded PostgreSQL in a data folder, migrated, seeded once, over real HTTP."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.seed import DEMO_PASSWORD
from tests.app.rhythm_process import environment, free_port, start, stop, wait_ready

LOG_IN = """
mutation($email: String!, $password: String!) {
  logIn(input: {email: $email, password: $password}) { ... on AuthPayload { accessToken } ... on Error { message } }
}
"""
COMPANIES = "{ viewer { companies { nodes { name } } } }"


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
    port = free_port()
    first = start(data_dir, port)
    try:
        wait_ready(first, port)
        assert _demo_companies(port) == ["Acme Studio", "Globex Labs", "Personal"]

        second = subprocess.run(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
            cwd=data_dir.parent,
            env=environment(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert "is in use by Rhythm" in second.stdout + second.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
    finally:
        first_output = stop(first)
    assert "seeded the demo" in first_output

    again = start(data_dir, port)
    try:
        wait_ready(again, port)
        assert _demo_companies(port) == ["Acme Studio", "Globex Labs", "Personal"]
    finally:
        again_output = stop(again)
    assert "seeded the demo" not in again_output
