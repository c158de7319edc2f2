"""SQL expressions that write a value as Rhythm's Python writes it in JSON, for statements that build JSON in
PostgreSQL (compiled reads, an event written in the statement that makes the change)."""

from __future__ import annotations


def isoformat_sql(expression: str) -> str:
    """`datetime.isoformat()` of the timestamptz `expression` as a UTC instant: microseconds only when there are
    any, `+00:00` for the zone. NULL stays NULL."""
    utc = f"({expression} AT TIME ZONE 'UTC')"
    micro = f"to_char({utc}, 'US')"
    return (
        f"""to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS')"""
        f" || CASE {micro} WHEN '000000' THEN '' ELSE '.' || {micro} END || '+00:00'"
    )
