"""The signed-in person's consent history and data exports, mixed into `Viewer`."""

from __future__ import annotations

import uuid

import strawberry

from domain.accounts.consents import consents_of
from domain.accounts.exports import exports_of
from resolvers.accounts.types import Consent, DataExport
from resolvers.context import Info


@strawberry.type
class ViewerAccount:
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="What the person agreed to and when, newest first (an append-only history).")
    async def consents(self, info: Info) -> list[Consent]:
        async with info.context.transaction.exclusive_session() as session:
            return [Consent.from_model(row) for row in await consents_of(session, self.user_id)]

    @strawberry.field(description="The data exports the person asked for, newest first.")
    async def data_exports(self, info: Info) -> list[DataExport]:
        config = info.context.services.accounts
        async with info.context.transaction.exclusive_session() as session:
            return [DataExport.from_model(row, config) for row in await exports_of(session, self.user_id)]
