"""Alembic runs every migration as the connecting (owner) role, never as `rhythm_app`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables on the metadata)
from db.engine import create_engine
from db.migrate import MIGRATION_LOCK

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url, pool_size=1)  # two connections: the lock's and the migrations'
    try:
        async with engine.connect() as holder:
            # One migration run at a time on a database (two `rhythm serve` starting at once both migrate): a
            # session lock, held by a connection of its own across the migrations' transactions. The second run
            # waits here, then reads the version the first one left and applies nothing twice.
            await holder.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            await holder.commit()
            try:
                async with engine.connect() as connection:
                    await connection.run_sync(_run)
                    await connection.commit()
            finally:
                await holder.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                await holder.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must name the database to migrate"
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise SystemExit("Rhythm's migrations run online only: they create roles, functions and policies.")
run_migrations_online()
