"""Outages are named: a failure because PostgreSQL or Redis cannot be reached now is `SERVICE_UNAVAILABLE` (HTTP
503 with `Retry-After`), which a client may retry, never the masked `INTERNAL_SERVER_ERROR` of a defect."""

from __future__ import annotations

from typing import Any

import redis.exceptions
from graphql import GraphQLError

from db.engine import database_unavailable

UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "Rhythm cannot reach its database or Redis right now; retry shortly."
# Seconds a client should wait before retrying: a restart or failover usually takes a few.
RETRY_AFTER_SECONDS = 5


def is_outage(error: BaseException | None) -> bool:
    if error is None:
        return False
    if database_unavailable(error):
        return True
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
            return True
        current = current.__cause__ or current.__context__
    return False


def unavailable_error(request_id: str | None) -> GraphQLError:
    return GraphQLError(UNAVAILABLE_MESSAGE, extensions={"code": UNAVAILABLE, "requestId": request_id})


def answer_unavailable(response: Any) -> None:
    """Make an HTTP response (Strawberry's sub-response) a 503 with `Retry-After`; a websocket has none."""
    if response is not None:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
