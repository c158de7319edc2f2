"""Habits and recurring tasks: the type, and the mutations that make, change and delete them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db import models
from db.models import TaskPriority
from domain.planner import WorkKind
from domain.planner.habits import Period
from domain.schedules import habits as service
from domain.schedules.habits import HabitChanges
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person
from resolvers.nodes import nodes_by_ids, required
from resolvers.scheduling import enums  # noqa: F401  (gives the enums their names and descriptions)
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company

UNSET: Any = strawberry.UNSET


@strawberry.type(
    description="Recurring work of one person: an RRULE names the days, and plans place it inside the day's window."
)
class Habit(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]
    title: str = strawberry.field(description="What the habit is.")
    rrule: str = strawberry.field(description="The RFC 5545 RRULE naming the days it may happen on.")
    time_zone: str = strawberry.field(description="The IANA zone its window and ideal time are read in.")
    starts_on: date = strawberry.field(description="The day its rule counts from.")
    window_start: time = strawberry.field(description="The earliest time of day it may start.")
    window_end: time = strawberry.field(description="The time of day it must be over by.")
    ideal_time: time | None = strawberry.field(description="When it should start, ideally; null for any time.")
    duration_minutes: int = strawberry.field(description="How long each occurrence takes.")
    times_per_period: int = strawberry.field(description="How many occurrences per period.")
    period: Period = strawberry.field(description="What the times are counted per.")
    priority: TaskPriority = strawberry.field(description="How much it matters beside tasks.")
    work_kind: WorkKind = strawberry.field(description="Deep or shallow work.")
    active: bool = strawberry.field(description="Inactive habits are kept but not planned.")
    created_at: datetime = strawberry.field(description="When it was made.")

    @classmethod
    def from_model(cls, row: models.Habit) -> Habit:
        return cls(
            id=row.id,
            company_id=row.company_id,
            user_id=row.user_id,
            title=row.title,
            rrule=row.rrule,
            time_zone=row.time_zone,
            starts_on=row.starts_on,
            window_start=row.window_start,
            window_end=row.window_end,
            ideal_time=row.ideal_time,
            duration_minutes=row.duration_minutes,
            times_per_period=row.times_per_period,
            period=Period(row.period),
            priority=TaskPriority(row.priority),
            work_kind=WorkKind(row.work_kind),
            active=row.active,
            created_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Habit | None]:
        return await nodes_by_ids(info.context.get_loaders().scheduling.habit, node_ids, cls.from_model)

    @strawberry.field(description="The company the habit is held in.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The person whose habit it is.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))


@strawberry.input(description="A new habit of the viewer's in one of their companies.")
class CreateHabitInput:
    company_id: relay.GlobalID = strawberry.field(description="The company it is held in (personal for private).")
    title: str = strawberry.field(description="What it is (1-500 characters).")
    rrule: str = strawberry.field(description="An RFC 5545 RRULE of days, such as FREQ=WEEKLY;BYDAY=MO,WE,FR.")
    time_zone: str = strawberry.field(description="The IANA zone of its window, such as Europe/Berlin.")
    window_start: time = strawberry.field(description="The earliest time of day it may start.")
    window_end: time = strawberry.field(description="The time of day it must be over by (after the start).")
    duration_minutes: int = strawberry.field(description="How long each occurrence takes (5-1440, fits the window).")
    ideal_time: time | None = strawberry.field(default=None, description="When it should start, inside the window.")
    times_per_period: int = strawberry.field(default=1, description="How many occurrences per period (1-31).")
    period: Period = strawberry.field(default=Period.WEEK, description="What the times are counted per.")
    starts_on: date | None = strawberry.field(
        default=None, description="The day the rule counts from; null for today in its zone."
    )
    priority: TaskPriority = strawberry.field(default=TaskPriority.MEDIUM, description="How much it matters.")
    work_kind: WorkKind = strawberry.field(default=WorkKind.SHALLOW, description="Deep or shallow work.")


@strawberry.input(description="Changes to a habit; omitted fields stay as they are.")
class UpdateHabitInput:
    id: relay.GlobalID = strawberry.field(description="The habit (the viewer's own).")
    title: str | None = strawberry.field(default=UNSET, description="What it is.")
    rrule: str | None = strawberry.field(default=UNSET, description="The RFC 5545 RRULE of its days.")
    time_zone: str | None = strawberry.field(default=UNSET, description="The IANA zone of its window.")
    window_start: time | None = strawberry.field(default=UNSET, description="The earliest time of day it may start.")
    window_end: time | None = strawberry.field(default=UNSET, description="The time of day it must be over by.")
    duration_minutes: int | None = strawberry.field(default=UNSET, description="How long each occurrence takes.")
    ideal_time: time | None = strawberry.field(default=UNSET, description="When it should start, or null for any.")
    times_per_period: int | None = strawberry.field(default=UNSET, description="How many occurrences per period.")
    period: Period | None = strawberry.field(default=UNSET, description="What the times are counted per.")
    starts_on: date | None = strawberry.field(default=UNSET, description="The day the rule counts from.")
    priority: TaskPriority | None = strawberry.field(default=UNSET, description="How much it matters.")
    work_kind: WorkKind | None = strawberry.field(default=UNSET, description="Deep or shallow work.")
    active: bool | None = strawberry.field(default=UNSET, description="Whether plans place it.")


@strawberry.input(description="Names one habit.")
class HabitIdInput:
    id: relay.GlobalID = strawberry.field(description="The habit (the viewer's own).")


HabitResult = Annotated[Habit | ErrorType, strawberry.union("HabitResult", description="Habit, or a typed error.")]
HabitDeleteResult = Annotated[
    Deleted | ErrorType, strawberry.union("HabitDeleteResult", description="Deleted, or a typed error.")
]

_NULLABLE = ("ideal_time",)


def _plain(value: object) -> object:
    if isinstance(value, Period | WorkKind):
        return value.value
    if isinstance(value, TaskPriority):
        return int(value)
    return value


def _changes(input: CreateHabitInput | UpdateHabitInput) -> HabitChanges:
    changes = HabitChanges()
    for name in HabitChanges.__dataclass_fields__:
        value = getattr(input, name, UNSET)
        if value is UNSET or (value is None and name not in _NULLABLE):
            continue
        setattr(changes, name, _plain(value))
    return changes


@strawberry.type
class HabitMutations:
    @strawberry.mutation(description="Make a habit for the viewer in one of their companies; plans place it.")
    async def create_habit(self, info: Info, input: CreateHabitInput) -> HabitResult:
        async def work(session: AsyncSession) -> Habit:
            row = await service.create_habit(
                session, company_id=uuid_of(input.company_id, "Company"), user_id=person(info), changes=_changes(input)
            )
            return Habit.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Change a habit; the next plan places it anew.")
    async def update_habit(self, info: Info, input: UpdateHabitInput) -> HabitResult:
        async def work(session: AsyncSession) -> Habit:
            return Habit.from_model(await service.update_habit(session, uuid_of(input.id, "Habit"), _changes(input)))

        return await as_person(info, work)

    @strawberry.mutation(description="Delete a habit with its blocks.")
    async def delete_habit(self, info: Info, input: HabitIdInput) -> HabitDeleteResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_habit(session, uuid_of(input.id, "Habit"))
            return Deleted(id=input.id)

        return await as_person(info, work)
