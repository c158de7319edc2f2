"""How an operation that compiled reads or compiled mutations ran ends: the answers to a database that failed it
or to a commit that failed, shared by both, so either answers exactly as the executor would."""

from __future__ import annotations

import structlog
from graphql import GraphQLError
from sqlalchemy.exc import SQLAlchemyError
from strawberry.types import ExecutionResult

from resolvers.budget import abandon, cancelled_by_the_server, timed_out_error
from resolvers.context import Context
from resolvers.extensions import INTERNAL
from resolvers.outages import answer_unavailable, is_outage, unavailable_error

log = structlog.get_logger("rhythm.graphql")


def unavailable(context: Context) -> ExecutionResult:
    answer_unavailable(context.response)
    return ExecutionResult(data=None, errors=[unavailable_error(context.request_id)])


async def timed_out(context: Context, seconds: float) -> ExecutionResult:
    """The answer to an operation past its time budget, its transaction abandoned."""
    await abandon(context)
    return ExecutionResult(data=None, errors=[timed_out_error(seconds, context.request_id)])


async def answer_to_failure(
    context: Context, error: BaseException, seconds: float, what: str
) -> ExecutionResult | None:
    """The answer to a database error the executor would only meet again (a statement past its time budget, an
    outage), the transaction abandoned; None for any other, which the caller rolls back and leaves to the
    executor."""
    if cancelled_by_the_server(error):
        return await timed_out(context, seconds)
    if is_outage(error):
        # Named now, for the client to retry.
        log.warning(f"{what}_unavailable", request_id=context.request_id, error=repr(error))
        await abandon(context)
        return unavailable(context)
    return None


async def commit(context: Context) -> ExecutionResult | None:
    """Commit the operation's transaction: None once it has, else the error to answer. A commit that failed may
    have landed or not, so it is never reported as success and never run again."""
    try:
        await context.transaction.finish(commit=True)
    except SQLAlchemyError as failure:
        return commit_failed(context, failure)
    return None


def commit_failed(context: Context, failure: BaseException) -> ExecutionResult:
    """The answer to a COMMIT that failed: the database out of reach, or an internal error."""
    if is_outage(failure):
        log.warning("commit_failed", request_id=context.request_id, error=repr(failure))
        return unavailable(context)
    log.error("commit_failed", request_id=context.request_id, exc_info=failure)
    extensions = {"code": INTERNAL, "requestId": context.request_id}
    internal = GraphQLError("Internal server error.", extensions=extensions)
    return ExecutionResult(data=None, errors=[internal])
