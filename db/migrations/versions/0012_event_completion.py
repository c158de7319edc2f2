"""An event is done when its reactions completed, not when a broker accepted its message.

0002 marked an event published once the broker took its message, and never looked at it again: a message the
broker lost (a worker killed with its messages unacknowledged, a Redis restarted without persistence) lost the
event's reactions for good. Now publishing only hands the event to the broker and holds it for a reaction lease;
the `events.dispatch` job records `completed_at` once every reaction ran. The relay's claim takes events not
completed whose hold lapsed, so it is also the reconciler: an event whose message went missing is dispatched
again, with a lease that doubles on each try, and given up after a number of tries (recorded as a dead letter by
the relay, for owners to replay).

Events published before this migration count as completed.

Revision ID: 0012_event_completion
Revises: 0011_self_leave_in_scope
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_event_completion"
down_revision: str | None = "0011_self_leave_in_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Never claimed sorts first; the claim's range ends at the statement's time (stable, so it bounds the index scan,
# where clock_timestamp() would only filter it), so it reads only what it may take, however many events wait on
# their reaction lease.
CLAIM_ORDER = "(COALESCE(claimed_until, '-infinity'::timestamptz)), created_at"
OPEN = "completed_at IS NULL AND given_up_at IS NULL"

UPGRADE = [
    "ALTER TABLE outbox ADD COLUMN completed_at timestamptz",
    "ALTER TABLE outbox ADD COLUMN given_up_at timestamptz",
    "ALTER TABLE outbox ADD COLUMN dispatches integer NOT NULL DEFAULT 0 CHECK (dispatches >= 0)",
    "UPDATE outbox SET completed_at = published_at, dispatches = 1 WHERE published_at IS NOT NULL",
    "DROP INDEX outbox_unpublished_idx",
    f"CREATE INDEX outbox_open_idx ON outbox ({CLAIM_ORDER}) WHERE {OPEN}",
    "DROP FUNCTION rhythm.claim_outbox(integer, interval)",
    "DROP FUNCTION rhythm.mark_published(uuid[])",
    # The claim's lease covers the relay's talk with the broker; a relay that dies leaves it to lapse.
    """
    CREATE FUNCTION rhythm.claim_outbox(p_limit integer, p_lease interval)
    RETURNS TABLE (id uuid, company_id uuid, type text, dispatches integer)
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
      RETURNING o.id, o.company_id, o.type, o.dispatches
    $$
    """,
    # Handed to the broker: held for the reaction lease, doubled on each dispatch (capped at 64 leases), so a
    # backlog that outlasts one lease is not dispatched over and over. An event its job completed meanwhile
    # stays completed (and unheld).
    """
    CREATE FUNCTION rhythm.mark_dispatched(p_ids uuid[], p_lease interval) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.outbox
      SET published_at = COALESCE(published_at, clock_timestamp()),
          dispatches = dispatches + 1,
          claimed_until = CASE WHEN completed_at IS NULL
                          THEN clock_timestamp() + p_lease * power(2, least(dispatches, 6)) END
      WHERE id = ANY (p_ids)
    $$
    """,
    # Called for the `events.dispatch` jobs whose reactions all ran, several at once (a worker process groups
    # them): whoever completes an event may, it is idempotent.
    """
    CREATE FUNCTION rhythm.complete_events(p_ids uuid[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.outbox SET completed_at = clock_timestamp(), claimed_until = NULL
      WHERE id = ANY (p_ids) AND completed_at IS NULL
    $$
    """,
    # Dispatched too many times without completing: recorded as a dead letter by the caller, and left alone.
    """
    CREATE FUNCTION rhythm.give_up_events(p_ids uuid[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.outbox SET given_up_at = clock_timestamp(), claimed_until = NULL
      WHERE id = ANY (p_ids) AND completed_at IS NULL
    $$
    """,
    *(
        statement
        for signature in (
            "rhythm.claim_outbox(integer, interval)",
            "rhythm.mark_dispatched(uuid[], interval)",
            "rhythm.complete_events(uuid[])",
            "rhythm.give_up_events(uuid[])",
        )
        for statement in (
            f"ALTER FUNCTION {signature} OWNER TO rhythm_definer",
            f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO rhythm_app",
        )
    ),
]

DOWNGRADE = [
    "DROP FUNCTION rhythm.give_up_events(uuid[])",
    "DROP FUNCTION rhythm.complete_events(uuid[])",
    "DROP FUNCTION rhythm.mark_dispatched(uuid[], interval)",
    "DROP FUNCTION rhythm.claim_outbox(integer, interval)",
    "DROP INDEX outbox_open_idx",
    # An event handed to the broker was published as 0002 saw it; the rest go out again.
    "CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL",
    "ALTER TABLE outbox DROP COLUMN dispatches",
    "ALTER TABLE outbox DROP COLUMN given_up_at",
    "ALTER TABLE outbox DROP COLUMN completed_at",
    """
    CREATE FUNCTION rhythm.claim_outbox(p_limit integer, p_lease interval)
    RETURNS TABLE (id uuid, company_id uuid, type text)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.outbox o SET claimed_until = clock_timestamp() + p_lease
      WHERE o.id IN (
        SELECT c.id FROM public.outbox c
        WHERE c.published_at IS NULL AND (c.claimed_until IS NULL OR c.claimed_until < clock_timestamp())
        ORDER BY c.created_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
      )
      RETURNING o.id, o.company_id, o.type
    $$
    """,
    """
    CREATE FUNCTION rhythm.mark_published(p_ids uuid[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.outbox SET published_at = clock_timestamp() WHERE id = ANY (p_ids)
    $$
    """,
    *(
        statement
        for signature in ("rhythm.claim_outbox(integer, interval)", "rhythm.mark_published(uuid[])")
        for statement in (
            f"ALTER FUNCTION {signature} OWNER TO rhythm_definer",
            f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO rhythm_app",
        )
    ),
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.get_bind().exec_driver_sql(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.get_bind().exec_driver_sql(statement)
