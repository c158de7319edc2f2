from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User as UserRow
from domain.db_errors import refusals
from domain.validation import Checks
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.mutation import person, run
from resolvers.nodes import required
from resolvers.users.types import User


@strawberry.input(description="Changes to the signed-in person's profile; omitted fields stay as they are.")
class UpdateViewerInput:
    display_name: str | None = strawberry.field(default=None, description="The name shown to colleagues.")
    time_zone: str | None = strawberry.field(default=None, description="IANA time zone.")
    work_day_start: time | None = strawberry.field(default=None, description="When the work day starts.")
    work_day_end: time | None = strawberry.field(default=None, description="When the work day ends.")
    work_days: list[int] | None = strawberry.field(default=None, description="ISO weekdays worked (1-7).")


UpdateViewerResult = Annotated[
    User | ErrorType, strawberry.union("UpdateViewerResult", description="User, or a typed error.")
]


def _check(input: UpdateViewerInput, row: UserRow) -> None:
    checks = Checks()
    checks.text("displayName", input.display_name, max_length=120)
    checks.time_zone("timeZone", input.time_zone)
    checks.work_hours("workDayEnd", input.work_day_start or row.work_day_start, input.work_day_end or row.work_day_end)
    checks.weekdays("workDays", input.work_days)
    checks.raise_if_any()


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="Change the signed-in person's profile and working hours.")
    async def update_viewer(self, info: Info, input: UpdateViewerInput) -> UpdateViewerResult:
        async def work(session: AsyncSession) -> User:
            row = required(await session.get(UserRow, person(info)))
            _check(input, row)
            if input.display_name is not None:
                row.display_name = input.display_name.strip()
            for name in ("time_zone", "work_day_start", "work_day_end"):
                if (value := getattr(input, name)) is not None:
                    setattr(row, name, value)
            if input.work_days is not None:
                row.work_days = sorted(set(input.work_days))
            row.updated_at = datetime.now(UTC)
            async with refusals():
                await session.flush()
            return User.from_model(row)

        return await run(info, work)
