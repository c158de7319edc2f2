"""Liveness (`/health`: the process answers) and readiness (`/ready`: the database answers too)."""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@get("/health", sync_to_thread=False, include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, str]]:
    engine: AsyncEngine = state.engine
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return Response({"status": "unavailable", "database": type(error).__name__}, status_code=503)
    return Response({"status": "ok", "database": "ok"})
