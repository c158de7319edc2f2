"""A real `rhythm serve` on a loopback port and a database of its own, driven over HTTP and WebSocket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.databases import own_database
from tests.graphql import GraphQL
from tests.live.servers import Server, serving


@pytest.fixture(scope="session")
def server(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """In memory: no Redis, the jobs run inside the API process."""
    with (
        own_database(server_url, "live") as database_url,
        serving(database_url, [tmp_path_factory.mktemp("live")]) as [one],
    ):
        yield one


@pytest.fixture(scope="session")
async def api(server: Server) -> AsyncIterator[GraphQL]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        yield GraphQL(client)  # type: ignore[arg-type]
