"""Over real HTTP (uvicorn on loopback, as `rhythm serve` runs it): a session keeps the client's address, which a
proxy Rhythm trusts may name in X-Forwarded-For and nobody else may."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from app.main import create_app
from base.settings import Settings
from tests.accounts.email_documents import SESSIONS
from tests.auth.sessions import LOG_IN
from tests.factories import PASSWORD, sign_up
from tests.graphql import GraphQL
from tests.notifications.mailbox import free_port
from tests.waiting import PATIENCE_SECONDS


class Served:
    """The app under uvicorn in a daemon thread, X-Forwarded-For left to Rhythm as `rhythm serve` does."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", proxy_headers=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + PATIENCE_SECONDS
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}/graphql"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=PATIENCE_SECONDS)


@pytest.fixture(scope="module")
def behind_a_proxy(settings: Settings) -> Iterator[str]:
    """Rhythm trusting a proxy on loopback (the tests' own connections come from there)."""
    with Served(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"], "run_workers_in_process": False})) as url:
        yield url


@pytest.fixture(scope="module")
def trusting_nobody(settings: Settings) -> Iterator[str]:
    with Served(settings.model_copy(update={"trusted_proxies": [], "run_workers_in_process": False})) as url:
        yield url


async def _session_address(url: str, email: str, forwarded_for: str) -> dict[str, Any]:
    headers = {"X-Forwarded-For": forwarded_for, "User-Agent": "Address Test/1.0"}
    async with httpx.AsyncClient(timeout=PATIENCE_SECONDS) as client:
        logged_in = await client.post(
            url, json={"query": LOG_IN, "variables": {"input": {"email": email, "password": PASSWORD}}}, headers=headers
        )
        token = logged_in.json()["data"]["logIn"]["accessToken"]
        listed = await client.post(url, json={"query": SESSIONS}, headers={"Authorization": f"Bearer {token}"})
    current: dict[str, Any] = next(s for s in listed.json()["data"]["viewer"]["sessions"] if s["current"])
    return current


async def test_a_trusted_proxy_names_the_client_address_of_the_session(graphql: GraphQL, behind_a_proxy: str) -> None:
    ada = await sign_up(graphql, name="Ada Proxied")

    session = await _session_address(behind_a_proxy, ada.email, "198.51.100.23, 127.0.0.1")

    assert (session["ipAddress"], session["userAgent"]) == ("198.51.100.23", "Address Test/1.0")


async def test_an_untrusted_peer_cannot_name_another_address(graphql: GraphQL, trusting_nobody: str) -> None:
    ada = await sign_up(graphql, name="Ada Direct")

    session = await _session_address(trusting_nobody, ada.email, "198.51.100.23")

    assert session["ipAddress"] == "127.0.0.1"
