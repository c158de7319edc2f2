"""Scheduling mutations: preview and apply a plan, pin and mark blocks, and set how people and tasks are planned."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from base.clock import utcnow
from domain.errors import ValidationFailed
from domain.planner import BlockState, DeadlineKind, WorkKind
from domain.schedules import blocks, plans
from domain.schedules.profile import ProfileChanges, energy_of_person, update_profile
from domain.schedules.task_fields import SchedulingChanges, set_scheduling
from resolvers.ai.plans import PlanRequestInput, request_work
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person
from resolvers.scheduling.habits import HabitMutations
from resolvers.scheduling.types import SchedulePlan, SchedulingProfile, TaskScheduling, TimeBlock
from resolvers.scheduling.work_hours import WorkHoursMutations

UNSET: Any = strawberry.UNSET

SchedulePlanResult = Annotated[
    SchedulePlan | ErrorType, strawberry.union("SchedulePlanResult", description="SchedulePlan, or a typed error.")
]
TimeBlockResult = Annotated[
    TimeBlock | ErrorType, strawberry.union("TimeBlockResult", description="TimeBlock, or a typed error.")
]
SchedulingProfileResult = Annotated[
    SchedulingProfile | ErrorType,
    strawberry.union("SchedulingProfileResult", description="SchedulingProfile, or a typed error."),
]
TaskSchedulingResult = Annotated[
    TaskScheduling | ErrorType,
    strawberry.union("TaskSchedulingResult", description="TaskScheduling, or a typed error."),
]


@strawberry.input(description="Names one time block.")
class TimeBlockIdInput:
    id: relay.GlobalID = strawberry.field(description="The block (the viewer's own).")


@strawberry.input(description="A wall-clock window within a day.")
class TimeWindowInput:
    start: str = strawberry.field(description="When it starts, as HH:MM.")
    end: str = strawberry.field(description="When it ends, as HH:MM (after the start).")


@strawberry.input(description="Changes to the viewer's scheduling profile; omitted fields stay as they are.")
class UpdateSchedulingProfileInput:
    breaks: list[TimeWindowInput] | None = strawberry.field(default=None, description="Replace the breaks.")
    peak_hours: list[TimeWindowInput] | None = strawberry.field(default=None, description="Replace the peak hours.")
    buffer_minutes: int | None = strawberry.field(default=None, description="Minutes kept free around events.")
    horizon_days: int | None = strawberry.field(default=None, description="How many days ahead plans reach.")


@strawberry.input(description="Changes to how a task is planned. Omitted fields stay as they are; null clears.")
class UpdateTaskSchedulingInput:
    task_id: relay.GlobalID = strawberry.field(description="The task.")
    duration_minutes: int | None = strawberry.field(default=UNSET, description="The duration, or null to predict.")
    splittable: bool | None = strawberry.field(default=UNSET, description="Whether it may be split.")
    min_chunk_minutes: int | None = strawberry.field(default=UNSET, description="The shortest chunk (5-1440).")
    max_chunk_minutes: int | None = strawberry.field(default=UNSET, description="The longest chunk, or null.")
    deadline_kind: DeadlineKind | None = strawberry.field(default=UNSET, description="Hard or soft due time.")
    work_kind: WorkKind | None = strawberry.field(default=UNSET, description="Deep or shallow work.")
    depends_on: list[relay.GlobalID] | None = strawberry.field(
        default=UNSET, description="Replace the tasks (of the same company) that must finish first."
    )


def _windows(field: str, given: list[TimeWindowInput] | None) -> list[tuple[Any, Any]] | None:
    if given is None:
        return None
    try:
        return [(time.fromisoformat(w.start), time.fromisoformat(w.end)) for w in given]
    except ValueError:
        raise ValidationFailed({field: "Windows are HH:MM times."}) from None


def _scheduling_changes(input: UpdateTaskSchedulingInput) -> SchedulingChanges:
    changes = SchedulingChanges()
    nullable = ("duration_minutes", "max_chunk_minutes")
    for name in ("duration_minutes", "splittable", "min_chunk_minutes", "max_chunk_minutes"):
        value = getattr(input, name)
        if value is not UNSET and (value is not None or name in nullable):
            setattr(changes, name, value)
    if input.deadline_kind not in (UNSET, None):
        changes.deadline_kind = input.deadline_kind.value
    if input.work_kind not in (UNSET, None):
        changes.work_kind = input.work_kind.value
    if input.depends_on is not UNSET:
        changes.depends_on = [uuid_of(other, "Task") for other in input.depends_on or []]
    return changes


@strawberry.type
class SchedulingMutations(HabitMutations, WorkHoursMutations):
    @strawberry.mutation(
        description="Plan the viewer's open tasks (and, when given, a requested piece of work) around their busy "
        "time in every company, without storing anything."
    )
    async def preview_schedule(
        self,
        info: Info,
        request: Annotated[
            PlanRequestInput | None,
            strawberry.argument(
                description="Also place this piece of work (a request planFromText read from plain language); "
                "its blocks and its unplaced entry say `requested`."
            ),
        ] = None,
    ) -> SchedulePlanResult:
        async def work(session: AsyncSession) -> SchedulePlan:
            extra = None if request is None else request_work(request)
            return SchedulePlan.from_planned(await plans.preview(session, person(info), utcnow(), extra=extra))

        return await as_person(info, work)

    @strawberry.mutation(
        description="Plan the viewer's open tasks and store the blocks. Pinned, started, done and today's blocks stay."
    )
    async def apply_schedule(self, info: Info) -> SchedulePlanResult:
        async def work(session: AsyncSession) -> SchedulePlan:
            return SchedulePlan.from_planned(await plans.apply(session, person(info), utcnow()))

        return await as_person(info, work)

    @strawberry.mutation(description="Pin a block where it is: plans keep it.")
    async def pin_time_block(self, info: Info, input: TimeBlockIdInput) -> TimeBlockResult:
        async def work(session: AsyncSession) -> TimeBlock:
            row = await blocks.set_pinned(session, uuid_of(input.id, "TimeBlock"), pinned=True)
            return TimeBlock.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Unpin a block: the next plan may move it.")
    async def unpin_time_block(self, info: Info, input: TimeBlockIdInput) -> TimeBlockResult:
        async def work(session: AsyncSession) -> TimeBlock:
            row = await blocks.set_pinned(session, uuid_of(input.id, "TimeBlock"), pinned=False)
            return TimeBlock.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Record that a block's work was done.")
    async def mark_time_block_done(self, info: Info, input: TimeBlockIdInput) -> TimeBlockResult:
        async def work(session: AsyncSession) -> TimeBlock:
            row = await blocks.set_state(session, uuid_of(input.id, "TimeBlock"), BlockState.DONE)
            return TimeBlock.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Record that a block was missed: the next plan places its work again.")
    async def mark_time_block_missed(self, info: Info, input: TimeBlockIdInput) -> TimeBlockResult:
        async def work(session: AsyncSession) -> TimeBlock:
            row = await blocks.set_state(session, uuid_of(input.id, "TimeBlock"), BlockState.MISSED)
            return TimeBlock.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Change the viewer's breaks, peak hours, buffer or horizon.")
    async def update_scheduling_profile(
        self, info: Info, input: UpdateSchedulingProfileInput
    ) -> SchedulingProfileResult:
        async def work(session: AsyncSession) -> SchedulingProfile:
            changes = ProfileChanges(
                breaks=_windows("breaks", input.breaks),
                peak_hours=_windows("peakHours", input.peak_hours),
                buffer_minutes=input.buffer_minutes,
                horizon_days=input.horizon_days,
            )
            row = await update_profile(session, person(info), changes)
            return SchedulingProfile.from_model(row, await energy_of_person(session, row.user_id))

        return await as_person(info, work)

    @strawberry.mutation(description="Change how a task is planned: duration, chunks, deadline kind, dependencies.")
    async def update_task_scheduling(self, info: Info, input: UpdateTaskSchedulingInput) -> TaskSchedulingResult:
        async def work(session: AsyncSession) -> TaskScheduling:
            task_id = uuid_of(input.task_id, "Task")
            row = await set_scheduling(session, task_id, _scheduling_changes(input))
            return TaskScheduling.from_model(task_id, row)

        return await as_person(info, work)
