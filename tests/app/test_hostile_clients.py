"""One real `rhythm serve` process under hostile clients: documents that would expand to millions of fields,
connections that trickle their headers or body, more connections than it takes. It refuses or cuts them, and
a normal client is answered all the while."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from tests.databases import own_database
from tests.errors.documents import fan_out, inline_fan_out
from tests.live.servers import Server, serving, signed_up
from tests.live.sockets import bearer, socket

HEADER_SECONDS = 5
BODY_SECONDS = 5
MAX_CONNECTIONS = 230
# RHYTHM_HTTP_MAX_BODY_BYTES as the server runs here (the default), which holds WebSocket messages too.
REQUEST_BODY_BYTES = 1_000_000
SLOW_CLIENTS = 200
# A client gives up on the server cutting it after this: far beyond the timeouts, never reached when it works.
PATIENCE_SECONDS = 120


@pytest.fixture(scope="module")
def server(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("RHYTHM_HTTP_HEADER_TIMEOUT_SECONDS", str(HEADER_SECONDS))
        environment.setenv("RHYTHM_HTTP_BODY_TIMEOUT_SECONDS", str(BODY_SECONDS))
        environment.setenv("RHYTHM_HTTP_MAX_CONNECTIONS", str(MAX_CONNECTIONS))
        with own_database(server_url, "live") as url, serving(url, [tmp_path_factory.mktemp("hostile")]) as [one]:
            yield one


async def _viewer_name(client: httpx.AsyncClient, token: str) -> str:
    response = await client.post(
        "/graphql", json={"query": "{ viewer { user { displayName } } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["viewer"]["user"]["displayName"])


async def test_fan_out_documents_are_refused_while_a_normal_request_is_answered(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        token = await signed_up(client, "fanout")
        headers = {"Authorization": f"Bearer {token}"}

        async def hostile(document: str) -> str:
            response = await client.post("/graphql", json={"query": document}, headers=headers)
            return str(response.json()["errors"][0]["extensions"]["code"])

        documents = [fan_out(), fan_out(levels=8, width=8), inline_fan_out()] * 10
        refusals = asyncio.gather(*(hostile(document) for document in documents))
        normal = await _viewer_name(client, token)

        assert set(await refusals) == {"QUERY_TOO_COMPLEX"}
        assert normal == "fanout"


async def test_a_fan_out_subscription_is_refused_over_the_websocket(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        token = await signed_up(client, "subscriber")
    document = fan_out(operation="subscription", leaf="taskEvents { type }")

    async with socket(server.ws_url, bearer(token)) as opened:
        await opened.subscribe("1", document)
        message = await opened.receive(30)

    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_a_websocket_message_larger_than_a_request_body_closes_its_socket(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=60) as client:
        token = await signed_up(client, "oversized")
        padding = " " * (REQUEST_BODY_BYTES + 1)  # a valid document, larger than a POST may be
        async with socket(server.ws_url, bearer(token)) as opened:
            await opened.subscribe("1", "subscription { taskEvents { type } }" + padding)
            with pytest.raises(ConnectionClosed) as closed:
                await opened.receive(PATIENCE_SECONDS)
        normal = await _viewer_name(client, token)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == CloseCode.MESSAGE_TOO_BIG
    assert normal == "oversized"


@dataclass
class Slow:
    """A client that sends `head` and then one more header line every half second, never finishing."""

    port: int
    head: bytes
    trickle: bytes
    cut: bool = False

    async def run(self, connected: asyncio.Event, count: list[int]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        count.append(1)
        if len(count) == SLOW_CLIENTS:
            connected.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE_SECONDS
        try:
            writer.write(self.head)
            while loop.time() < deadline:
                with contextlib.suppress(TimeoutError):
                    if await asyncio.wait_for(reader.read(1024), 0.5) == b"":
                        self.cut = True
                        return
                writer.write(self.trickle)
                await writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            self.cut = True
        finally:
            writer.close()


async def _slow_clients_are_cut(server: Server, head: bytes, trickle: bytes) -> None:
    clients = [Slow(server.port, head, trickle) for _ in range(SLOW_CLIENTS)]
    connected = asyncio.Event()
    count: list[int] = []
    running = [asyncio.create_task(client.run(connected, count)) for client in clients]
    await asyncio.wait_for(connected.wait(), 60)

    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as normal:
        token = await signed_up(normal, f"normal{id(clients)}")
        for _ in range(5):
            assert (await normal.get("/health")).status_code == 200
            assert await _viewer_name(normal, token) == f"normal{id(clients)}"

    await asyncio.gather(*running)
    assert sum(client.cut for client in clients) == SLOW_CLIENTS


async def test_clients_trickling_their_headers_are_cut_while_a_normal_client_is_answered(server: Server) -> None:
    await _slow_clients_are_cut(server, b"POST /graphql HTTP/1.1\r\nHost: rhythm\r\n", b"X-Slow: 1\r\n")


async def test_clients_trickling_their_body_are_cut_while_a_normal_client_is_answered(server: Server) -> None:
    head = b"POST /graphql HTTP/1.1\r\nHost: rhythm\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    await _slow_clients_are_cut(server, head + b'{"query": "', b" ")


async def test_connections_past_the_cap_are_closed_at_once(server: Server) -> None:
    loop = asyncio.get_running_loop()

    async def idle() -> float:
        """Seconds from connecting until the server closed the connection (it never sends anything)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        opened = loop.time()
        try:
            await asyncio.wait_for(reader.read(), PATIENCE_SECONDS)
        except ConnectionResetError:
            pass
        finally:
            writer.close()
        return loop.time() - opened

    held = await asyncio.gather(*(idle() for _ in range(MAX_CONNECTIONS + 20)))

    # Nothing else closes a connection before its header deadline: those must be the ones past the cap.
    assert sum(seconds < HEADER_SECONDS for seconds in held) >= 20
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        assert (await client.get("/health")).status_code == 200
