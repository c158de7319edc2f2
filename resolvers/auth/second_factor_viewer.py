"""The signed-in person's second factor, mixed into `Viewer`."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay

from domain.auth.second_factor.status import status_of
from resolvers.context import Info
from resolvers.ids import global_id


@strawberry.type(description="A company of the person's that requires a second factor.")
class SecondFactorRequirement:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    name: str = strawberry.field(description="The company's name.")
    reachable: bool = strawberry.field(
        description="Whether this session reaches the company: false until the person signs in with a second factor."
    )


@strawberry.type(description="The person's second factor.")
class SecondFactorStatus:
    enabled: bool = strawberry.field(description="Sign-in asks for a code.")
    enrolling: bool = strawberry.field(description="Enrolled but not yet confirmed with a code.")
    session_verified: bool = strawberry.field(description="This session passed a second factor at sign-in.")
    recovery_codes_left: int = strawberry.field(description="Unused recovery codes.")
    required_by: list[SecondFactorRequirement] = strawberry.field(
        description="The person's companies that require a second factor, reachable or not."
    )


@strawberry.type
class ViewerSecondFactor:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The person's second factor, and the companies that require one.")
    async def second_factor(self, info: Info) -> SecondFactorStatus:
        async with info.context.transaction.exclusive_session() as session:
            status = await status_of(session, self.user_id)
        verified = info.context.caller.second_factor
        return SecondFactorStatus(
            enabled=status.enabled,
            enrolling=status.enrolling,
            session_verified=verified,
            recovery_codes_left=status.recovery_codes_left,
            required_by=[
                SecondFactorRequirement(
                    company_id=global_id("Company", required.company_id), name=required.name, reachable=verified
                )
                for required in status.required_by
            ],
        )
