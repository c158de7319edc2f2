from __future__ import annotations

import uuid
from typing import Annotated, TypedDict

import asyncpg
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db import models
from db.tenant import Caller
from domain.time_tracking import service
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import optional_uuid_of
from resolvers.mutation import person, person_of, run, signed_in
from resolvers.time_tracking.types import TimeEntry


@strawberry.input(description="Start the signed-in person's timer, on a task or just in a company.")
class StartTimerInput:
    company_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The company to track time for; taken from the task when one is given."
    )
    task_id: relay.GlobalID | None = strawberry.field(default=None, description="The task worked on.")
    note: str = strawberry.field(default="", description="What the time is for.")
    stop_running: bool = strawberry.field(
        default=False, description="Stop a running timer first instead of failing with Conflict."
    )


StartTimerResult = Annotated[
    TimeEntry | ErrorType, strawberry.union("StartTimerResult", description="TimeEntry, or a typed error.")
]
StopTimerResult = Annotated[
    TimeEntry | ErrorType, strawberry.union("StopTimerResult", description="TimeEntry, or a typed error.")
]


async def started_timer(session: AsyncSession, caller: Caller, input: StartTimerInput) -> models.TimeEntry:
    """What startTimer writes: the resolver runs it, and so do compiled mutations (resolvers/compiled/mutations.py)."""
    return await service.start_timer(session, **_start(caller, input))


async def started_timer_on(
    connection: asyncpg.Connection, caller: Caller, input: StartTimerInput
) -> service.TimeEntryRow | None:
    """`started_timer` straight through the driver (db.tenant.write_as), for compiled mutations; None where
    `started_timer` would raise a typed error it words."""
    return await service.start_timer_on(connection, **_start(caller, input))


class _Start(TypedDict):
    user_id: uuid.UUID
    company_id: uuid.UUID | None
    task_id: uuid.UUID | None
    note: str
    stop_running: bool


def _start(caller: Caller, input: StartTimerInput) -> _Start:
    return _Start(
        user_id=person_of(caller),
        company_id=optional_uuid_of(input.company_id, "Company"),
        task_id=optional_uuid_of(input.task_id, "Task"),
        note=input.note,
        stop_running=input.stop_running,
    )


@strawberry.type
class TimeMutations:
    @strawberry.mutation(description="Start a timer. A person runs one timer at a time, across all companies.")
    async def start_timer(self, info: Info, input: StartTimerInput) -> StartTimerResult:
        async def work(session: AsyncSession) -> TimeEntry:
            return TimeEntry.from_model(await started_timer(session, info.context.caller, input))

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Stop the signed-in person's running timer.")
    async def stop_timer(self, info: Info) -> StopTimerResult:
        async def work(session: AsyncSession) -> TimeEntry:
            return TimeEntry.from_model(await service.stop_timer(session, person(info)))

        signed_in(info)
        return await run(info, work)
