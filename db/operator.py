"""The operator's access, for the command line: transactions as `rhythm_definer`, the role that owns the
definer helpers and whose policies see every company's rows.

Only roles granted `rhythm_definer` may switch to it: the migration role is (0001 grants it), the API's and the
workers' login roles need not be. So what the CLI may do as operator is the database's decision too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

OPERATOR_ROLE = "rhythm_definer"


class NotAnOperator(Exception):
    """The database login may not act as operator."""


@asynccontextmanager
async def operator_session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A transaction as the operator that commits when the block succeeds and rolls back when it raises."""
    async with sessions() as session, session.begin():
        try:
            await session.execute(text(f"SET LOCAL ROLE {OPERATOR_ROLE}"))
        except DBAPIError as error:
            raise NotAnOperator(
                f"This database login may not act as {OPERATOR_ROLE}: use the migration role's DATABASE_URL."
            ) from error
        yield session
