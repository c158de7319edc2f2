from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay

from db import models
from db.models import ApiScope
from resolvers.context import Info
from resolvers.nodes import nodes_by_ids


@strawberry.type(description="A key an integrator uses (header `X-Api-Key`), limited to one company and its scopes.")
class ApiKey(relay.Node):
    id: relay.NodeID[uuid.UUID]
    company_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="A name to recognise the key by.")
    scopes: list[ApiScope] = strawberry.field(description="What the key may read or change.")
    created_at: datetime = strawberry.field(description="When the key was made.")
    expires_at: datetime | None = strawberry.field(description="When the key stops working, if ever.")
    revoked_at: datetime | None = strawberry.field(description="When the key was revoked.")

    @classmethod
    def from_model(cls, row: models.ApiKey) -> ApiKey:
        return cls(
            id=row.id,
            company_id=row.company_id,
            name=row.name,
            scopes=[ApiScope(scope) for scope in row.scopes],
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiKey | None]:
        return await nodes_by_ids(info.context.get_loaders().api_key, node_ids, cls.from_model)


@strawberry.type(description="A new API key. The secret is shown this once; only its hash is kept.")
class ApiKeyCreated:
    api_key: ApiKey = strawberry.field(description="The key.")
    secret: str = strawberry.field(description="Send it as the `X-Api-Key` header.")
