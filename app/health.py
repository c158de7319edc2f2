"""Liveness (`/health`: the process answers) and readiness (`/ready`: the process can serve requests).

Readiness names each dependency: the database answers, its schema is at the migrations' head (an API newer
than its schema fails in odd places), and Redis answers when one is configured. Each check has a short
timeout, so `/ready` answers promptly even when a dependency hangs.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from alembic.script import ScriptDirectory
from litestar import Response, get
from litestar.datastructures import State
from redis.asyncio import Redis
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.migrate import MIGRATIONS

CHECK_TIMEOUT_SECONDS = 3.0


def migrations_head() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


@dataclass
class Readiness:
    engine: AsyncEngine
    redis_url: str | None = None
    head: str | None = field(default_factory=migrations_head)
    _redis: Redis | None = None

    async def report(self) -> tuple[bool, dict[str, str]]:
        """Whether every dependency is ready, and what each one's state is."""
        states = {"database": "ok", "migrations": "ok"}
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                states["migrations"] = await self._migrations()
        except Exception as error:  # any failure to reach it means it is down
            states["database"] = f"down: {type(error).__name__}"
            states["migrations"] = "unknown"
        if self.redis_url:
            states["redis"] = await self._redis_state()
        ready = all(state == "ok" or state.startswith("unknown") for state in states.values())
        return ready, states

    async def _migrations(self) -> str:
        async with self.engine.connect() as connection:
            try:
                current = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            except exc.ProgrammingError as error:
                if isinstance(error.orig, Exception) and "permission denied" in str(error.orig):
                    return "unknown: this role may not read alembic_version"
                return "behind: no alembic_version table"
        if current != self.head:
            return f"behind: at {current}, head is {self.head}"
        return "ok"

    async def _redis_state(self) -> str:
        if self._redis is None:
            assert self.redis_url is not None
            self._redis = Redis.from_url(
                self.redis_url, socket_timeout=CHECK_TIMEOUT_SECONDS, socket_connect_timeout=CHECK_TIMEOUT_SECONDS
            )
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                await self._redis.ping()
        except Exception as error:
            return f"down: {type(error).__name__}"
        return "ok"

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()


@get("/health", sync_to_thread=False, include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, str]]:
    readiness: Readiness = state.readiness
    ok, states = await readiness.report()
    if not ok:
        return Response({"status": "unavailable", **states}, status_code=503, headers={"Retry-After": "5"})
    return Response({"status": "ok", **states})
