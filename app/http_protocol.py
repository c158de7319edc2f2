"""Slow or idle clients are cut: uvicorn's HTTP protocol with deadlines for receiving a request, and a cap on
open connections per process.

uvicorn (0.54) times out only the idle time between requests (`timeout_keep_alive`), and resets even that on
every byte received: a client that connects and sends nothing, or trickles its headers a byte at a time, holds
its connection (a slowloris) for as long as it likes. An ASGI middleware cannot help, as the application
hears of a request only once its head is complete. So the protocol itself keeps two deadlines:

- the head (request line and headers) must arrive within `RHYTHM_HTTP_HEADER_TIMEOUT_SECONDS` of the
  connection opening, or of the first byte of the next request on a kept-alive connection;
- the body must arrive within `RHYTHM_HTTP_BODY_TIMEOUT_SECONDS` of the head.

A connection that misses one is closed. Neither covers the response, so a slow operation or a subscription is
never cut by them (the operation's own budget bounds the first; a websocket leaves this protocol at its
upgrade). Past `RHYTHM_HTTP_MAX_CONNECTIONS` open connections (HTTP and WebSocket; fewer where the open-files limit
leaves less room, app/open_files.py), a new one is closed at once: cheaper than reading its head to answer 503,
which is what a slowloris would want.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.open_files import connection_cap, open_files_limit
from base.settings import get_settings

log = structlog.get_logger("rhythm.http")


class GuardedHttpProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read in each server process (uvicorn builds a protocol per connection; the settings are cached).
        settings = get_settings()
        self._head_seconds = settings.http_header_timeout_seconds
        self._body_seconds = settings.http_body_timeout_seconds
        # Each connection is an open file, and so is each of the pool's (up to twice its size): app/open_files.py.
        self._max_connections = connection_cap(
            settings.http_max_connections, 2 * settings.database_pool_size, open_files_limit()
        )
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._max_connections:
            log.warning("http_connection_refused", open_connections=len(self.connections))
            transport.close()
            return
        self._arm(self._head_seconds, "head")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # the next request on a kept-alive connection
            self._arm(self._head_seconds, "head")

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._arm(self._body_seconds, "body")

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, seconds: float, part: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow, part, seconds)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, part: str, seconds: float) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("http_client_too_slow", part=part, seconds=seconds, client=self.client)
            self.transport.close()
