"""The focus session type and its enums, made from the table's own values so the two cannot drift."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from db import models
from db.models import FocusKind, FocusState
from domain import reads
from domain.focus.service import focused_time, paused_seconds
from resolvers.context import Info
from resolvers.ids import parse_uuid
from resolvers.nodes import required
from resolvers.time_tracking.types import TimeEntry
from resolvers.users.types import User

if TYPE_CHECKING:
    from resolvers.companies.types import Company
    from resolvers.tasks.types import Task

FocusKindEnum = strawberry.enum(
    FocusKind,
    name="FocusSessionKind",
    description="POMODORO (25 minutes unless given), DEEP_WORK (90 unless given) or CUSTOM (length given).",
)
FocusStateEnum = strawberry.enum(
    FocusState, name="FocusSessionState", description="RUNNING or PAUSED while open; COMPLETED or ABANDONED after."
)


@strawberry.type(
    description="A focus session of the viewer's, in one company. Only its person sees it (ratings included); "
    "the company sees the focused time through the time entry a completed session on a task records."
)
class FocusSession(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]
    task_id: strawberry.Private[uuid.UUID | None]
    time_entry_id: strawberry.Private[uuid.UUID | None]
    row: strawberry.Private[models.FocusSession]
    kind: FocusKind = strawberry.field(description="Pomodoro, deep work or custom.")
    state: FocusState = strawberry.field(description="Running, paused, completed or abandoned.")
    planned_minutes: int = strawberry.field(description="How long the session was meant to last.")
    started_at: datetime = strawberry.field(description="When it started.")
    paused_at: datetime | None = strawberry.field(description="When the current pause began; null unless paused.")
    ended_at: datetime | None = strawberry.field(description="When it was completed or abandoned; null while open.")
    focus_rating: int | None = strawberry.field(description="How focused the person felt, 1 (not) to 5 (fully).")
    productivity_rating: int | None = strawberry.field(description="How much got done, 1 (little) to 5 (a lot).")
    note: str = strawberry.field(description="The person's note.")

    @classmethod
    def from_model(cls, row: models.FocusSession) -> FocusSession:
        return cls(
            id=row.id,
            company_id=row.company_id,
            user_id=row.user_id,
            task_id=row.task_id,
            time_entry_id=row.time_entry_id,
            row=row,
            kind=FocusKind(row.kind),
            state=FocusState(row.state),
            planned_minutes=row.planned_minutes,
            started_at=row.started_at,
            paused_at=row.paused_at,
            ended_at=row.ended_at,
            focus_rating=row.focus_rating,
            productivity_rating=row.productivity_rating,
            note=row.note,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[FocusSession | None]:
        ids = [parse_uuid(node_id) for node_id in node_ids]
        async with info.context.transaction.exclusive_session() as session:
            rows = await reads.by_ids(session, models.FocusSession, [i for i in ids if i is not None])
        found = iter(rows)
        return [None if i is None else _node(next(found)) for i in ids]

    @strawberry.field(description="Seconds paused so far, the current pause included.")
    def paused_seconds(self) -> int:
        return paused_seconds(self.row, self.row.ended_at or datetime.now(UTC))

    @strawberry.field(description="Seconds of focus so far: the time since the start, less the pauses.")
    def focused_seconds(self) -> int:
        return int(focused_time(self.row, datetime.now(UTC)).total_seconds())

    @strawberry.field(description="The task focused on, if any (and if the viewer may still see it).")
    async def task(self, info: Info) -> Annotated[Task, strawberry.lazy("resolvers.tasks.types")] | None:
        from resolvers.tasks.types import Task

        if self.task_id is None:
            return None
        row = await info.context.get_loaders().task.load(self.task_id)
        return None if row is None else Task.from_model(row)

    @strawberry.field(description="The company the session is held in.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))

    @strawberry.field(description="The person focusing.")
    async def user(self, info: Info) -> User:
        return User.from_model(required(await info.context.get_loaders().user.load(self.user_id)))

    @strawberry.field(description="The time entry of the focused time, recorded when a session on a task completes.")
    async def time_entry(self, info: Info) -> TimeEntry | None:
        if self.time_entry_id is None:
            return None
        row = await info.context.get_loaders().time_entry.load(self.time_entry_id)
        return None if row is None else TimeEntry.from_model(row)


def _node(row: models.FocusSession | None) -> FocusSession | None:
    return None if row is None else FocusSession.from_model(row)
