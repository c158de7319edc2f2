"""Jobs: the record of dead-lettered messages, and platform administrators.

Revision ID: 0005_dead_letters
Revises: 0004_notifications
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_dead_letters"
down_revision: str | None = "0004_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # Set by the migration role only (`rhythm admin grant`): rhythm_app may update none of it.
    "ALTER TABLE users ADD COLUMN platform_admin boolean NOT NULL DEFAULT false",
    # One row per message the workers gave up on. company_id has no foreign key: the record outlives a deleted
    # company, like the outbox event that caused the job.
    """
    CREATE TABLE dead_letters (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      queue text NOT NULL CHECK (queue ~ '^[a-z_]+$'),
      actor text NOT NULL,
      message_id text NOT NULL,
      -- The message's key in the broker's dead-letter queue (Redis), to remove it on replay or discard.
      broker_message_id text,
      -- queue_name, actor_name, args, kwargs and options, as the message was sent (no traceback).
      message jsonb NOT NULL,
      reason varchar(1000) NOT NULL,
      attempts integer NOT NULL CHECK (attempts >= 0),
      failed_at timestamptz NOT NULL,
      -- dead: waiting for a person; replaying, discarding: asked for, the broker not yet told; then done.
      state text NOT NULL DEFAULT 'dead'
        CHECK (state IN ('dead', 'replaying', 'replayed', 'discarding', 'discarded')),
      replay_count integer NOT NULL DEFAULT 0 CHECK (replay_count >= 0),
      -- Who asked for the replay or discard; null for the operator's CLI.
      resolved_by uuid,
      resolved_at timestamptz,
      -- A replayer that took the row; another one skips it until then.
      claimed_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX dead_letters_company_id_failed_idx ON dead_letters (company_id, failed_at, id)",
    "CREATE INDEX dead_letters_failed_idx ON dead_letters (failed_at, id)",
    "CREATE INDEX dead_letters_actions_idx ON dead_letters (updated_at) WHERE state IN ('replaying', 'discarding')",
    # A message dead twice before anyone looked is recorded once.
    "CREATE UNIQUE INDEX dead_letters_open_key ON dead_letters (company_id, message_id)"
    " WHERE state IN ('dead', 'replaying', 'discarding')",
]

FUNCTIONS = [
    # True for a signed-in person flagged as a platform administrator; never for an API key or a worker.
    """
    CREATE FUNCTION rhythm.is_platform_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT rhythm.api_company_id() IS NULL AND coalesce(
        (SELECT u.platform_admin FROM public.users u WHERE u.id = rhythm.current_user_id()), false)
    $$
    """,
    # Replays and discards asked for, across all companies, for the replayer (which acts for no company). Each is
    # held for `p_hold`, so replayers in several processes do not act on it twice.
    """
    CREATE FUNCTION rhythm.claim_dead_letter_actions(p_limit integer, p_hold interval)
    RETURNS TABLE (id uuid, company_id uuid, state text, queue text, actor text, message_id text,
                   broker_message_id text, message jsonb)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.dead_letters d SET claimed_until = clock_timestamp() + p_hold
      WHERE d.id IN (
        SELECT c.id FROM public.dead_letters c
        WHERE c.state IN ('replaying', 'discarding')
          AND (c.claimed_until IS NULL OR c.claimed_until < clock_timestamp())
        ORDER BY c.updated_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
      )
      RETURNING d.id, d.company_id, d.state, d.queue, d.actor, d.message_id, d.broker_message_id, d.message
    $$
    """,
    # The broker did what was asked: a replay or a discard is done.
    """
    CREATE FUNCTION rhythm.finish_dead_letter_actions(p_ids uuid[]) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.dead_letters
      SET state = CASE state WHEN 'replaying' THEN 'replayed' ELSE 'discarded' END,
          replay_count = replay_count + CASE state WHEN 'replaying' THEN 1 ELSE 0 END,
          claimed_until = NULL, updated_at = clock_timestamp()
      WHERE id = ANY (p_ids) AND state IN ('replaying', 'discarding')
    $$
    """,
]

DEFINER_FUNCTIONS = [
    "rhythm.is_platform_admin()",
    "rhythm.claim_dead_letter_actions(integer, interval)",
    "rhythm.finish_dead_letter_actions(uuid[])",
]

GRANTS = [
    "GRANT SELECT, INSERT, UPDATE (state, resolved_by, resolved_at, updated_at) ON dead_letters TO rhythm_app",
    # The definer helpers, and the operator's CLI (the migration role, a member of rhythm_definer).
    "GRANT SELECT, UPDATE ON dead_letters TO rhythm_definer",
    "GRANT UPDATE (platform_admin) ON users TO rhythm_definer",
]

OWNER = "((SELECT rhythm.company_ids('company', 'owner'))::uuid[])"
# A platform administrator sees every company's, unless a company header narrows the request to one.
PLATFORM = (
    "((SELECT rhythm.is_platform_admin())"
    " AND ((SELECT rhythm.company_scope()) IS NULL OR company_id = (SELECT rhythm.company_scope())))"
)
# The company's workers: a scope API keys can never hold (the api_keys table admits the public scopes only).
WORKER = "company_id = ANY ((SELECT rhythm.scoped_company_ids('jobs:write'))::uuid[])"
PEOPLE = f"(company_id = ANY {OWNER} OR {PLATFORM})"

POLICIES = [
    # Owners (and platform administrators) read, replay and discard; workers record and read their company's.
    f"CREATE POLICY dead_letters_select ON dead_letters FOR SELECT TO rhythm_app USING ({PEOPLE} OR {WORKER})",
    f"CREATE POLICY dead_letters_insert ON dead_letters FOR INSERT TO rhythm_app WITH CHECK ({WORKER})",
    f"CREATE POLICY dead_letters_update ON dead_letters FOR UPDATE TO rhythm_app USING {PEOPLE} WITH CHECK {PEOPLE}",
    "CREATE POLICY dead_letters_definer ON dead_letters TO rhythm_definer USING (true) WITH CHECK (true)",
]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read ':read' inside a policy as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, *FUNCTIONS]:
        _run(statement)
    for signature in DEFINER_FUNCTIONS:
        _run(f"ALTER FUNCTION {signature} OWNER TO rhythm_definer")
        _run(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
        _run(f"GRANT EXECUTE ON FUNCTION {signature} TO rhythm_app")
    for statement in GRANTS:
        _run(statement)
    _run("ALTER TABLE dead_letters ENABLE ROW LEVEL SECURITY")
    _run("ALTER TABLE dead_letters FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    # The table first: its policies call the functions.
    _run("DROP TABLE dead_letters")
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
    _run("REVOKE UPDATE (platform_admin) ON users FROM rhythm_definer")
    _run("ALTER TABLE users DROP COLUMN platform_admin")
