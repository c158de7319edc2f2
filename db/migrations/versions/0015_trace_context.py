"""The outbox keeps the trace context of the request that wrote each event, so the jobs it causes join that
request's trace: the relay hands it on inside the Dramatiq message it publishes.

`claim_outbox` returns it; its result type changes, so the function is made again (with its owner and grants).
`outbox_lag_seconds()` tells the metrics how long the oldest open event (its reactions not yet completed) has
waited, across companies, without letting the API's role read any row.

Revision ID: 0015_trace_context
Revises: 0014_ai
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_trace_context"
down_revision: str | None = "0014_ai"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "rhythm.claim_outbox(integer, interval)"


def _claim(returned: str, columns: str) -> list[str]:
    return [
        f"DROP FUNCTION {SIGNATURE}",
        f"""
        CREATE FUNCTION rhythm.claim_outbox(p_limit integer, p_lease interval)
        RETURNS TABLE ({returned})
        LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
          UPDATE public.outbox o SET claimed_until = clock_timestamp() + p_lease
          WHERE o.id IN (
            SELECT c.id FROM public.outbox c
            WHERE c.completed_at IS NULL AND c.given_up_at IS NULL
              AND COALESCE(c.claimed_until, '-infinity'::timestamptz) < statement_timestamp()
            ORDER BY COALESCE(c.claimed_until, '-infinity'::timestamptz), c.created_at
            LIMIT p_limit
            FOR UPDATE SKIP LOCKED
          )
          RETURNING {columns}
        $$
        """,
        f"ALTER FUNCTION {SIGNATURE} OWNER TO rhythm_definer",
        f"REVOKE EXECUTE ON FUNCTION {SIGNATURE} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO rhythm_app",
    ]


LAG = [
    """
    CREATE FUNCTION rhythm.outbox_lag_seconds() RETURNS double precision
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::double precision
      FROM public.outbox WHERE completed_at IS NULL AND given_up_at IS NULL
    $$
    """,
    "ALTER FUNCTION rhythm.outbox_lag_seconds() OWNER TO rhythm_definer",
    "REVOKE EXECUTE ON FUNCTION rhythm.outbox_lag_seconds() FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION rhythm.outbox_lag_seconds() TO rhythm_app",
]


def upgrade() -> None:
    op.execute("ALTER TABLE outbox ADD COLUMN trace_context jsonb")
    for statement in LAG:
        op.execute(statement)
    for statement in _claim(
        "id uuid, company_id uuid, type text, dispatches integer, trace_context jsonb",
        "o.id, o.company_id, o.type, o.dispatches, o.trace_context",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION rhythm.outbox_lag_seconds()")
    for statement in _claim(
        "id uuid, company_id uuid, type text, dispatches integer", "o.id, o.company_id, o.type, o.dispatches"
    ):
        op.execute(statement)
    op.execute("ALTER TABLE outbox DROP COLUMN trace_context")
