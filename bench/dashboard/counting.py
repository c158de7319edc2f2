"""What one operation sends to PostgreSQL, counted with SQLAlchemy events on the in-process engine.

`statements` are the cursor executions (the caller settings and every query). `round trips` adds what the
driver sends around them: BEGIN and COMMIT/ROLLBACK, and the pool's pre-ping on checkout, which asyncpg
runs as BEGIN; `;`; ROLLBACK (three round trips) when the connection has no transaction open.
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
    """Attach to an engine for a while; `take()` returns and resets what was sent since the last call."""

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

    def _transaction_command(self, *_: Any) -> None:
        self._tally.transaction_commands += 1

    @contextmanager
    def attached(self) -> Iterator[StatementCounter]:
        dialect = self._engine.dialect
        ping: Callable[[Any], bool] = dialect.do_ping

        def counted_ping(dbapi_connection: Any) -> bool:
            self._tally.pings += 1
            return ping(dbapi_connection)

        listeners: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._before),
            ("after_cursor_execute", self._after),
            ("begin", self._transaction_command),
            ("commit", self._transaction_command),
            ("rollback", self._transaction_command),
        ]
        for name, listener in listeners:
            event.listen(self._engine, name, listener)
        # Only this engine's dialect instance: the pre-ping has no event of its own.
        dialect.do_ping = counted_ping  # type: ignore[method-assign]
        try:
            yield self
        finally:
            del dialect.do_ping
            for name, listener in listeners:
                event.remove(self._engine, name, listener)
