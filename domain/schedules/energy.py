"""A person's energy: peak hours learned from the focus ratings of their completed sessions, or the declared ones
while the ratings are too few (the engine's `learn_energy` decides)."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import FocusSession, FocusState
from domain.planner.energy import Energy, FocusSample, learn_energy
from domain.planner.model import Day

# The most recent rated sessions the profile learns from, so old habits fade.
HISTORY_LIMIT = 200


async def focus_samples(session: AsyncSession, user_id: uuid.UUID) -> list[FocusSample]:
    """The person's rated, completed sessions the caller may see, each at the midpoint of its span."""
    statement = (
        sa.select(col(FocusSession.started_at), col(FocusSession.ended_at), col(FocusSession.focus_rating))
        .where(
            col(FocusSession.user_id) == user_id,
            col(FocusSession.state) == FocusState.COMPLETED.value,
            col(FocusSession.focus_rating).is_not(None),
        )
        .order_by(col(FocusSession.ended_at).desc())
        .limit(HISTORY_LIMIT)
    )
    samples = []
    for started, ended, rating in await session.execute(statement):
        if ended is not None and rating is not None:  # always, for a completed and rated session
            samples.append(FocusSample(started + (ended - started) / 2, rating))
    return samples


async def energy_of(session: AsyncSession, user_id: uuid.UUID, zone: ZoneInfo, declared: Day) -> Energy:
    return learn_energy(await focus_samples(session, user_id), zone, declared)
