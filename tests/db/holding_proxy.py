"""A loopback TCP proxy in front of PostgreSQL that passes every byte on but holds back the server's close:
when `holding`, a client then reads the server's last words (a FATAL as its backend ends) and sees its connection
still open, as it does when the close arrives a moment after them. The close reaches the client when it next
writes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url


@dataclass
class HoldingProxy:
    upstream_host: str
    upstream_port: int
    # Whether the next close of a server side is held back from its client; once held, set `server_ended`,
    # when everything that server sent has reached the client's socket.
    holding: bool = False
    server_ended: asyncio.Event = field(default_factory=asyncio.Event)
    _clients: list[asyncio.StreamWriter] = field(default_factory=list)
    _server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def url(self, database_url: str) -> str:
        """`database_url` through this proxy."""
        parsed = make_url(database_url)
        query = {name: value for name, value in parsed.query.items() if name not in ("host", "port")}
        return parsed.set(host="127.0.0.1", port=self.port, query=query).render_as_string(hide_password=False)

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream_host.startswith("/"):  # a socket folder, as libpq names it
            return await asyncio.open_unix_connection(f"{self.upstream_host}/.s.PGSQL.{self.upstream_port}")
        return await asyncio.open_connection(self.upstream_host, self.upstream_port)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._clients.append(client_writer)
        server_reader, server_writer = await self._open_upstream()
        ended = asyncio.Event()

        async def to_server() -> None:
            while data := await client_reader.read(65536):
                if ended.is_set():
                    break  # the client writes again: now it hears the close (asyncpg's close() waits for it)
                server_writer.write(data)
                await server_writer.drain()
            server_writer.close()
            client_writer.close()

        async def to_client() -> None:
            while data := await server_reader.read(65536):
                client_writer.write(data)
                await client_writer.drain()
            if not self.holding:
                client_writer.close()
                return
            self.holding = False
            ended.set()
            self.server_ended.set()  # and the client's side stays open

        with contextlib.suppress(ConnectionError):
            await asyncio.gather(to_server(), to_client())


def _upstream(database_url: str) -> tuple[str, int]:
    parsed = make_url(database_url)
    host = parsed.query.get("host") or parsed.host or "127.0.0.1"
    port = parsed.query.get("port") or parsed.port or 5432
    return str(host if isinstance(host, str) else host[0]), int(port if isinstance(port, (int, str)) else port[0])


@contextlib.asynccontextmanager
async def holding_proxy(database_url: str) -> AsyncIterator[HoldingProxy]:
    host, port = _upstream(database_url)
    proxy = HoldingProxy(host, port)
    proxy._server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
    try:
        yield proxy
    finally:
        for client in proxy._clients:
            client.close()
        proxy._server.close()
