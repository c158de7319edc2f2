"""Setting feature flags: platform administrators only (anyone else gets Forbidden)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain import feature_flags
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.feature_flags.types import CompanyFeatureFlag, FeatureFlag
from resolvers.ids import uuid_of
from resolvers.mutation import as_person


@strawberry.input(description="Create a feature flag or change its global default (platform administrators).")
class SetFeatureFlagInput:
    name: str = strawberry.field(description="Lowercase letters, digits and underscores, starting with a letter.")
    enabled: bool = strawberry.field(description="The default for companies without an override.")
    description: str | None = strawberry.field(default=None, description="What it turns on; kept if omitted.")


@strawberry.input(description="Set a feature flag for one company (platform administrators).")
class SetCompanyFeatureFlagInput:
    company_id: relay.GlobalID = strawberry.field(description="The company.")
    name: str = strawberry.field(description="The flag.")
    enabled: bool | None = strawberry.field(description="On or off for this company; null to follow the default.")


SetFeatureFlagResult = Annotated[
    FeatureFlag | ErrorType, strawberry.union("SetFeatureFlagResult", description="FeatureFlag, or a typed error.")
]
SetCompanyFeatureFlagResult = Annotated[
    CompanyFeatureFlag | ErrorType,
    strawberry.union("SetCompanyFeatureFlagResult", description="CompanyFeatureFlag, or a typed error."),
]


@strawberry.type
class FeatureFlagMutations:
    @strawberry.mutation(description="Create a feature flag or change its global default.")
    async def set_feature_flag(self, info: Info, input: SetFeatureFlagInput) -> SetFeatureFlagResult:
        async def work(session: AsyncSession) -> FeatureFlag:
            row = await feature_flags.set_default(session, input.name, input.enabled, input.description)
            return FeatureFlag(name=row.name, description=row.description, enabled=row.enabled)

        return await as_person(info, work)

    @strawberry.mutation(description="Turn a feature flag on or off for one company, or let it follow the default.")
    async def set_company_feature_flag(
        self, info: Info, input: SetCompanyFeatureFlagInput
    ) -> SetCompanyFeatureFlagResult:
        async def work(session: AsyncSession) -> CompanyFeatureFlag:
            company_id = uuid_of(input.company_id, "Company")
            state = await feature_flags.set_override(session, company_id, input.name, input.enabled)
            return CompanyFeatureFlag.of(state)

        return await as_person(info, work)
