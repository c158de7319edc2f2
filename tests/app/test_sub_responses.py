"""Each request answers with its own status and headers, whatever the requests beside it answered. An operation
sets them on its sub-response (429 and Retry-After when rate-limited, 503 in an outage); a request whose body is
still arriving must not take another's. A real `rhythm serve` with rate limits on: Ada's request stops before its
body (`Expect: 100-continue`, which the server answers once it starts reading the body), Bob's is refused meanwhile,
then Ada's body arrives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.databases import own_database
from tests.live.servers import Server, serving, signed_up
from tests.waiting import PATIENCE_SECONDS

VIEWER = "{ viewer { user { displayName } } }"
LIMIT = 3


@pytest.fixture(scope="module")
def server(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    limits = {"RHYTHM_RATE_LIMITS_ENABLED": "true", "RHYTHM_RATE_LIMIT_REQUESTS": f"{LIMIT}/15 minutes"}
    with (
        own_database(server_url, "sub_responses") as url,
        serving(url, [tmp_path_factory.mktemp("sub-responses")], extra_environment=limits) as [one],
    ):
        yield one


async def test_a_request_keeps_its_own_status_while_another_is_refused(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=PATIENCE_SECONDS) as client:
        ada, bob = await signed_up(client, "ada"), await signed_up(client, "bob")
        as_bob = {"Authorization": f"Bearer {bob}"}
        for _ in range(LIMIT):
            assert (await client.post("/graphql", json={"query": VIEWER}, headers=as_bob)).status_code == 200

        body = json.dumps({"query": VIEWER}).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nhost: rhythm.test\r\ncontent-type: application/json\r\n"
            + f"authorization: Bearer {ada}\r\ncontent-length: {len(body)}\r\n".encode()
            + b"expect: 100-continue\r\n\r\n"
        )
        # Ada's request is under way, reading its body: its operation has begun.
        assert (
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PATIENCE_SECONDS) == b"HTTP/1.1 100 Continue\r\n\r\n"
        )

        refused = await client.post("/graphql", json={"query": VIEWER}, headers=as_bob)

        writer.write(body)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PATIENCE_SECONDS)
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        answer = json.loads(await reader.readexactly(length))
        writer.close()

    assert refused.status_code == 429
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
    assert b"retry-after" not in head.lower()
    assert answer == {"data": {"viewer": {"user": {"displayName": "ada"}}}}
