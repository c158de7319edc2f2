"""Work hours a person keeps for one company: the type, and the mutations that set and clear them."""

from __future__ import annotations

import uuid
from datetime import time
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db import models
from domain.schedules import work_hours as service
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import as_person, person
from resolvers.nodes import required

if TYPE_CHECKING:
    from resolvers.companies.types import Company


@strawberry.type(description="The hours a person works for one company, in place of their account's hours there.")
class CompanyWorkHours:
    company_id: strawberry.Private[uuid.UUID]
    time_zone: str = strawberry.field(description="The IANA zone the hours are read in.")
    work_day_start: time = strawberry.field(description="When the work day for the company starts.")
    work_day_end: time = strawberry.field(description="When the work day for the company ends.")
    work_days: list[int] = strawberry.field(description="ISO weekdays worked for the company: 1 is Monday, 7 Sunday.")

    @classmethod
    def from_model(cls, row: models.MembershipWorkHours) -> CompanyWorkHours:
        return cls(
            company_id=row.company_id,
            time_zone=row.time_zone,
            work_day_start=row.work_day_start,
            work_day_end=row.work_day_end,
            work_days=list(row.work_days),
        )

    @strawberry.field(description="The company these hours are for.")
    async def company(self, info: Info) -> Annotated[Company, strawberry.lazy("resolvers.companies.types")]:
        from resolvers.companies.types import Company

        return Company.from_model(required(await info.context.get_loaders().company.load(self.company_id)))


@strawberry.input(description="The viewer's work hours for one of their companies; plans place its tasks inside them.")
class SetCompanyWorkHoursInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    time_zone: str = strawberry.field(description="The IANA zone of the hours, such as America/New_York.")
    work_day_start: time = strawberry.field(description="When the work day starts.")
    work_day_end: time = strawberry.field(description="When the work day ends (after the start).")
    work_days: list[int] = strawberry.field(description="ISO weekdays worked: 1 is Monday, 7 is Sunday.")


@strawberry.input(description="Names one of the viewer's companies.")
class ClearCompanyWorkHoursInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")


CompanyWorkHoursResult = Annotated[
    CompanyWorkHours | ErrorType,
    strawberry.union("CompanyWorkHoursResult", description="CompanyWorkHours, or a typed error."),
]
ClearCompanyWorkHoursResult = Annotated[
    Deleted | ErrorType, strawberry.union("ClearCompanyWorkHoursResult", description="Deleted, or a typed error.")
]


@strawberry.type
class WorkHoursMutations:
    @strawberry.mutation(description="Set the viewer's work hours (and zone) for one company.")
    async def set_company_work_hours(self, info: Info, input: SetCompanyWorkHoursInput) -> CompanyWorkHoursResult:
        async def work(session: AsyncSession) -> CompanyWorkHours:
            row = await service.set_hours(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                user_id=person(info),
                time_zone=input.time_zone,
                start=input.work_day_start,
                end=input.work_day_end,
                days=input.work_days,
            )
            return CompanyWorkHours.from_model(row)

        return await as_person(info, work)

    @strawberry.mutation(description="Clear the viewer's hours for one company: their account's hours apply there.")
    async def clear_company_work_hours(
        self, info: Info, input: ClearCompanyWorkHoursInput
    ) -> ClearCompanyWorkHoursResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.clear_hours(session, company_id=uuid_of(input.company_id, "Company"), user_id=person(info))
            return Deleted(id=input.company_id)

        return await as_person(info, work)
