"""Predicted durations: a person's finished tasks (tracked time against the estimate, per deep or shallow work)
fitted by the engine's duration model, which shrinks toward the estimate while the history is thin."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import Task, TaskScheduling, TaskStatus, TimeEntry
from domain.planner import DurationModel, DurationSample
from domain.reads import any_of

# The most recent finished tasks per person that the model learns from.
HISTORY_LIMIT = 500


async def models_of(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, DurationModel]:
    """One fitted model per person, from the history the caller may see, in one statement."""
    minutes = sa.func.sum(sa.extract("epoch", col(TimeEntry.ended_at) - col(TimeEntry.started_at)) / 60)
    kind = sa.func.coalesce(col(TaskScheduling.work_kind), "shallow")
    statement = (
        sa.select(col(TimeEntry.user_id), kind, col(Task.estimated_minutes), minutes)
        .join(Task, sa.and_(col(Task.id) == col(TimeEntry.task_id), col(Task.company_id) == col(TimeEntry.company_id)))
        .outerjoin(TaskScheduling, col(TaskScheduling.task_id) == col(Task.id))
        .where(
            col(TimeEntry.user_id) == any_of(user_ids),
            col(TimeEntry.ended_at).is_not(None),
            col(Task.status) == TaskStatus.DONE.value,
            col(Task.estimated_minutes).is_not(None),
        )
        .group_by(col(TimeEntry.user_id), col(Task.id), kind, col(Task.estimated_minutes))
        .order_by(sa.func.max(col(Task.completed_at)).desc())
        .limit(HISTORY_LIMIT * max(1, len(user_ids)))
    )
    history: dict[uuid.UUID, list[DurationSample]] = defaultdict(list)
    for user_id, work_kind, estimated, actual in await session.execute(statement):
        if len(history[user_id]) < HISTORY_LIMIT:
            history[user_id].append(DurationSample(str(work_kind), int(estimated or 0), round(float(actual))))
    return {user_id: DurationModel.fit(history.get(user_id, [])) for user_id in user_ids}
