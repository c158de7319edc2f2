"""Planning a person: a preview runs the engine and writes nothing; applying also replaces the movable blocks
(those placed again keep their rows), records the run, and a `schedule.updated` event for each company whose
blocks changed. Pinned, started, done and today's blocks are locked: the engine keeps them as they are."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import ScheduleRun, TimeBlock
from db.tenant import caller_of
from domain.errors import Conflict
from domain.planner import PlanOptions, Schedule, ScheduledBlock, plan
from domain.planner import Task as EngineTask
from domain.schedules import changes
from domain.schedules.changes import Span
from domain.schedules.problem import PersonProblem, build_problem

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
    # Engine ids of work a preview was asked to place beside the person's tasks (a plan request); no task rows.
    requested: frozenset[str] = frozenset()

    def company_of(self, task_id: str) -> uuid.UUID:
        return self.person.companies[task_id]


def _whole_reach(session: AsyncSession) -> None:
    # A plan weighs the person's time in every company; narrowed to one, it would plan over the others' meetings.
    if caller_of(session).company_id is not None:
        raise Conflict("A plan spans all your companies: send the request without X-Company-Id.")


# Work to place beside the person's tasks, made from their zone, now and the plan's horizon end.
ExtraWork = Callable[[ZoneInfo, datetime, datetime], EngineTask]


async def preview(
    session: AsyncSession, user_id: uuid.UUID, now: datetime, *, extra: ExtraWork | None = None
) -> Planned:
    _whole_reach(session)
    person = await build_problem(session, user_id, now)
    requested: frozenset[str] = frozenset()
    if extra is not None:
        problem = person.problem
        work = extra(problem.person.zone, now, problem.horizon_end)
        person = replace(person, problem=replace(problem, tasks=(*problem.tasks, work)))
        requested = frozenset({work.id})
    # The engine is pure CPU work; a thread keeps the event loop answering other requests meanwhile.
    schedule = await asyncio.to_thread(plan, person.problem, OPTIONS)
    return Planned(person=person, schedule=schedule, rows={}, applied=False, ran_at=now, requested=requested)


def _key(block: ScheduledBlock) -> tuple[str, datetime, datetime]:
    return (block.task_id, block.start, block.end)


async def apply(session: AsyncSession, user_id: uuid.UUID, now: datetime, *, cause: str = "apply") -> Planned:
    """`cause` names what asked for the plan (`apply`, `replan`) in the `schedule.updated` events it records."""
    planned = await preview(session, user_id, now)
    person = planned.person
    new = [block for block in planned.schedule.blocks if not block.locked]
    kept, stale = await _replace_movable(session, planned, {_key(block) for block in new})
    rows = {**person.existing, **kept}
    added: list[Span] = []
    for block in new:
        if _key(block) in kept:
            continue
        habit_id = person.habits.get(block.task_id)
        row = TimeBlock(
            company_id=planned.company_of(block.task_id),
            user_id=user_id,
            task_id=None if habit_id is not None else uuid.UUID(block.task_id),
            habit_id=habit_id,
            starts_at=block.start,
            ends_at=block.end,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        rows[_key(block)] = row.id
        added.append(Span(row.company_id, row.task_id, row.starts_at, row.ends_at))
    await session.flush()
    await _record_run(session, planned)
    await changes.record_plan(session, user_id, removed=stale, added=added, cause=cause, run_id=uuid.uuid4())
    return Planned(person=person, schedule=planned.schedule, rows=rows, applied=True, ran_at=now)


async def _replace_movable(
    session: AsyncSession, planned: Planned, wanted: set[tuple[str, datetime, datetime]]
) -> tuple[dict[tuple[str, datetime, datetime], uuid.UUID], list[Span]]:
    """Delete the movable blocks the new plan no longer has; those it has again stay, with their ids (a client
    holding one still finds it). Returns the rows kept by key, and where the deleted ones were."""
    person, now = planned.person, planned.ran_at
    locked_until = person.problem.locked_until or now
    in_plan = person.task_ids()
    movable = sa.and_(
        col(TimeBlock.user_id) == person.user_id,
        col(TimeBlock.state) == "planned",
        sa.not_(col(TimeBlock.pinned)),
        col(TimeBlock.starts_at) >= now,
        sa.or_(
            col(TimeBlock.starts_at) >= locked_until,
            col(TimeBlock.task_id).not_in(in_plan),
            col(TimeBlock.id).in_(person.dropped),
        ),
    )
    found = await session.execute(
        sa.select(
            col(TimeBlock.id),
            col(TimeBlock.company_id),
            col(TimeBlock.task_id),
            col(TimeBlock.starts_at),
            col(TimeBlock.ends_at),
        ).where(movable)
    )
    kept: dict[tuple[str, datetime, datetime], uuid.UUID] = {}
    stale: list[tuple[uuid.UUID, Span]] = []
    # Habit blocks go by their occurrence's engine id.
    engine_ids = {row_id: key[0] for key, row_id in person.existing.items()}
    for block_id, company_id, task_id, starts_at, ends_at in found:
        key = (engine_ids.get(block_id, str(task_id)), starts_at, ends_at)
        if key in wanted and key not in kept:
            kept[key] = block_id
        else:
            stale.append((block_id, Span(company_id, task_id, starts_at, ends_at)))
    if stale:
        await session.execute(sa.delete(TimeBlock).where(col(TimeBlock.id).in_([block_id for block_id, _ in stale])))
    return kept, [span for _, span in stale]


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
