"""Events: the transactional outbox and the ledger that makes jobs idempotent.

Revision ID: 0002_outbox
Revises: 0001_core
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_outbox"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATEMENTS = [
    # company_id has no foreign key: an event outlives what it reports (a deleted task, a deleted company).
    """
    CREATE TABLE outbox (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      type text NOT NULL CHECK (type ~ '^[a-z_]+\\.[a-z_]+$'),
      subject_id uuid,
      actor_user_id uuid,
      payload jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      claimed_until timestamptz,
      published_at timestamptz
    )
    """,
    "CREATE INDEX outbox_company_id_idx ON outbox (company_id)",
    "CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL",
    # One row per job that took effect: a redelivered message finds its key and does nothing.
    """
    CREATE TABLE job_runs (
      job_key text PRIMARY KEY,
      company_id uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX job_runs_company_id_idx ON job_runs (company_id)",
    # NOTIFY is delivered at commit, so the relay wakes for committed events only.
    """
    CREATE FUNCTION rhythm.notify_outbox() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('rhythm_outbox', '');
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION rhythm.notify_outbox()",
    # The relay claims a batch with a short lease and commits before it talks to the broker; a relay that dies
    # leaves its lease to expire, and another relay publishes the events again (jobs dedupe on the event id).
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
    "ALTER FUNCTION rhythm.claim_outbox(integer, interval) OWNER TO rhythm_definer",
    "ALTER FUNCTION rhythm.mark_published(uuid[]) OWNER TO rhythm_definer",
    "REVOKE EXECUTE ON FUNCTION rhythm.claim_outbox(integer, interval), rhythm.mark_published(uuid[]) FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION rhythm.claim_outbox(integer, interval), rhythm.mark_published(uuid[]) TO rhythm_app",
    "GRANT SELECT, UPDATE ON outbox TO rhythm_definer",
    "GRANT SELECT, INSERT ON outbox TO rhythm_app",
    "GRANT SELECT, INSERT ON job_runs TO rhythm_app",
    "ALTER TABLE outbox ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE outbox FORCE ROW LEVEL SECURITY",
    "ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE job_runs FORCE ROW LEVEL SECURITY",
    # Anyone acting in a company records that company's events; only its workers read them back.
    "CREATE POLICY outbox_insert ON outbox FOR INSERT TO rhythm_app"
    " WITH CHECK (company_id = ANY ((SELECT rhythm.company_ids('company', 'read'))::uuid[]))",
    "CREATE POLICY outbox_select ON outbox FOR SELECT TO rhythm_app"
    " USING (company_id = ANY ((SELECT rhythm.company_ids('events', 'read'))::uuid[]))",
    "CREATE POLICY outbox_definer ON outbox TO rhythm_definer USING (true) WITH CHECK (true)",
    "CREATE POLICY job_runs_all ON job_runs TO rhythm_app"
    " USING (company_id = ANY ((SELECT rhythm.company_ids('jobs', 'write'))::uuid[]))"
    " WITH CHECK (company_id = ANY ((SELECT rhythm.company_ids('jobs', 'write'))::uuid[]))",
]


def _run(statement: str) -> None:
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in STATEMENTS:
        _run(statement)


def downgrade() -> None:
    _run("DROP TABLE job_runs")
    _run("DROP TABLE outbox")
    _run("DROP FUNCTION rhythm.claim_outbox(integer, interval)")
    _run("DROP FUNCTION rhythm.mark_published(uuid[])")
    _run("DROP FUNCTION rhythm.notify_outbox()")
