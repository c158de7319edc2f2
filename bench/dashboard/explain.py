"""EXPLAIN (ANALYZE, BUFFERS) of every statement an operation sent, as `rhythm_app` with the caller set."""

from __future__ import annotations

import uuid

import asyncpg

from bench.dashboard.counting import Statement

SET_CALLER = "SELECT set_config('role', 'rhythm_app', true), set_config('rhythm.user_id', $1, true)"


def _short(sql: str, width: int = 160) -> str:
    flat = " ".join(sql.split()) if "\n" in sql else sql.rstrip()
    return flat if len(flat) <= width else flat[: width - 3] + "..."


async def explain(url: str, user_id: uuid.UUID, statements: list[Statement]) -> str:
    """The plans, in the order the operation sent the statements (the caller settings left out)."""
    lines: list[str] = []
    connection = await asyncpg.connect(url)
    try:
        for number, statement in enumerate(statements, start=1):
            if "set_config(" in statement.sql:
                continue
            transaction = connection.transaction()
            await transaction.start()
            try:
                await connection.execute(SET_CALLER, str(user_id))
                parameters = list(statement.parameters or ())
                plan = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, *parameters)
            finally:
                await transaction.rollback()
            lines.append(f"  [{number}] {statement.seconds * 1000:.2f} ms in the app: {_short(statement.sql)}")
            lines.extend("      " + _short(record[0], 200) for record in plan)
    finally:
        await connection.close()
    return "\n".join(lines)
