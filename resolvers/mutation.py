"""How every mutation runs: inside a savepoint of the operation's transaction, or as the whole of it.

A mutation that returns a typed error rolls back what it started (unless the error must keep a protective
change); one that raises leaves the whole operation to roll back. When the mutation is the operation's only root
field, as nearly every client sends it, what it started is the whole transaction: a typed error then rolls the
transaction back when the operation ends, and the SAVEPOINT and RELEASE round trips are spared.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from graphql import FieldNode, GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from db.tenant import Caller
from domain.errors import DomainError, Forbidden
from resolvers.context import Info
from resolvers.errors import ErrorType, as_error

R = TypeVar("R")


class Unauthenticated(GraphQLError):
    def __init__(self) -> None:
        super().__init__("Sign in first: send an access token or an API key.", extensions={"code": "UNAUTHENTICATED"})


def person(info: Info) -> uuid.UUID:
    """The signed-in person; API keys act for a company, not a person, so they may not."""
    return person_of(info.context.caller)


def person_of(caller: Caller) -> uuid.UUID:
    if caller.is_anonymous:
        raise Unauthenticated()
    if caller.user_id is None:
        raise Forbidden("This needs a signed-in person; an API key may not do it.")
    return caller.user_id


def signed_in(info: Info) -> None:
    if info.context.caller.is_anonymous:
        raise Unauthenticated()


def _alone_in_operation(info: Info) -> bool:
    """Whether this field is the operation's only root selection (no sibling, fragment or `__typename`)."""
    selections = info.operation.selection_set.selections
    return len(selections) == 1 and isinstance(selections[0], FieldNode) and not info.path.prev


async def run(info: Info, work: Callable[[AsyncSession], Awaitable[R]]) -> R | ErrorType:
    transaction = info.context.transaction
    async with transaction.exclusive_session() as session:
        if _alone_in_operation(info):
            try:
                return await work(session)
            except DomainError as error:
                if not error.keeps_changes:
                    transaction.discard()
                return as_error(error)
        savepoint = await session.begin_nested()
        try:
            result = await work(session)
        except DomainError as error:
            await (savepoint.commit() if error.keeps_changes else savepoint.rollback())
            return as_error(error)
        except BaseException:
            await savepoint.rollback()
            raise
        await savepoint.commit()
        return result


async def as_person(info: Info, work: Callable[[AsyncSession], Awaitable[R]]) -> R | ErrorType:
    """Run `work` for a signed-in person; an API key gets Forbidden, as a union member."""

    async def guarded(session: AsyncSession) -> R:
        person(info)
        return await work(session)

    signed_in(info)
    return await run(info, guarded)
