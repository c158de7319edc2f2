"""Replanning after changes: a committed task or calendar change asks for a replan of the people it concerns,
and each person is replanned once their changes have settled (a burst of edits yields one replan). The jobs that
run these in their own transactions are in workers/scheduling/jobs.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import OutboxEvent, ReplanRequest, TimeBlock
from domain.schedules import plans


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def calls_for_replans(event: OutboxEvent) -> bool:
    return event.type.startswith(("task.", "event."))


async def concerned(session: AsyncSession, event: OutboxEvent) -> set[uuid.UUID]:
    """The people whose plan an event may change: a task's assignee (or its maker, when unassigned) and whoever
    holds blocks of it; an event's calendar owner."""
    people: set[uuid.UUID | None] = set()
    if event.type.startswith("task."):
        task = event.payload.get("task") or {}
        assignee = _uuid(task.get("assignee_id"))
        people.add(assignee if assignee is not None else event.actor_user_id)
        if event.subject_id is not None:
            holders = sa.select(col(TimeBlock.user_id)).where(col(TimeBlock.task_id) == event.subject_id).distinct()
            people.update((await session.execute(holders)).scalars())
    elif event.type.startswith("event."):
        people.add(_uuid((event.payload.get("event") or {}).get("user_id")))
    return {person for person in people if person is not None}


async def request(session: AsyncSession, event: OutboxEvent, due_at: datetime) -> list[uuid.UUID]:
    """Ask for the replans an event calls for; the people for whom none was pending yet (a job is due for them)."""
    fresh = []
    for person in sorted(await concerned(session, event)):
        asked = sa.select(sa.func.rhythm.request_replan(person, due_at))
        if (await session.execute(asked)).scalar_one():
            fresh.append(person)
    return fresh


async def replan_if_due(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> timedelta | None:
    """Replan the person if their request is due; how long to wait when changes came in since it was made."""
    # Taking the due request locks it, so a change arriving meanwhile waits and then asks anew.
    mine = col(ReplanRequest.user_id) == user_id
    taken = sa.delete(ReplanRequest).where(mine, col(ReplanRequest.due_at) <= now).returning(col(ReplanRequest.user_id))
    if (await session.execute(taken)).first() is None:
        due_at = (await session.execute(sa.select(col(ReplanRequest.due_at)).where(mine))).scalar_one_or_none()
        return None if due_at is None else due_at - now
    await plans.apply(session, user_id, now, cause="replan")
    return None
