"""Turn the database's refusals (constraints, policies, guard triggers) into domain errors.

The database is the authority: a policy that refuses a row, a key that points into another company or a
rule enforced by a trigger all arrive here as SQLSTATEs and leave as typed, expected failures.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Conflict, DomainError, Forbidden, ValidationFailed
from domain.lookups import get_one

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
CHECK_VIOLATION = "23514"
NOT_NULL_VIOLATION = "23502"
STRING_TOO_LONG = "22001"
INSUFFICIENT_PRIVILEGE = "42501"
RHYTHM_RULE = "RH409"


def sqlstate(error: DBAPIError) -> str | None:
    original = getattr(error, "orig", None)
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return str(code) if code else None


def constraint_name(error: DBAPIError) -> str:
    original = getattr(error, "orig", None)
    cause = getattr(original, "__cause__", None)
    return str(getattr(cause, "constraint_name", None) or getattr(original, "constraint_name", None) or "")


def rule_message(error: DBAPIError) -> str:
    original = getattr(error, "orig", None)
    cause = getattr(original, "__cause__", None)
    return str(getattr(cause, "message", None) or "This conflicts with the current state.")


def translate(
    error: DBAPIError, *, fields: Mapping[str, str] | None = None, refused: DomainError | None = None
) -> DomainError | None:
    """The domain error for `error`, or None when it is not an expected refusal.

    `fields` maps constraint names to the input field they concern; `refused` is what a policy refusal
    means for this operation (Forbidden by default).
    """
    code = sqlstate(error)
    name = constraint_name(error)
    field = (fields or {}).get(name)
    if code == INSUFFICIENT_PRIVILEGE:
        return refused or Forbidden()
    if code == RHYTHM_RULE:
        return Conflict(rule_message(error))
    if code == UNIQUE_VIOLATION:
        return Conflict(f"{field or 'This value'} is already taken.")
    if code == FOREIGN_KEY_VIOLATION:
        return ValidationFailed({field or "input": "Refers to something that does not exist here."})
    if code in (CHECK_VIOLATION, NOT_NULL_VIOLATION, STRING_TOO_LONG):
        return ValidationFailed({field or "input": "Is not an allowed value."})
    return None


@asynccontextmanager
async def refusals(
    *, fields: Mapping[str, str] | None = None, refused: DomainError | None = None
) -> AsyncIterator[None]:
    """Raise the domain error for an expected database refusal inside the block; re-raise anything else."""
    try:
        yield
    except StaleDataError as error:
        # An UPDATE that a policy's USING clause filtered out matches no row.
        raise (refused or Forbidden()) from error
    except DBAPIError as error:
        domain_error = translate(error, fields=fields, refused=refused)
        if domain_error is None:
            raise
        raise domain_error from error


async def delete_visible(
    session: AsyncSession, entity: Any, row_id: uuid.UUID, *, what: str, refused: DomainError
) -> None:
    """Delete a row by id: NotFound when the caller cannot see it, `refused` when a policy keeps it.

    An explicit DELETE, because the ORM only warns when a policy leaves the row in place.
    """
    await get_one(session, entity, row_id, what=what)
    async with refusals(refused=refused):
        result = await session.execute(sa.delete(entity).where(entity.id == row_id))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise refused
