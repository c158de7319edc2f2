"""A client that calls from a known address with a known user agent, so entries can be checked for both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.graphql import GraphQL

CLIENT_ADDRESS = "203.0.113.7"
USER_AGENT = "RhythmTest/1.0 (audit)"


@pytest.fixture(scope="session")
async def located(app: Litestar, client: AsyncTestClient[Litestar]) -> AsyncIterator[GraphQL]:
    """The session's app (started by `client`), reached as the peer CLIENT_ADDRESS with USER_AGENT."""
    transport = httpx.ASGITransport(app=app, client=(CLIENT_ADDRESS, 51000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://rhythm.test", headers={"User-Agent": USER_AGENT}
    ) as http:
        yield GraphQL(cast(Any, http))
