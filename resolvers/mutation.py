"""How every mutation runs: inside a savepoint of the operation's transaction.

A mutation that returns a typed error rolls back what it started (unless the error must keep a protective
change); one that raises leaves the whole operation to roll back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, Forbidden
from resolvers.context import Info
from resolvers.errors import ErrorType, as_error

R = TypeVar("R")


class Unauthenticated(GraphQLError):
    def __init__(self) -> None:
        super().__init__("Sign in first: send an access token or an API key.", extensions={"code": "UNAUTHENTICATED"})


def person(info: Info) -> uuid.UUID:
    """The signed-in person; API keys act for a company, not a person, so they may not."""
    caller = info.context.caller
    if caller.is_anonymous:
        raise Unauthenticated()
    if caller.user_id is None:
        raise Forbidden("This needs a signed-in person; an API key may not do it.")
    return caller.user_id


def signed_in(info: Info) -> None:
    if info.context.caller.is_anonymous:
        raise Unauthenticated()


async def run(info: Info, work: Callable[[AsyncSession], Awaitable[R]]) -> R | ErrorType:
    transaction = info.context.transaction
    async with transaction.exclusive_session() as session:
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
