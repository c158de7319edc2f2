"""The replan jobs, apart from Dramatiq: each takes its sessions and the time it runs at, and runs the rules of
domain/schedules/replans.py in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxEvent
from db.tenant import Caller, tenant_session, worker_for
from domain.schedules import replans

Sessions = async_sessionmaker[AsyncSession]


async def request(sessions: Sessions, event: OutboxEvent, due_at: datetime) -> list[uuid.UUID]:
    """Ask for the replans an event calls for, as its company's worker; the people for whom none was pending yet
    (enqueue a job for them once this has committed)."""
    if not replans.calls_for_replans(event):
        return []
    async with tenant_session(sessions, worker_for(event.company_id)) as session:
        return await replans.request(session, event, due_at)


async def run(sessions: Sessions, user_id: uuid.UUID, now: datetime) -> timedelta | None:
    """Replan the person, as themselves, if their request is due; how long to wait when changes came in since."""
    async with tenant_session(sessions, Caller(user_id=user_id)) as session:
        return await replans.replan_if_due(session, user_id, now)
