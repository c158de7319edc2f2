"""What a subscriber may read, asked of the same function the row-level policies use."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Membership
from db.tenant import Caller

_READABLE = sa.text("SELECT unnest(rhythm.company_ids(:resource, 'read'))")
_READERS = sa.text("SELECT rhythm.live_readers(:resource, :company, :user_ids, :api_companies, :api_scopes)")

#: The role `live_readers` names for an API key that may read.
API_KEY = "api_key"


async def readable_companies(session: AsyncSession, resource: str) -> set[uuid.UUID]:
    """The companies whose `resource` (`tasks`, `members`, ...) the session's caller may read right now."""
    rows = await session.execute(_READABLE, {"resource": resource})
    return {row[0] for row in rows}


async def visible_membership(session: AsyncSession, company_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
    return await session.get(Membership, (company_id, user_id))


@dataclass(frozen=True, slots=True)
class ReaderContext:
    """A caller as the policies see it: a person, or an API key's company and scopes. Subscribers who are the same
    person, or keys with the same company and scopes, share one."""

    user_id: uuid.UUID | None
    api_company_id: uuid.UUID | None = None
    api_scopes: str = ""

    @classmethod
    def of(cls, caller: Caller) -> ReaderContext:
        if caller.acts_for_company:
            return cls(None, caller.company_id, " ".join(sorted(caller.api_scopes)))
        return cls(caller.user_id)


async def readers(
    session: AsyncSession, resource: str, company_id: uuid.UUID, contexts: Sequence[ReaderContext]
) -> list[str | None]:
    """For each context, in one statement: its role in the company (`owner`, `admin`, `member`, or `api_key`) when
    it may read the company's `resource` now, else None."""
    if not contexts:
        return []
    row = await session.execute(
        _READERS,
        {
            "resource": resource,
            "company": company_id,
            "user_ids": [context.user_id for context in contexts],
            "api_companies": [context.api_company_id for context in contexts],
            "api_scopes": [context.api_scopes for context in contexts],
        },
    )
    roles: list[str | None] = row.scalar_one()
    return roles
