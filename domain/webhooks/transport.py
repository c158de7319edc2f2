"""The HTTP side of a delivery: one POST with a timeout, no redirects, no proxies, and a connection that can
only reach the addresses `targets` allows, checked when the socket is opened."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import httpcore
import httpx

from domain.webhooks.targets import TargetRefused, refused_among, resolve

#: Enough of a response body to keep the connection reusable; the rest is not read.
BODY_LIMIT = 64 * 1024
ERROR_LIMIT = 1000
# httpcore's own alias, which it does not export.
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


@dataclass(frozen=True, slots=True)
class Response:
    """What one attempt got: a status, or an error, and how long it took."""

    status: int | None
    latency_ms: int
    error: str | None = None
    retry_after: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself and connects to a checked address, so no later lookup can point it inward."""

    def __init__(self, *, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except (OSError, TimeoutError) as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        if not self._allow_private and refused_among(addresses):
            raise TargetRefused(f"{host} resolves to an address webhooks may not reach.")
        failure: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's signature)
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("Webhooks do not reach unix sockets.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, allow_private: bool, max_connections: int = 100) -> None:
        # No proxy from the environment: a proxy would connect wherever it is told, past the address check.
        super().__init__(trust_env=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private=allow_private),
        )


class Sender:
    """Posts deliveries; one per process and event loop (it keeps a connection pool)."""

    def __init__(self, *, timeout: timedelta, allow_private: bool) -> None:
        self._timeout = timeout.total_seconds()
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(allow_private=allow_private),
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=False,
        )

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Response:
        started = time.perf_counter()

        def elapsed() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            async with self._client.stream("POST", url, content=body, headers=headers) as response:
                await _drain(response)
                return Response(response.status_code, elapsed(), retry_after=response.headers.get("retry-after"))
        except TargetRefused as error:
            return Response(None, elapsed(), f"Refused: {error}")
        except httpx.TimeoutException:
            return Response(None, elapsed(), f"Timed out after {self._timeout:g} s.")
        except httpx.HTTPError as error:
            return Response(None, elapsed(), f"{type(error).__name__}: {error}"[:ERROR_LIMIT])

    async def close(self) -> None:
        await self._client.aclose()


async def _drain(response: httpx.Response) -> None:
    read = 0
    async for chunk in response.aiter_raw():
        read += len(chunk)
        if read > BODY_LIMIT:
            return
