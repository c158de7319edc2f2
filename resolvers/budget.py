"""A time budget per operation: past it, the operation is abandoned, its transaction rolled back and its
connection returned to the pool (or discarded, when a statement was cut off mid-way).

What asyncio can stop is the waiting: on the database, on a lock, on a dataloader. It cannot interrupt Python
that does not yield, such as validating a document; that is why documents are bounded before validation
(resolvers/field_count.py), and why the API's connections also carry a `statement_timeout` of the same length,
which PostgreSQL enforces whatever the Python process is doing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

import asyncpg
import structlog
from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.types import ExecutionResult

log = structlog.get_logger("rhythm.graphql")

TIMED_OUT = "OPERATION_TIMEOUT"
# What PostgreSQL says when `statement_timeout` cancels a statement.
QUERY_CANCELED = "57014"


def timed_out_error(seconds: float, request_id: str | None) -> GraphQLError:
    return GraphQLError(
        f"The operation took longer than {seconds:g} s and was abandoned; nothing it started was kept.",
        extensions={"code": TIMED_OUT, "requestId": request_id},
    )


def cancelled_by_the_server(error: BaseException | None) -> bool:
    """Whether `error` comes from PostgreSQL cancelling a statement that ran past `statement_timeout`."""
    while error is not None:
        if isinstance(error, asyncpg.PostgresError) and getattr(error, "sqlstate", None) == QUERY_CANCELED:
            return True
        error = error.__cause__ or error.__context__
    return False


async def abandon(context: Any) -> None:
    """Roll back what the operation started; a connection left mid-statement is discarded by the pool."""
    transaction = getattr(context, "transaction", None)
    if transaction is None:
        return
    with contextlib.suppress(SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        await transaction.finish(commit=False)


async def within_budget(seconds: float, context: Any, operation: Awaitable[ExecutionResult]) -> ExecutionResult:
    try:
        async with asyncio.timeout(seconds) as budget:
            return await operation
    except TimeoutError:
        if not budget.expired():
            raise  # a timeout of something inside, reported as that
    request_id = getattr(context, "request_id", None)
    log.warning("operation_timed_out", request_id=request_id, seconds=seconds)
    await abandon(context)
    return ExecutionResult(data=None, errors=[timed_out_error(seconds, request_id)])
