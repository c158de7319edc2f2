"""Focus session mutations: start, pause, resume, complete (with ratings), rate, abandon. Only for a signed-in
person, on their own sessions."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from base.clock import utcnow
from db.models import FocusKind
from domain.focus import service
from domain.focus.service import NewSession, Ratings
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.focus.types import FocusSession
from resolvers.ids import optional_uuid_of, uuid_of
from resolvers.mutation import as_person, person

FocusSessionResult = Annotated[
    FocusSession | ErrorType, strawberry.union("FocusSessionResult", description="FocusSession, or a typed error.")
]


@strawberry.input(description="A new focus session: on a task (in its company), in a company, or in private.")
class StartFocusSessionInput:
    kind: FocusKind = strawberry.field(default=FocusKind.POMODORO, description="Pomodoro, deep work or custom.")
    planned_minutes: int | None = strawberry.field(
        default=None, description="How long it is meant to last (1-480); required for CUSTOM."
    )
    task_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The task focused on; completing the session records its time on it."
    )
    company_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The company, when there is no task; the personal company when neither is given."
    )
    note: str = strawberry.field(default="", description="What the session is for (at most 2000 characters).")
    stop_running_timer: bool = strawberry.field(
        default=False, description="With a task: stop a running timer first instead of failing with Conflict."
    )


@strawberry.input(description="Ratings and a note for the session being completed; all optional.")
class CompleteFocusSessionInput:
    focus_rating: int | None = strawberry.field(default=None, description="How focused it felt, 1 to 5.")
    productivity_rating: int | None = strawberry.field(default=None, description="How much got done, 1 to 5.")
    note: str | None = strawberry.field(default=None, description="Replace the note.")


@strawberry.input(description="Ratings of a completed session; omitted ones stay as they are.")
class RateFocusSessionInput:
    id: relay.GlobalID = strawberry.field(description="The session (the viewer's own, completed).")
    focus_rating: int | None = strawberry.field(default=None, description="How focused it felt, 1 to 5.")
    productivity_rating: int | None = strawberry.field(default=None, description="How much got done, 1 to 5.")
    note: str | None = strawberry.field(default=None, description="Replace the note.")


@strawberry.type
class FocusMutations:
    @strawberry.mutation(
        description="Start a focus session. A person has one running or paused session at a time, across companies."
    )
    async def start_focus_session(self, info: Info, input: StartFocusSessionInput) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            new = NewSession(
                kind=input.kind,
                planned_minutes=input.planned_minutes,
                company_id=optional_uuid_of(input.company_id, "Company"),
                task_id=optional_uuid_of(input.task_id, "Task"),
                note=input.note,
                stop_running_timer=input.stop_running_timer,
            )
            return FocusSession.from_model(await service.start(session, person(info), new, utcnow()))

        return await as_person(info, work)

    @strawberry.mutation(description="Pause the viewer's running focus session.")
    async def pause_focus_session(self, info: Info) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            return FocusSession.from_model(await service.pause(session, person(info), utcnow()))

        return await as_person(info, work)

    @strawberry.mutation(description="Resume the viewer's paused focus session.")
    async def resume_focus_session(self, info: Info) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            return FocusSession.from_model(await service.resume(session, person(info), utcnow()))

        return await as_person(info, work)

    @strawberry.mutation(
        description="Complete the viewer's open focus session, optionally rated. On a task, the focused time "
        "(without pauses) is recorded as a finished time entry."
    )
    async def complete_focus_session(self, info: Info, input: CompleteFocusSessionInput) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            ratings = Ratings(focus=input.focus_rating, productivity=input.productivity_rating, note=input.note)
            return FocusSession.from_model(await service.complete(session, person(info), ratings, utcnow()))

        return await as_person(info, work)

    @strawberry.mutation(
        description="Rate a completed focus session. Focus ratings teach the scheduling profile its peak hours."
    )
    async def rate_focus_session(self, info: Info, input: RateFocusSessionInput) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            ratings = Ratings(focus=input.focus_rating, productivity=input.productivity_rating, note=input.note)
            row = await service.rate(session, uuid_of(input.id, "FocusSession"), ratings, utcnow())
            return FocusSession.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Abandon the viewer's open focus session: no time is recorded.")
    async def abandon_focus_session(self, info: Info) -> FocusSessionResult:
        async def work(session: AsyncSession) -> FocusSession:
            return FocusSession.from_model(await service.abandon(session, person(info), utcnow()))

        return await as_person(info, work)
