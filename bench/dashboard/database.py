"""The PostgreSQL server (embedded unless a URL is given) and the bench database on it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from db import embedded


@dataclass(frozen=True, slots=True)
class Server:
    admin_url: str
    label: str

    def url_of(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)


def plain_url(url: str) -> str:
    """asyncpg and the app both take postgresql://; accept postgres:// and SQLAlchemy driver names too."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def running_server(database_url: str | None, data_dir: Path) -> Iterator[Server]:
    if database_url:
        url = plain_url(database_url)
        parsed = make_url(url)
        yield Server(admin_url=url, label=f"server at {parsed.host or 'local socket'}:{parsed.port or 5432}")
        return
    try:
        server = embedded.start(data_dir)
    except embedded.DataDirInUse as error:
        sys.exit(f"bench: {error}")
    try:
        yield Server(admin_url=server.url("postgres"), label=f"embedded, data in {data_dir}")
    finally:
        server.stop()


async def server_version(admin_url: str) -> str:
    connection = await asyncpg.connect(admin_url)
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def prepare_database(admin_url: str, name: str, fingerprint: str, *, fresh: bool) -> bool:
    """True when `name` already holds the data set of `fingerprint`; otherwise (re)create it empty."""
    connection = await asyncpg.connect(admin_url)
    try:
        # Loading writes past row-level security, and the tables force it even for their owner.
        if not await connection.fetchval("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"):
            sys.exit("bench: the database user must be a superuser (or have BYPASSRLS) to bulk-load the data set.")
        comment = await connection.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name
        )
        if comment == fingerprint and not fresh:
            return True
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        return False
    finally:
        await connection.close()


async def mark_loaded(admin_url: str, name: str, fingerprint: str) -> None:
    """Written last, so an interrupted load is never mistaken for a complete one."""
    connection = await asyncpg.connect(admin_url)
    try:
        literal = fingerprint.replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    finally:
        await connection.close()
