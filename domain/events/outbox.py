"""The outbox from the workers' side: an event loaded for `events.dispatch`, and events recorded done once every
reaction to them ran (domain/events/service.py writes them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import OutboxEvent


async def load_event(session: AsyncSession, event_id: uuid.UUID) -> OutboxEvent | None:
    statement = sa.select(OutboxEvent).where(col(OutboxEvent.id) == event_id)
    return (await session.execute(statement)).scalars().first()


async def complete(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> None:
    """Record that every reaction to these events ran: the relay stops dispatching them."""
    await session.execute(text("SELECT rhythm.complete_events(:ids)"), {"ids": list(event_ids)})
