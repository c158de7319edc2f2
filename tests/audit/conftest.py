"""A client that calls from a known address with a known user agent, so entries can be checked for both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.testing.transport import TestClientTransport

from tests.graphql import GraphQL

CLIENT_ADDRESS = "203.0.113.7"
USER_AGENT = "RhythmTest/1.0 (audit)"


class LocatedTransport(TestClientTransport[Any]):
    """Litestar's test transport (the app runs in the session client's event loop, where its pool lives), with a
    peer address: Litestar's says `testclient`, which is no IP address."""

    def parse_request(self, request: httpx.Request) -> dict[str, Any]:
        scope = super().parse_request(request)
        scope["client"] = (CLIENT_ADDRESS, 51000)
        return scope

    # What httpx asks of a transport it opens and closes; the session client owns the portal and the app.
    async def __aenter__(self) -> LocatedTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def aclose(self) -> None:
        return None


@pytest.fixture(scope="session")
async def located(client: AsyncTestClient[Litestar]) -> AsyncIterator[GraphQL]:
    """The session's app, reached as the peer CLIENT_ADDRESS with USER_AGENT."""
    transport = LocatedTransport(client=client)
    async with httpx.AsyncClient(
        transport=cast(Any, transport), base_url="http://rhythm.test", headers={"User-Agent": USER_AGENT}
    ) as http:
        yield GraphQL(cast(Any, http))
