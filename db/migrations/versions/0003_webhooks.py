"""Webhooks: endpoints, their signing secrets, deliveries and the attempt log.

Revision ID: 0003_webhooks
Revises: 0002_outbox
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_webhooks"
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    """
    CREATE TABLE webhook_endpoints (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      url varchar(2000) NOT NULL CHECK (url ~ '^https?://'),
      description varchar(500) NOT NULL DEFAULT '',
      -- Empty: every event type.
      event_types text[] NOT NULL DEFAULT '{}',
      enabled boolean NOT NULL DEFAULT true,
      disabled_reason varchar(500),
      disabled_at timestamptz,
      -- Consecutive failed attempts across the endpoint's deliveries, and when the streak began.
      failure_streak integer NOT NULL DEFAULT 0 CHECK (failure_streak >= 0),
      failing_since timestamptz,
      secret_generation integer NOT NULL DEFAULT 1 CHECK (secret_generation >= 1),
      secret_rotated_at timestamptz,
      previous_secret_expires_at timestamptz,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_endpoints_company_id_id_key UNIQUE (company_id, id)
    )
    """,
    "CREATE INDEX webhook_endpoints_company_id_created_idx ON webhook_endpoints (company_id, created_at, id)",
    "CREATE INDEX webhook_endpoints_created_by_idx ON webhook_endpoints (created_by)",
    # Secrets live apart from the endpoint so that the app role can be kept from reading them by policy: admins
    # write a secret (and see it once, in the answer that made it); only the company's workers read it back.
    """
    CREATE TABLE webhook_secrets (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      endpoint_id uuid NOT NULL,
      generation integer NOT NULL CHECK (generation >= 1),
      secret text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/]+=*$'),
      -- Set on a rotated-in secret: the one it replaced keeps signing until then.
      previous_valid_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_secrets_endpoint_fkey FOREIGN KEY (company_id, endpoint_id)
        REFERENCES webhook_endpoints (company_id, id) ON DELETE CASCADE,
      CONSTRAINT webhook_secrets_generation_key UNIQUE (endpoint_id, generation)
    )
    """,
    "CREATE INDEX webhook_secrets_company_id_idx ON webhook_secrets (company_id)",
    """
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      endpoint_id uuid NOT NULL,
      -- The outbox event; no foreign key, so the outbox may be pruned without losing the log.
      event_id uuid NOT NULL,
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'abandoned')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      -- Failed attempts since the schedule last started (creation or a manual redelivery).
      failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
      next_attempt_at timestamptz,
      lease_until timestamptz,
      -- Handed to the broker; not handed again before this unless it is still due then.
      dispatched_until timestamptz,
      last_attempt_at timestamptz,
      last_response_status smallint,
      last_latency_ms integer,
      last_error varchar(1000),
      succeeded_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT webhook_deliveries_company_id_id_key UNIQUE (company_id, id),
      CONSTRAINT webhook_deliveries_endpoint_fkey FOREIGN KEY (company_id, endpoint_id)
        REFERENCES webhook_endpoints (company_id, id) ON DELETE CASCADE,
      -- Fan-out is idempotent: a redelivered event finds its deliveries made.
      CONSTRAINT webhook_deliveries_once_per_event UNIQUE (endpoint_id, event_id),
      CONSTRAINT webhook_deliveries_waiting_has_time
        CHECK (status NOT IN ('pending', 'failed') OR next_attempt_at IS NOT NULL),
      CONSTRAINT webhook_deliveries_delivering_has_lease CHECK (status <> 'delivering' OR lease_until IS NOT NULL)
    )
    """,
    "CREATE INDEX webhook_deliveries_endpoint_id_created_idx ON webhook_deliveries (endpoint_id, created_at, id)",
    "CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)"
    " WHERE status IN ('pending', 'failed')",
    "CREATE INDEX webhook_deliveries_leased_idx ON webhook_deliveries (lease_until) WHERE status = 'delivering'",
    """
    CREATE TABLE webhook_attempts (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      delivery_id uuid NOT NULL,
      attempt integer NOT NULL CHECK (attempt >= 1),
      started_at timestamptz NOT NULL,
      latency_ms integer CHECK (latency_ms >= 0),
      response_status smallint,
      error varchar(1000),
      succeeded boolean NOT NULL,
      CONSTRAINT webhook_attempts_delivery_fkey FOREIGN KEY (company_id, delivery_id)
        REFERENCES webhook_deliveries (company_id, id) ON DELETE CASCADE,
      CONSTRAINT webhook_attempts_once_key UNIQUE (delivery_id, attempt)
    )
    """,
    "CREATE INDEX webhook_attempts_company_id_idx ON webhook_attempts (company_id)",
]

FUNCTIONS = [
    # The company a worker acts for, when it holds `scope`. rhythm.company_ids() answers people by membership
    # whatever the resource, so it cannot tell a worker from a member; this one answers workers only (API keys
    # can never hold the webhook scopes: the api_keys table admits the public scopes alone).
    """
    CREATE FUNCTION rhythm.scoped_company_ids(scope text) RETURNS uuid[]
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT CASE WHEN rhythm.api_company_id() IS NOT NULL AND scope = ANY (rhythm.api_scopes())
                  THEN ARRAY[rhythm.api_company_id()] ELSE '{}'::uuid[] END
    $$
    """,
    # Due and lease-expired deliveries across all companies, for the periodic dispatcher (which acts for no
    # company). Each is held for `p_hold`, so dispatchers in several processes do not hand it out twice.
    """
    CREATE FUNCTION rhythm.claim_due_webhook_deliveries(p_now timestamptz, p_limit integer, p_hold interval)
    RETURNS TABLE (id uuid, company_id uuid)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.webhook_deliveries d SET dispatched_until = p_now + p_hold
      WHERE d.id IN (
        SELECT c.id FROM (
          (SELECT w.id FROM public.webhook_deliveries w
           WHERE w.status IN ('pending', 'failed') AND w.next_attempt_at <= p_now
             AND (w.dispatched_until IS NULL OR w.dispatched_until <= p_now)
           ORDER BY w.next_attempt_at LIMIT p_limit)
          UNION ALL
          (SELECT w.id FROM public.webhook_deliveries w
           WHERE w.status = 'delivering' AND w.lease_until <= p_now
             AND (w.dispatched_until IS NULL OR w.dispatched_until <= p_now)
           ORDER BY w.lease_until LIMIT p_limit)
        ) c
        LIMIT p_limit
      )
      -- Checked again on the row as it is when locked: a concurrent dispatcher that got there first wins.
      AND (d.dispatched_until IS NULL OR d.dispatched_until <= p_now)
      RETURNING d.id, d.company_id
    $$
    """,
    "ALTER FUNCTION rhythm.claim_due_webhook_deliveries(timestamptz, integer, interval) OWNER TO rhythm_definer",
    "REVOKE EXECUTE ON FUNCTION rhythm.claim_due_webhook_deliveries(timestamptz, integer, interval) FROM PUBLIC",
    "GRANT EXECUTE ON FUNCTION rhythm.claim_due_webhook_deliveries(timestamptz, integer, interval) TO rhythm_app",
]

GRANTS = [
    "GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO rhythm_app",
    "GRANT SELECT, INSERT, DELETE ON webhook_secrets TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO rhythm_app",
    "GRANT SELECT, INSERT ON webhook_attempts TO rhythm_app",
    "GRANT SELECT, UPDATE (dispatched_until) ON webhook_deliveries TO rhythm_definer",
]

ADMIN = "((SELECT rhythm.company_ids('company', 'admin'))::uuid[])"
ME = "(SELECT rhythm.current_user_id())"
WORKER_READ = (
    "(company_id = ANY ((SELECT rhythm.scoped_company_ids('webhooks:read'))::uuid[])"
    " OR company_id = ANY ((SELECT rhythm.scoped_company_ids('webhooks:write'))::uuid[]))"
)
WORKER_WRITE = "company_id = ANY ((SELECT rhythm.scoped_company_ids('webhooks:write'))::uuid[])"
ADMIN_OR_WORKER_READ = f"(company_id = ANY {ADMIN} OR {WORKER_READ})"
ADMIN_OR_WORKER_WRITE = f"(company_id = ANY {ADMIN} OR {WORKER_WRITE})"

POLICIES = [
    # Owners and admins manage endpoints; the company's workers read them and keep their failure streaks.
    f"CREATE POLICY webhook_endpoints_select ON webhook_endpoints FOR SELECT TO rhythm_app USING {ADMIN_OR_WORKER_READ}",
    f"CREATE POLICY webhook_endpoints_insert ON webhook_endpoints FOR INSERT TO rhythm_app"
    f" WITH CHECK (company_id = ANY {ADMIN} AND created_by = {ME})",
    f"CREATE POLICY webhook_endpoints_update ON webhook_endpoints FOR UPDATE TO rhythm_app"
    f" USING {ADMIN_OR_WORKER_WRITE} WITH CHECK {ADMIN_OR_WORKER_WRITE}",
    f"CREATE POLICY webhook_endpoints_delete ON webhook_endpoints FOR DELETE TO rhythm_app"
    f" USING (company_id = ANY {ADMIN})",
    # Admins write secrets and never read them back; workers read them to sign and prune the replaced ones.
    f"CREATE POLICY webhook_secrets_select ON webhook_secrets FOR SELECT TO rhythm_app USING {WORKER_READ}",
    f"CREATE POLICY webhook_secrets_insert ON webhook_secrets FOR INSERT TO rhythm_app"
    f" WITH CHECK (company_id = ANY {ADMIN})",
    f"CREATE POLICY webhook_secrets_delete ON webhook_secrets FOR DELETE TO rhythm_app USING ({WORKER_WRITE})",
    # Workers make and work deliveries; admins read them and ask for a redelivery.
    f"CREATE POLICY webhook_deliveries_select ON webhook_deliveries FOR SELECT TO rhythm_app"
    f" USING {ADMIN_OR_WORKER_READ}",
    f"CREATE POLICY webhook_deliveries_insert ON webhook_deliveries FOR INSERT TO rhythm_app"
    f" WITH CHECK ({WORKER_WRITE})",
    f"CREATE POLICY webhook_deliveries_update ON webhook_deliveries FOR UPDATE TO rhythm_app"
    f" USING {ADMIN_OR_WORKER_WRITE} WITH CHECK {ADMIN_OR_WORKER_WRITE}",
    "CREATE POLICY webhook_deliveries_definer ON webhook_deliveries TO rhythm_definer USING (true) WITH CHECK (true)",
    f"CREATE POLICY webhook_attempts_select ON webhook_attempts FOR SELECT TO rhythm_app USING {ADMIN_OR_WORKER_READ}",
    f"CREATE POLICY webhook_attempts_insert ON webhook_attempts FOR INSERT TO rhythm_app"
    f" WITH CHECK ({WORKER_WRITE})",
]

ALL_TABLES = ["webhook_endpoints", "webhook_secrets", "webhook_deliveries", "webhook_attempts"]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read ':read' inside a policy as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, *FUNCTIONS, *GRANTS]:
        _run(statement)
    for table in ALL_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
    _run("DROP FUNCTION rhythm.claim_due_webhook_deliveries(timestamptz, integer, interval)")
    _run("DROP FUNCTION rhythm.scoped_company_ids(text)")
