"""What one operation sends to PostgreSQL, counted at the driver on the in-process engine's connections.

`statements` are the caller settings and every query. `round trips` adds what the driver sends around them:
BEGIN and COMMIT/ROLLBACK, and the pool's pre-ping on checkout, which asyncpg runs as BEGIN; `;`; ROLLBACK
(three round trips) when the connection has no transaction open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

PING_ROUND_TRIPS = 3
TRANSACTION_COMMANDS = ("BEGIN", "COMMIT", "ROLLBACK")


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    parameters: Any
    seconds: float


@dataclass(slots=True)
class Tally:
    statements: list[Statement] = field(default_factory=list)
    transaction_commands: int = 0
    pings: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.transaction_commands + PING_ROUND_TRIPS * self.pings

    @property
    def db_seconds(self) -> float:
        return sum(statement.seconds for statement in self.statements)


class StatementCounter:
    """Attach to an engine for a while; `take()` returns and resets what was sent since the last call.

    Statements sent through SQLAlchemy are counted with its cursor events (its driver adapter runs them as
    prepared statements, which asyncpg's query loggers do not see); everything else (BEGIN, COMMIT, the
    pre-ping, statements sent straight through the driver by compiled reads) with asyncpg's query loggers,
    on every connection the pool hands out.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self._tally = Tally()
        self._started: dict[int, tuple[float, str, Any]] = {}

    def take(self) -> Tally:
        tally, self._tally = self._tally, Tally()
        return tally

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self._started[id(cursor)] = (time.perf_counter(), statement, parameters)

    def _after(self, conn: Any, cursor: Any, *_: Any) -> None:
        started, statement, parameters = self._started.pop(id(cursor))
        self._tally.statements.append(Statement(statement, parameters, time.perf_counter() - started))

    def _log(self, query: Any) -> None:
        text = query.query.strip().rstrip(";").strip().upper()
        if text.startswith(TRANSACTION_COMMANDS):
            self._tally.transaction_commands += 1
        elif not text:
            # The pool's pre-ping: `;` between a BEGIN and a ROLLBACK counted above as its three round trips.
            self._tally.pings += 1
            self._tally.transaction_commands -= 2
        else:
            self._tally.statements.append(Statement(query.query, query.args, query.elapsed))

    def _checkout(self, dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(self._log)

    def _checkin(self, dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(self._log)

    @contextmanager
    def attached(self) -> Iterator[StatementCounter]:
        listeners: list[tuple[Any, str, Callable[..., None]]] = [
            (self._engine, "before_cursor_execute", self._before),
            (self._engine, "after_cursor_execute", self._after),
            (self._engine.pool, "checkout", self._checkout),
            (self._engine.pool, "checkin", self._checkin),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        try:
            yield self
        finally:
            for target, name, listener in listeners:
                event.remove(target, name, listener)
