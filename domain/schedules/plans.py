"""Planning a person: a preview runs the engine and writes nothing; applying also replaces the movable blocks
and records the run. Pinned, started, done and today's blocks are locked: the engine keeps them as they are."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import ScheduleRun, TimeBlock
from db.tenant import caller_of
from domain.errors import Conflict
from domain.schedules.problem import PersonProblem, build_problem
from domain.scheduling import PlanOptions, Schedule, ScheduledBlock, plan

# Enough search for a person's fortnight, and the same answer for the same rows.
OPTIONS = PlanOptions(work=400_000, max_effort=4_000)


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan with the rows it refers to: the company of each task, and the row of each kept block."""

    person: PersonProblem
    schedule: Schedule
    # Rows of the blocks once applied (kept or new), by (task id, start, end); empty for a preview.
    rows: dict[tuple[str, datetime, datetime], uuid.UUID]
    applied: bool
    ran_at: datetime

    def company_of(self, task_id: str) -> uuid.UUID:
        return self.person.companies[task_id]


def _whole_reach(session: AsyncSession) -> None:
    # A plan weighs the person's time in every company; narrowed to one, it would plan over the others' meetings.
    if caller_of(session).company_id is not None:
        raise Conflict("A plan spans all your companies: send the request without X-Company-Id.")


async def preview(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> Planned:
    _whole_reach(session)
    person = await build_problem(session, user_id, now)
    # The engine is pure CPU work; a thread keeps the event loop answering other requests meanwhile.
    schedule = await asyncio.to_thread(plan, person.problem, OPTIONS)
    return Planned(person=person, schedule=schedule, rows={}, applied=False, ran_at=now)


def _key(block: ScheduledBlock) -> tuple[str, datetime, datetime]:
    return (block.task_id, block.start, block.end)


async def apply(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> Planned:
    planned = await preview(session, user_id, now)
    person = planned.person
    locked_until = person.problem.locked_until or now
    in_plan = [uuid.UUID(task_id) for task_id in person.companies]
    movable = sa.and_(
        col(TimeBlock.user_id) == user_id,
        col(TimeBlock.state) == "planned",
        sa.not_(col(TimeBlock.pinned)),
        col(TimeBlock.starts_at) >= now,
        sa.or_(col(TimeBlock.starts_at) >= locked_until, col(TimeBlock.task_id).not_in(in_plan)),
    )
    await session.execute(sa.delete(TimeBlock).where(movable))
    rows = {key: row_id for key, row_id in person.existing.items()}
    new = [block for block in planned.schedule.blocks if not block.locked]
    for block in new:
        row = TimeBlock(
            company_id=planned.company_of(block.task_id),
            user_id=user_id,
            task_id=uuid.UUID(block.task_id),
            starts_at=block.start,
            ends_at=block.end,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        rows[_key(block)] = row.id
    await session.flush()
    await _record_run(session, planned)
    return Planned(person=person, schedule=planned.schedule, rows=rows, applied=True, ran_at=now)


async def _record_run(session: AsyncSession, planned: Planned) -> None:
    quality, problem = planned.schedule.quality, planned.person.problem
    values = {
        "ran_at": planned.ran_at,
        "horizon_start": problem.now,
        "horizon_end": problem.horizon_end,
        "objective": quality.objective,
        "lateness": quality.terms.lateness,
        "unplaced_cost": quality.terms.unplaced,
        "offpeak": quality.terms.offpeak,
        "fragmentation": quality.terms.fragmentation,
        "churn": quality.terms.churn,
        "late_minutes": quality.late_minutes,
        "late_tasks": quality.late_tasks,
        "hard_violations": quality.hard_violations,
        "moved_blocks": quality.moved_blocks,
        "strategy": quality.strategy,
        "unplaced": [
            {
                "task_id": item.task_id,
                "company_id": str(planned.person.companies.get(item.task_id, "")),
                "reason": item.reason.value,
                "detail": item.detail,
            }
            for item in planned.schedule.unplaced
        ],
    }
    statement = insert(ScheduleRun).values(user_id=planned.person.user_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))


async def last_run(session: AsyncSession, user_id: uuid.UUID) -> ScheduleRun | None:
    return await session.get(ScheduleRun, user_id)
