"""`rhythm serve --workers N` with a listening socket per worker process, so the kernel spreads connections.

uvicorn's supervisor binds one socket and every worker accepts on it. When many connections arrive at once (clients
reconnecting after a deploy), each arrival wakes every worker and the first awake accepts everything queued: 102 of
110 WebSockets opened together landed on one of two processes, and stayed there for as long as they lived. With
SO_REUSEPORT each worker listens on a socket of its own bound to the same address, and the kernel hands each new
connection to one of them by a hash of its addresses: an even spread however they arrive.

The supervisor is uvicorn's own (restarts, signals, health checks); only the sockets it hands each new worker
differ.
"""

from __future__ import annotations

import contextlib
import socket
import sys

from uvicorn.config import Config
from uvicorn.supervisors import Multiprocess


def available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sys.exit(f"rhythm serve: cannot listen on {host}:{port}: {error}")
    sock.set_inheritable(True)
    return sock


class SpreadMultiprocess(Multiprocess):
    """Each worker uvicorn starts (at first, on a restart, on SIGHUP or SIGTTIN) gets a new socket of its own.

    uvicorn starts a worker right after asking for its sockets, and a started worker holds its own copy of the
    socket (the spawn context passes it across), so the supervisor closes its copy the next time it makes one: a
    worker that dies then takes its socket out of the kernel's spread with it, rather than leaving a socket that
    the kernel hands connections to and nobody accepts.
    """

    def __init__(self, config: Config) -> None:
        self._held: socket.socket | None = None
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        if self._held is not None:
            self._held.close()
        self._held = reuse_port_socket(self.config.host, self.config.port)
        return [self._held]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        """uvicorn's constructor sets the one shared list; each worker gets its own instead."""


def run(config: Config) -> None:
    """What `uvicorn.run` does for several workers, with a socket per worker."""
    with contextlib.suppress(KeyboardInterrupt):
        SpreadMultiprocess(config).run()
