from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from db.models import ApiScope
from domain.auth import api_keys
from resolvers.api_keys.types import ApiKey, ApiKeyCreated
from resolvers.context import Info
from resolvers.errors import ErrorType
from resolvers.ids import uuid_of
from resolvers.mutation import person, run, signed_in


@strawberry.input(description="A new API key for a company (owners and admins).")
class CreateApiKeyInput:
    company_id: relay.GlobalID = strawberry.field(description="The company the key acts in.")
    name: str = strawberry.field(description="A name to recognise the key by.")
    scopes: list[ApiScope] = strawberry.field(description="What the key may read or change.")
    expires_at: datetime | None = strawberry.field(default=None, description="When the key stops working.")


@strawberry.input(description="Revoke an API key.")
class RevokeApiKeyInput:
    id: relay.GlobalID = strawberry.field(description="The key.")


CreateApiKeyResult = Annotated[
    ApiKeyCreated | ErrorType, strawberry.union("CreateApiKeyResult", description="ApiKeyCreated, or a typed error.")
]
RevokeApiKeyResult = Annotated[
    ApiKey | ErrorType, strawberry.union("RevokeApiKeyResult", description="ApiKey, or a typed error.")
]


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(description="Make an API key; its secret is returned this once.")
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeyResult:
        async def work(session: AsyncSession) -> ApiKeyCreated:
            issued = await api_keys.create_api_key(
                session,
                created_by=person(info),
                company_id=uuid_of(input.company_id, "Company"),
                name=input.name,
                scopes=input.scopes,
                expires_at=input.expires_at,
            )
            return ApiKeyCreated(api_key=ApiKey.from_model(issued.key), secret=issued.plaintext)

        signed_in(info)
        return await run(info, work)

    @strawberry.mutation(description="Revoke an API key; requests with it fail from now on.")
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyResult:
        async def work(session: AsyncSession) -> ApiKey:
            return ApiKey.from_model(await api_keys.revoke_api_key(session, uuid_of(input.id, "ApiKey")))

        signed_in(info)
        return await run(info, work)
