"""Time blocks, plans (previewed or applied), their quality figures and unplaced tasks, the week view, and the
scheduling settings of people and tasks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, time
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from domain.planner import BlockState, DeadlineKind, UnplacedReason, WorkKind
from domain.planner.energy import Energy, PeakSource
from domain.schedules.plans import Planned
from domain.schedules.profile import windows_of
from resolvers.calendars.types import CalendarEvent
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids, required
from resolvers.scheduling import enums  # noqa: F401  (gives the enums their names and descriptions)
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.scheduling.habits import Habit
    from resolvers.tasks.types import Task

TaskRef = Annotated["Task", strawberry.lazy("resolvers.tasks.types")]
HabitRef = Annotated["Habit", strawberry.lazy("resolvers.scheduling.habits")]


async def _task(info: Info, task_id: uuid.UUID) -> Task | None:
    from resolvers.tasks.types import Task

    row = await info.context.get_loaders().task.load(task_id)
    return None if row is None else Task.from_model(row)


async def _habit(info: Info, habit_id: uuid.UUID | None) -> Habit | None:
    from resolvers.scheduling.habits import Habit

    row = None if habit_id is None else await info.context.get_loaders().scheduling.habit.load(habit_id)
    return None if row is None else Habit.from_model(row)


def habit_of_engine_id(engine_id: str) -> uuid.UUID | None:
    """The habit of a habit occurrence's engine id (`<habit id>@<day>#<n>`); None for a task's id."""
    return uuid.UUID(engine_id.split("@", 1)[0]) if "@" in engine_id else None


@strawberry.type(
    description="A chunk of a task, or one occurrence of a habit, on one person's week; it belongs to their company."
)
class TimeBlock(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID | None]
    habit_id: strawberry.Private[uuid.UUID | None]
    starts_at: datetime = strawberry.field(description="When the block starts.")
    ends_at: datetime = strawberry.field(description="When the block ends.")
    state: BlockState = strawberry.field(description="Planned, started, done or missed.")
    pinned: bool = strawberry.field(description="Pinned blocks stay where they are when the plan is redone.")

    @classmethod
    def from_model(cls, row: models.TimeBlock) -> TimeBlock:
        return cls(
            id=row.id,
            company_id=row.company_id,
            user_id=row.user_id,
            task_id=row.task_id,
            habit_id=row.habit_id,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            state=BlockState(row.state),
            pinned=row.pinned,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TimeBlock | None]:
        return await nodes_by_ids(info.context.get_loaders().scheduling.block, node_ids, cls.from_model)

    @strawberry.field(description="The task this block works on; null for a habit's block.")
    async def task(self, info: Info) -> TaskRef | None:
        return None if self.task_id is None else required(await _task(info, self.task_id))

    @strawberry.field(description="The habit this block places an occurrence of; null for a task's block.")
    async def habit(self, info: Info) -> HabitRef | None:
        return await _habit(info, self.habit_id)

    @strawberry.field(description="The company of the block's task or habit.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The person whose block it is.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))


@strawberry.type(description="A block of a plan: new, or kept from before (locked).")
class PlannedBlock:
    task_id: strawberry.Private[uuid.UUID | None]
    habit_id: strawberry.Private[uuid.UUID | None]
    block_id: strawberry.Private[uuid.UUID | None]
    starts_at: datetime = strawberry.field(description="When the block starts.")
    ends_at: datetime = strawberry.field(description="When the block ends.")
    state: BlockState = strawberry.field(description="Planned, started, done or missed.")
    pinned: bool = strawberry.field(description="Whether the block is pinned.")
    locked: bool = strawberry.field(description="Kept as it was: pinned, started, done, or today's.")
    requested: bool = strawberry.field(
        default=False, description="Placed for the plan request given to previewSchedule (no task or habit)."
    )

    @strawberry.field(description="The task this block works on; null for a habit's block or a requested one.")
    async def task(self, info: Info) -> TaskRef | None:
        return None if self.task_id is None else required(await _task(info, self.task_id))

    @strawberry.field(description="The habit this block places an occurrence of; null for a task's block.")
    async def habit(self, info: Info) -> HabitRef | None:
        return await _habit(info, self.habit_id)

    @strawberry.field(description="The stored block, once the plan is applied; null in a preview.")
    async def time_block(self, info: Info) -> TimeBlock | None:
        if self.block_id is None:
            return None
        row = await info.context.get_loaders().scheduling.block.load(self.block_id)
        return None if row is None else TimeBlock.from_model(row)


@strawberry.type(description="A task or habit occurrence the plan could not place, and why.")
class UnplacedTask:
    task_id: strawberry.Private[uuid.UUID | None]
    habit_id: strawberry.Private[uuid.UUID | None]
    reason: UnplacedReason = strawberry.field(description="Why it could not be placed.")
    detail: str = strawberry.field(description="The particulars, in words.")
    requested: bool = strawberry.field(
        default=False, description="The plan request given to previewSchedule (no task or habit)."
    )

    @strawberry.field(description="The task; null for a habit occurrence or the plan request.")
    async def task(self, info: Info) -> TaskRef | None:
        return None if self.task_id is None else required(await _task(info, self.task_id))

    @strawberry.field(description="The habit of an occurrence that could not be placed; null for a task.")
    async def habit(self, info: Info) -> HabitRef | None:
        return await _habit(info, self.habit_id)

    @classmethod
    def of(cls, engine_id: str, reason: UnplacedReason, detail: str, *, requested: bool = False) -> UnplacedTask:
        if requested:
            return cls(task_id=None, habit_id=None, reason=reason, detail=detail, requested=True)
        habit_id = habit_of_engine_id(engine_id)
        task_id = None if habit_id is not None else uuid.UUID(engine_id)
        return cls(task_id=task_id, habit_id=habit_id, reason=reason, detail=detail)


@strawberry.type(description="How good a plan is: the objective the engine minimises and its parts (lower is better).")
class PlanQuality:
    objective: int = strawberry.field(description="The total cost.")
    lateness: int = strawberry.field(description="Cost of minutes past soft deadlines, by priority.")
    unplaced: int = strawberry.field(description="Cost of the work left out.")
    offpeak: int = strawberry.field(description="Cost of deep work outside peak hours.")
    fragmentation: int = strawberry.field(description="Cost of splitting tasks into more chunks.")
    churn: int = strawberry.field(description="Cost of moving blocks of the previous plan.")
    late_minutes: int = strawberry.field(description="Minutes past soft deadlines, in all.")
    late_tasks: int = strawberry.field(description="Tasks that end after their soft deadline.")
    hard_violations: int = strawberry.field(description="Broken hard rules; 0 unless something is wrong.")
    moved_blocks: int = strawberry.field(description="Blocks of the previous plan that moved.")
    strategy: str = strawberry.field(description="Which search produced the plan.")


@strawberry.type(description="A plan of the viewer's time across all their companies.")
class SchedulePlan:
    applied: bool = strawberry.field(description="Whether the blocks were stored (false for a preview).")
    ran_at: datetime = strawberry.field(description="When the plan was made.")
    horizon_start: datetime = strawberry.field(description="The plan covers time from here...")
    horizon_end: datetime = strawberry.field(description="...to here.")
    blocks: list[PlannedBlock] = strawberry.field(description="Every block of the plan, in time order.")
    unplaced: list[UnplacedTask] = strawberry.field(description="The tasks it could not place, with reasons.")
    quality: PlanQuality = strawberry.field(description="The plan's quality figures.")

    @classmethod
    def from_planned(cls, planned: Planned) -> SchedulePlan:
        schedule, problem = planned.schedule, planned.person.problem
        terms = schedule.quality.terms
        return cls(
            applied=planned.applied,
            ran_at=planned.ran_at,
            horizon_start=problem.now,
            horizon_end=problem.horizon_end,
            blocks=[
                PlannedBlock(
                    task_id=None
                    if block.task_id in planned.person.habits or block.task_id in planned.requested
                    else uuid.UUID(block.task_id),
                    habit_id=planned.person.habits.get(block.task_id),
                    block_id=planned.rows.get((block.task_id, block.start, block.end)),
                    starts_at=block.start,
                    ends_at=block.end,
                    state=block.state,
                    pinned=block.pinned,
                    locked=block.locked,
                    requested=block.task_id in planned.requested,
                )
                for block in schedule.blocks
            ],
            unplaced=[
                UnplacedTask.of(item.task_id, item.reason, item.detail, requested=item.task_id in planned.requested)
                for item in schedule.unplaced
            ],
            quality=PlanQuality(
                objective=schedule.quality.objective,
                lateness=terms.lateness,
                unplaced=terms.unplaced,
                offpeak=terms.offpeak,
                fragmentation=terms.fragmentation,
                churn=terms.churn,
                late_minutes=schedule.quality.late_minutes,
                late_tasks=schedule.quality.late_tasks,
                hard_violations=schedule.quality.hard_violations,
                moved_blocks=schedule.quality.moved_blocks,
                strategy=schedule.quality.strategy,
            ),
        )


@strawberry.type(description="The last applied plan: its quality figures and what it could not place.")
class ScheduleRun:
    ran_at: datetime = strawberry.field(description="When the plan was applied.")
    horizon_start: datetime = strawberry.field(description="The plan covered time from here...")
    horizon_end: datetime = strawberry.field(description="...to here.")
    quality: PlanQuality = strawberry.field(description="The plan's quality figures.")
    unplaced_ids: strawberry.Private[list[tuple[uuid.UUID, str, str]]]
    unplaced_habits: strawberry.Private[list[tuple[uuid.UUID, str, str]]]

    @classmethod
    def from_model(cls, row: models.ScheduleRun) -> ScheduleRun:
        return cls(
            ran_at=row.ran_at,
            horizon_start=row.horizon_start,
            horizon_end=row.horizon_end,
            quality=PlanQuality(
                objective=row.objective,
                lateness=row.lateness,
                unplaced=row.unplaced_cost,
                offpeak=row.offpeak,
                fragmentation=row.fragmentation,
                churn=row.churn,
                late_minutes=row.late_minutes,
                late_tasks=row.late_tasks,
                hard_violations=row.hard_violations,
                moved_blocks=row.moved_blocks,
                strategy=row.strategy,
            ),
            unplaced_ids=[
                (uuid.UUID(item["task_id"]), item["reason"], item["detail"])
                for item in row.unplaced
                if habit_of_engine_id(item["task_id"]) is None
            ],
            unplaced_habits=[
                (habit_id, item["reason"], item["detail"])
                for item in row.unplaced
                if (habit_id := habit_of_engine_id(item["task_id"])) is not None
            ],
        )

    @strawberry.field(description="The tasks it could not place, with reasons (those the caller may still see).")
    async def unplaced(self, info: Info) -> list[UnplacedTask]:
        visible = await info.context.get_loaders().task.load_many([task_id for task_id, _, _ in self.unplaced_ids])
        habits = await info.context.get_loaders().scheduling.habit.load_many([h for h, _, _ in self.unplaced_habits])
        return [
            UnplacedTask(task_id=task_id, habit_id=None, reason=UnplacedReason(reason), detail=detail)
            for (task_id, reason, detail), row in zip(self.unplaced_ids, visible, strict=True)
            if row is not None
        ] + [
            UnplacedTask(task_id=None, habit_id=habit_id, reason=UnplacedReason(reason), detail=detail)
            for (habit_id, reason, detail), habit in zip(self.unplaced_habits, habits, strict=True)
            if habit is not None
        ]


@strawberry.type(description="The viewer's blocks and events in a span of days, across all their companies.")
class WeekView:
    start: datetime = strawberry.field(description="The first instant shown.")
    end: datetime = strawberry.field(description="The instant after the last one shown.")
    blocks: list[TimeBlock] = strawberry.field(description="The viewer's time blocks, in time order.")
    events: list[CalendarEvent] = strawberry.field(
        description="The events of the viewer's calendars, in time order: each occurrence of a recurring event in "
        "the window as an event with an id of its own and its `series` (exceptions and cancelled occurrences left "
        "out, changed ones as their own events)."
    )


@strawberry.type(description="A wall-clock window within a day, in the person's zone.")
class TimeWindow:
    start: time = strawberry.field(description="When it starts.")
    end: time = strawberry.field(description="When it ends.")


@strawberry.type(description="How the viewer's time is planned, beside the work hours and zone of their account.")
class SchedulingProfile:
    breaks: list[TimeWindow] = strawberry.field(description="Breaks (lunch) on working days.")
    peak_hours: list[TimeWindow] = strawberry.field(
        description="Declared peak hours, where deep work goes unless peak hours were learned."
    )
    buffer_minutes: int = strawberry.field(description="Free minutes kept around events and blocks.")
    horizon_days: int = strawberry.field(description="How many days ahead a plan reaches.")
    learned_peak_hours: list[TimeWindow] = strawberry.field(
        description="Peak hours learned from the focus ratings of completed focus sessions; empty while too few."
    )
    peak_hours_source: PeakSource = strawberry.field(
        description="Which peak hours plans use: LEARNED ones when there are enough ratings, else the DECLARED ones."
    )

    @classmethod
    def from_model(cls, row: models.SchedulingProfile, energy: Energy) -> SchedulingProfile:
        def windows(stored: list[list[str]]) -> list[TimeWindow]:
            return [TimeWindow(start=start, end=end) for start, end in windows_of(stored)]

        return cls(
            breaks=windows(row.breaks),
            peak_hours=windows(row.peak_hours),
            buffer_minutes=row.buffer_minutes,
            horizon_days=row.horizon_days,
            learned_peak_hours=[TimeWindow(start=window.start, end=window.end) for window in energy.learned],
            peak_hours_source=energy.source,
        )


@strawberry.type(description="How a task is planned.")
class TaskScheduling:
    task_id: strawberry.Private[uuid.UUID]
    duration_minutes: int | None = strawberry.field(description="The duration; null to use the predicted one.")
    splittable: bool = strawberry.field(description="Whether it may be split into chunks.")
    min_chunk_minutes: int = strawberry.field(description="The shortest chunk.")
    max_chunk_minutes: int | None = strawberry.field(description="The longest chunk; null for no limit.")
    deadline_kind: DeadlineKind = strawberry.field(description="Whether the due time is hard or soft.")
    work_kind: WorkKind = strawberry.field(description="Deep or shallow work.")

    @classmethod
    def from_model(cls, task_id: uuid.UUID, row: models.TaskScheduling | None) -> TaskScheduling:
        row = row or models.TaskScheduling(task_id=task_id, company_id=uuid.UUID(int=0))
        return cls(
            task_id=task_id,
            duration_minutes=row.duration_minutes,
            splittable=row.splittable,
            min_chunk_minutes=row.min_chunk_minutes,
            max_chunk_minutes=row.max_chunk_minutes,
            deadline_kind=DeadlineKind(row.deadline_kind),
            work_kind=WorkKind(row.work_kind),
        )

    @strawberry.field(description="Tasks that must be finished before this one starts.")
    async def depends_on(self, info: Info) -> list[TaskRef]:
        from resolvers.tasks.types import Task

        ids = await info.context.get_loaders().scheduling.dependencies_of_task.load(self.task_id)
        rows = await info.context.get_loaders().task.load_many(ids)
        return [Task.from_model(row) for row in rows if row is not None]
