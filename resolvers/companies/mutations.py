from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db.models import MembershipRole
from domain.companies import service
from resolvers.companies.types import Company, Membership
from resolvers.context import Info
from resolvers.deleted import Deleted
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import person, run, signed_in


@strawberry.input(description="A new shared company; its creator becomes the owner.")
class CreateCompanyInput:
    name: str = strawberry.field(description="The company's name.")


@strawberry.input(description="Rename a company (owners and admins).")
class UpdateCompanyInput:
    id: relay.GlobalID = strawberry.field(description="The company.")
    name: str = strawberry.field(description="The new name.")


@strawberry.input(description="Whether members need a second factor to reach the company (owners).")
class SetCompanySecondFactorRequirementInput:
    company_id: relay.GlobalID = strawberry.field(description="The company (not a personal one).")
    required: bool = strawberry.field(
        description="True: members whose session has not passed a second factor are refused the company's data"
        " (SecondFactorRequired) until they enrol and sign in with it. Requiring it needs such a session."
    )


@strawberry.input(description="Delete a shared company and everything in it (owners).")
class DeleteCompanyInput:
    id: relay.GlobalID = strawberry.field(description="The company.")


@strawberry.input(description="Add a person who has an account, by email (admins; owners to add owners).")
class InviteMemberInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    email: str = strawberry.field(description="The person's sign-in email.")
    role: MembershipRole = strawberry.field(default=MembershipRole.MEMBER, description="Their role.")


@strawberry.input(description="Change a member's role (admins; only owners touch owners).")
class ChangeMemberRoleInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    user_id: relay.GlobalID = strawberry.field(description="The member.")
    role: MembershipRole = strawberry.field(description="The new role.")


@strawberry.input(description="Remove a member (admins; only owners remove owners; anyone may leave).")
class RemoveMemberInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    user_id: relay.GlobalID = strawberry.field(description="The member.")


CreateCompanyResult = Annotated[
    Company | ErrorType, strawberry.union("CreateCompanyResult", description="Company, or a typed error.")
]
UpdateCompanyResult = Annotated[
    Company | ErrorType, strawberry.union("UpdateCompanyResult", description="Company, or a typed error.")
]
DeleteCompanyResult = Annotated[
    Deleted | ErrorType, strawberry.union("DeleteCompanyResult", description="Deleted, or a typed error.")
]
MembershipResult = Annotated[
    Membership | ErrorType, strawberry.union("MembershipResult", description="Membership, or a typed error.")
]
RemoveMemberResult = Annotated[
    Deleted | ErrorType, strawberry.union("RemoveMemberResult", description="Deleted, or a typed error.")
]


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(description="Make a shared company; the caller becomes its owner.")
    async def create_company(self, info: Info, input: CreateCompanyInput) -> CreateCompanyResult:
        async def work(session: AsyncSession) -> Company:
            return Company.from_model(await service.create_company(session, created_by=person(info), name=input.name))

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Rename a company.")
    async def update_company(self, info: Info, input: UpdateCompanyInput) -> UpdateCompanyResult:
        async def work(session: AsyncSession) -> Company:
            company_id = uuid_of(input.id, "Company")
            return Company.from_model(await service.rename_company(session, company_id, input.name))

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Require (or stop requiring) a second factor of everyone in a company.")
    async def set_company_second_factor_requirement(
        self, info: Info, input: SetCompanySecondFactorRequirementInput
    ) -> UpdateCompanyResult:
        async def work(session: AsyncSession) -> Company:
            company_id = uuid_of(input.company_id, "Company")
            return Company.from_model(await service.require_second_factor(session, company_id, required=input.required))

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Delete a shared company with all its projects, tasks and time.")
    async def delete_company(self, info: Info, input: DeleteCompanyInput) -> DeleteCompanyResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.delete_company(session, uuid_of(input.id, "Company"))
            return Deleted(id=input.id)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Add a person to a company.")
    async def invite_member(self, info: Info, input: InviteMemberInput) -> MembershipResult:
        async def work(session: AsyncSession) -> Membership:
            person(info)
            membership = await service.invite_member(
                session, company_id=uuid_of(input.company_id, "Company"), email=input.email, role=input.role
            )
            return Membership.from_model(membership)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Change a member's role.")
    async def change_member_role(self, info: Info, input: ChangeMemberRoleInput) -> MembershipResult:
        async def work(session: AsyncSession) -> Membership:
            membership = await service.change_role(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                user_id=uuid_of(input.user_id, "User"),
                role=input.role,
            )
            return Membership.from_model(membership)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Remove a member from a company, or leave it.")
    async def remove_member(self, info: Info, input: RemoveMemberInput) -> RemoveMemberResult:
        async def work(session: AsyncSession) -> Deleted:
            await service.remove_member(
                session,
                company_id=uuid_of(input.company_id, "Company"),
                user_id=uuid_of(input.user_id, "User"),
            )
            return Deleted(id=input.user_id)

        signed_in(info)
        return await run(info, work)
