"""One person's planning problem, read from the database: their open tasks in every company they may see, the
busy time of their calendars, their previous blocks, and their profile. The engine gets ids as text; the
companies of the tasks come back beside it, so blocks can carry their task's company."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from db.models import AiTaskClassification, CalendarEvent, Company, Task, TaskScheduling, TaskStatus, TimeBlock
from domain.planner import (
    BlockState,
    Deadline,
    DeadlineKind,
    DurationModel,
    EventRecord,
    Interval,
    PersonProfile,
    PlanBlock,
    Problem,
    Response,
    Transparency,
    WorkKind,
    busy_intervals,
)
from domain.planner import Task as EngineTask
from domain.planner.localtime import day_start, wall_clock
from domain.reads import any_of
from domain.schedules.durations import models_of
from domain.schedules.habits import habits_of
from domain.schedules.occurrences import occurrences_of, record_of
from domain.schedules.profile import person_profile
from domain.schedules.task_fields import dependencies_of, settings_of
from domain.schedules.windows import company_windows, habit_block_ids, habit_occurrences, nowhere, opened
from domain.schedules.work_hours import hours_of

# A task with neither a duration nor an estimate is planned for this long.
DEFAULT_MINUTES = 30
SLOT_MINUTES = 15
T = TypeVar("T")
OPEN = (TaskStatus.TODO.value, TaskStatus.IN_PROGRESS.value)


@dataclass(frozen=True, slots=True)
class PersonProblem:
    user_id: uuid.UUID
    problem: Problem
    # The company of every task and habit occurrence in the problem, by the engine's task id.
    companies: dict[str, uuid.UUID]
    # Existing blocks the plan keeps when locked, by (task id, start, end): their rows.
    existing: dict[tuple[str, datetime, datetime], uuid.UUID]
    today: datetime
    # The habit of every habit occurrence in the problem, by the engine's task id.
    habits: dict[str, uuid.UUID] = field(default_factory=dict)
    # Movable blocks of habit occurrences the plan no longer has (the habit changed or stopped).
    dropped: tuple[uuid.UUID, ...] = ()

    def task_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(engine_id) for engine_id in self.companies if engine_id not in self.habits]


def _mine(user_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Assigned to the person, or unassigned in their personal company and made by them."""
    personal = sa.select(col(Company.id)).where(col(Company.is_personal), col(Company.created_by) == user_id)
    unassigned_own = sa.and_(
        col(Task.assignee_id).is_(None), col(Task.created_by) == user_id, col(Task.company_id).in_(personal)
    )
    return sa.or_(col(Task.assignee_id) == user_id, unassigned_own)


async def open_tasks_of(session: AsyncSession, user_id: uuid.UUID) -> list[Task]:
    statement = sa.select(Task).where(_mine(user_id), col(Task.status).in_(OPEN)).order_by(col(Task.id))
    return list((await session.execute(statement)).scalars())


async def _statuses(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    statement = sa.select(col(Task.id), col(Task.status)).where(col(Task.id) == any_of(task_ids))
    return {task_id: status for task_id, status in await session.execute(statement)}


async def blocks_of(session: AsyncSession, user_id: uuid.UUID, since: datetime) -> list[TimeBlock]:
    statement = sa.select(TimeBlock).where(col(TimeBlock.user_id) == user_id, col(TimeBlock.ends_at) > since)
    return list((await session.execute(statement.order_by(col(TimeBlock.starts_at)))).scalars())


async def _done_before(session: AsyncSession, user_id: uuid.UUID, before: datetime) -> dict[uuid.UUID, int]:
    """Minutes of finished blocks before today, per task: work the plan no longer needs to place."""
    minutes = sa.func.sum(sa.extract("epoch", col(TimeBlock.ends_at) - col(TimeBlock.starts_at)) / 60)
    statement = (
        sa.select(col(TimeBlock.task_id), minutes)
        .where(col(TimeBlock.user_id) == user_id, col(TimeBlock.state) == "done", col(TimeBlock.ends_at) <= before)
        .where(col(TimeBlock.task_id).is_not(None))
        .group_by(col(TimeBlock.task_id))
    )
    return {task_id: int(total) for task_id, total in await session.execute(statement) if task_id is not None}


def _present(value: T | None) -> T:
    # The table's span check guarantees the fields of the event's kind.
    if value is None:
        raise ValueError("an event without its span")
    return value


def event_record(event: CalendarEvent, affects: bool) -> EventRecord:
    start: datetime | date
    end: datetime | date
    if event.all_day:
        start, end = _present(event.start_date), _present(event.end_date)
    else:
        start, end = _present(event.starts_at), _present(event.ends_at)
    return EventRecord(
        start=start,
        end=end,
        transparency=Transparency(event.transparency),
        response=None if event.response is None else Response(event.response),
        affects_availability=affects,
        cancelled=event.cancelled,
    )


async def _classified(session: AsyncSession, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, AiTaskClassification]:
    """The AI classification of each task that has one (companies that turned classification on)."""
    if not task_ids:
        return {}
    statement = sa.select(AiTaskClassification).where(col(AiTaskClassification.task_id) == any_of(task_ids))
    return {row.task_id: row for row in (await session.execute(statement)).scalars()}


def _engine_task(
    task: Task,
    settings: TaskScheduling | None,
    model: DurationModel,
    done: int,
    depends_on: list[uuid.UUID],
    classified: AiTaskClassification | None = None,
) -> EngineTask:
    settings = settings or TaskScheduling(task_id=task.id, company_id=task.company_id)
    # A person's own estimate first, else the classifier's; either is corrected by the person's history.
    estimate = task.estimated_minutes or (classified.estimated_minutes if classified else None)
    minutes = settings.duration_minutes or (
        model.predict(estimate, settings.work_kind).minutes if estimate else DEFAULT_MINUTES
    )
    deadline = None if task.due_at is None else Deadline(task.due_at, DeadlineKind(settings.deadline_kind))
    return EngineTask(
        id=str(task.id),
        duration_minutes=max(0, minutes - done),
        priority=5 - task.priority,
        effort=task.effort or (classified.effort if classified else 3),
        kind=WorkKind(settings.work_kind),
        splittable=settings.splittable,
        min_chunk_minutes=settings.min_chunk_minutes,
        max_chunk_minutes=settings.max_chunk_minutes,
        start_after=task.start_after,
        deadline=deadline,
        depends_on=tuple(str(other) for other in depends_on),
    )


def _engine_id(block: TimeBlock, habit_ids: dict[uuid.UUID, str]) -> str:
    return habit_ids.get(block.id) or str(block.task_id)


def _plan_block(block: TimeBlock, engine_id: str) -> PlanBlock:
    return PlanBlock(engine_id, block.starts_at, block.ends_at, BlockState(block.state), block.pinned)


@dataclass(frozen=True, slots=True)
class _Work:
    """The engine's tasks with the companies and habits behind them, and the profile they are planned under."""

    person: PersonProfile
    tasks: tuple[EngineTask, ...]
    companies: dict[str, uuid.UUID]
    habits: dict[str, uuid.UUID]
    zones: dict[uuid.UUID, ZoneInfo]


async def _work(
    session: AsyncSession, user_id: uuid.UUID, person: PersonProfile, tasks: list[Task], engine_tasks: list[EngineTask],
    now: datetime, horizon_end: datetime,
) -> _Work:  # fmt: skip
    """Tasks as they are, unless company hours or habits need each piece of work confined to its own windows."""
    companies = {str(task.id): task.company_id for task in tasks}
    habits = await habits_of(session, user_id, active_only=True)
    hours = await hours_of(session, user_id)
    zones = {habit.id: ZoneInfo(habit.time_zone) for habit in habits}
    if not habits and not any(task.company_id in hours for task in tasks):
        return _Work(person, tuple(engine_tasks), companies, {}, zones)
    windows = {
        company: company_windows(person, hours.get(company), now, horizon_end) or nowhere(horizon_end)
        for company in {task.company_id for task in tasks}
    }
    confined = [replace(t, windows=windows[task.company_id]) for t, task in zip(engine_tasks, tasks, strict=True)]
    by_habit: dict[str, uuid.UUID] = {}
    for habit in habits:
        for occurrence in habit_occurrences(habit, now, horizon_end):
            confined.append(occurrence)
            by_habit[occurrence.id] = habit.id
            companies[occurrence.id] = habit.company_id
    return _Work(opened(person), tuple(confined), companies, by_habit, zones)


async def build_problem(session: AsyncSession, user_id: uuid.UUID, now: datetime) -> PersonProblem:
    person, stored = await person_profile(session, user_id)
    today = day_start(wall_clock(now, person.zone).date(), person.zone)
    tomorrow = day_start(today.date() + timedelta(days=1), person.zone)
    horizon_end = now + timedelta(days=stored.horizon_days)
    tasks = await open_tasks_of(session, user_id)
    ids = [task.id for task in tasks]
    settings, depends = await settings_of(session, ids), await dependencies_of(session, ids)
    statuses = await _statuses(session, sorted({d for deps in depends.values() for d in deps}))
    model = (await models_of(session, [user_id]))[user_id]
    done = await _done_before(session, user_id, today)
    classified = await _classified(session, ids)
    engine_tasks = [
        _engine_task(
            task, settings.get(task.id), model, done.get(task.id, 0), depends[task.id], classified.get(task.id)
        )
        for task in tasks
    ]
    work = await _work(session, user_id, person, tasks, engine_tasks, now, horizon_end)
    blocks = [b for b in await blocks_of(session, user_id, today) if b.state != BlockState.MISSED.value]
    habit_ids = habit_block_ids(blocks, work.zones)
    kept = [b for b in blocks if _engine_id(b, habit_ids) in work.companies]
    # Fixed blocks of tasks outside the plan (done, reassigned) still take the person's time.
    outside = [b for b in blocks if _engine_id(b, habit_ids) not in work.companies]
    fixed = [b for b in outside if b.pinned or b.state != "planned"]
    dropped = tuple(b.id for b in outside if b.habit_id is not None and b not in fixed and b.starts_at >= now)
    events = [record_of(o) for o in await occurrences_of(session, user_id, person.zone, now, horizon_end)]
    busy = busy_intervals(events, person.zone, now, horizon_end)
    extra = [Interval(max(b.starts_at, now), b.ends_at) for b in fixed if b.ends_at > now]
    problem = Problem(
        person=work.person,
        now=now,
        horizon_end=horizon_end,
        tasks=work.tasks,
        busy=tuple(sorted((*busy, *extra), key=lambda i: i.start)),
        existing_blocks=tuple(_plan_block(b, _engine_id(b, habit_ids)) for b in kept),
        locked_until=tomorrow,
        completed_task_ids=frozenset(str(t) for t, status in statuses.items() if status == TaskStatus.DONE.value),
        slot_minutes=SLOT_MINUTES,
    )
    return PersonProblem(
        user_id=user_id,
        problem=problem,
        companies=work.companies,
        existing={(_engine_id(b, habit_ids), b.starts_at, b.ends_at): b.id for b in kept},
        today=today,
        habits=work.habits,
        dropped=dropped,
    )
