"""SQL expressions that write a value as Rhythm's Python writes it in JSON, for statements that build JSON in
PostgreSQL (compiled reads, an event written in the statement that makes the change)."""

from __future__ import annotations

import sqlalchemy as sa


def isoformat_sql(expression: str) -> str:
    """`datetime.isoformat()` of the timestamptz `expression` as a UTC instant: microseconds only when there are
    any, `+00:00` for the zone. NULL stays NULL."""
    utc = f"({expression} AT TIME ZONE 'UTC')"
    micro = f"to_char({utc}, 'US')"
    return (
        f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS')"""
        f" || CASE {micro} WHEN '000000' THEN '' ELSE '.' || {micro} END || '+00:00'"
    )


def snapshot_sql(table: sa.Table, alias: str, fields: tuple[str, ...]) -> str:
    """`domain.events.service.snapshot` of the row `alias` of `table` as jsonb: the same keys and values (ids and
    texts as strings, instants by `isoformat_sql`, numbers, lists and NULL as they are)."""

    def value(name: str) -> str:
        column = f"{alias}.{name}"
        return isoformat_sql(column) if isinstance(table.c[name].type, sa.DateTime) else column

    pairs = ", ".join(f"'{name}', {value(name)}" for name in fields)
    return f"jsonb_build_object({pairs})"
