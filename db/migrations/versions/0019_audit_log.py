"""Audit log per company, sign-in history per person, and feature flags (global defaults, company overrides).

- `audit_log`: who did what in a company, from where; written in the transaction of the change. The app role
  may INSERT and SELECT it and nothing else: no UPDATE or DELETE grant, no such policy. Owners and admins read it.
- `sign_in_events`: a person's sign-ins and failed attempts, readable by that person only. A failure for a known
  email is written by a SECURITY DEFINER function (the caller is nobody yet); an unknown email writes nothing.
- `feature_flags` (global defaults, readable by the app role, written only through `rhythm.set_feature_flag`,
  which checks the caller is a platform administrator) and `company_feature_flags` (overrides, which platform
  administrators write and the company's owners read; any member learns a flag's effective value through
  `rhythm.feature_enabled`).

Revision ID: 0019_audit_log
Revises: 0018_sign_in_identities
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_audit_log"
down_revision: str | None = "0018_sign_in_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The closed list of audited actions, kept equal to domain.audit.actions.AuditAction (a test compares them). A new
# action is a new member there and a migration that replaces this constraint.
ACTIONS = [
    "membership.added", "membership.removed", "membership.left", "membership.role_changed",
    "api_key.created", "api_key.revoked",
    "webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.deleted",
    "webhook_endpoint.disabled", "webhook_endpoint.secret_rotated",
    "calendar_connection.connected", "calendar_connection.disconnected",
    "feature_flag.changed", "company.second_factor_requirement_changed",
    "second_factor.enabled", "second_factor.disabled", "data_export.requested",
]  # fmt: skip
SIGN_IN_METHODS = ["password", "google", "microsoft"]


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


TABLES = [
    f"""
    CREATE TABLE audit_log (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      -- A person, or an API key, or neither (a background job); never both.
      actor_user_id uuid,
      actor_api_key_id uuid,
      action text NOT NULL CONSTRAINT audit_log_action CHECK (action IN ({_listed(ACTIONS)})),
      target_type text CHECK (target_type ~ '^[A-Z][A-Za-z]{{0,63}}$'),
      target_id uuid,
      -- What changed, never a secret (domain/audit/record.py refuses secret-looking keys).
      details jsonb NOT NULL DEFAULT '{{}}' CHECK (jsonb_typeof(details) = 'object'),
      ip_address inet,
      user_agent varchar(512),
      request_id varchar(64),
      occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      CONSTRAINT audit_log_one_actor CHECK (actor_user_id IS NULL OR actor_api_key_id IS NULL)
    )
    """,
    "CREATE INDEX audit_log_company_id_occurred_idx ON audit_log (company_id, occurred_at, id)",
    "CREATE INDEX audit_log_company_id_action_idx ON audit_log (company_id, action, occurred_at)",
    "CREATE INDEX audit_log_actor_user_id_idx ON audit_log (actor_user_id)",
    f"""
    CREATE TABLE sign_in_events (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
      method text NOT NULL CONSTRAINT sign_in_events_method CHECK (method IN ({_listed(SIGN_IN_METHODS)})),
      ip_address inet,
      user_agent varchar(512),
      request_id varchar(64),
      occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )
    """,
    "CREATE INDEX sign_in_events_user_id_occurred_idx ON sign_in_events (user_id, occurred_at, id)",
    """
    CREATE TABLE feature_flags (
      name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
      description varchar(500) NOT NULL DEFAULT '',
      enabled boolean NOT NULL DEFAULT false,
      updated_by uuid,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE company_feature_flags (
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      flag text NOT NULL REFERENCES feature_flags (name) ON DELETE CASCADE,
      enabled boolean NOT NULL,
      updated_by uuid,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (company_id, flag)
    )
    """,
    "CREATE INDEX company_feature_flags_flag_idx ON company_feature_flags (flag)",
]

FUNCTIONS = [
    # A failed sign-in, before anyone is signed in: recorded against the account of that email, if there is one.
    """
    CREATE FUNCTION rhythm.record_sign_in_failure(
      p_email text, p_method text, p_ip_address inet, p_user_agent text, p_request_id text
    ) RETURNS boolean
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      WITH account AS (SELECT u.id FROM public.users u WHERE lower(u.email) = lower(p_email)),
      written AS (
        INSERT INTO public.sign_in_events (id, user_id, outcome, method, ip_address, user_agent, request_id)
        SELECT gen_random_uuid(), account.id, 'failure', p_method, p_ip_address, p_user_agent, p_request_id
        FROM account
        RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM written)
    $$
    """,
    # Global defaults are platform-wide: only a platform administrator changes them.
    """
    CREATE FUNCTION rhythm.set_feature_flag(p_name text, p_enabled boolean, p_description text)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF NOT rhythm.is_platform_admin() THEN
        RETURN false;
      END IF;
      INSERT INTO public.feature_flags (name, description, enabled, updated_by, updated_at)
        VALUES (p_name, coalesce(p_description, ''), p_enabled, rhythm.current_user_id(), now())
      ON CONFLICT (name) DO UPDATE
        SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at,
            description = coalesce(p_description, public.feature_flags.description);
      RETURN true;
    END $$
    """,
    # A flag's effective value in a company, for anyone acting in it (members, its API keys, its workers), who
    # may not read the overrides themselves. Null for a company the caller does not act in.
    """
    CREATE FUNCTION rhythm.feature_enabled(p_company_id uuid, p_name text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT CASE WHEN p_company_id = ANY (rhythm.company_ids('company', 'read')) OR rhythm.is_platform_admin()
        THEN coalesce(
          (SELECT o.enabled FROM public.company_feature_flags o WHERE o.company_id = p_company_id AND o.flag = p_name),
          (SELECT f.enabled FROM public.feature_flags f WHERE f.name = p_name),
          false)
      END
    $$
    """,
]

DEFINER_FUNCTIONS = [
    "rhythm.record_sign_in_failure(text, text, inet, text, text)",
    "rhythm.set_feature_flag(text, boolean, text)",
    "rhythm.feature_enabled(uuid, text)",
]

GRANTS = [
    # Append-only: no UPDATE, no DELETE, for either record.
    "GRANT SELECT, INSERT ON audit_log, sign_in_events TO rhythm_app",
    "GRANT SELECT ON feature_flags TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON company_feature_flags TO rhythm_app",
    # What the definer functions read and write.
    "GRANT SELECT, INSERT ON sign_in_events TO rhythm_definer",
    "GRANT SELECT, INSERT, UPDATE ON feature_flags TO rhythm_definer",
    "GRANT SELECT ON company_feature_flags TO rhythm_definer",
]

ME = "(SELECT rhythm.current_user_id())"
READ = "((SELECT rhythm.company_ids('company', 'read'))::uuid[])"
ADMIN = "((SELECT rhythm.company_ids('company', 'admin'))::uuid[])"
OWNER = "((SELECT rhythm.company_ids('company', 'owner'))::uuid[])"
PLATFORM_ADMIN = "(SELECT rhythm.is_platform_admin())"
SOMEONE = "((SELECT rhythm.current_user_id()) IS NOT NULL OR (SELECT rhythm.api_company_id()) IS NOT NULL)"
# The actor is the caller: a person names themselves; only an API key names a key; a job names nobody.
TRUE_ACTOR = (
    f"actor_user_id IS NOT DISTINCT FROM {ME}"
    " AND (actor_api_key_id IS NULL OR (SELECT rhythm.api_company_id()) IS NOT NULL)"
)

POLICIES = [
    f"CREATE POLICY audit_log_select ON audit_log FOR SELECT TO rhythm_app USING (company_id = ANY {ADMIN})",
    # Anyone acting in the company records what they do there; a platform administrator what they set for it.
    f"CREATE POLICY audit_log_insert ON audit_log FOR INSERT TO rhythm_app"
    f" WITH CHECK ((company_id = ANY {READ} OR {PLATFORM_ADMIN}) AND {TRUE_ACTOR})",
    f"CREATE POLICY sign_in_events_select ON sign_in_events FOR SELECT TO rhythm_app USING (user_id = {ME})",
    f"CREATE POLICY sign_in_events_insert ON sign_in_events FOR INSERT TO rhythm_app WITH CHECK (user_id = {ME})",
    "CREATE POLICY sign_in_events_definer ON sign_in_events TO rhythm_definer USING (true) WITH CHECK (true)",
    # Every caller reads the defaults; without a caller the app role sees nothing, as everywhere.
    f"CREATE POLICY feature_flags_select ON feature_flags FOR SELECT TO rhythm_app USING ({SOMEONE})",
    "CREATE POLICY feature_flags_definer ON feature_flags TO rhythm_definer USING (true) WITH CHECK (true)",
    f"CREATE POLICY company_feature_flags_select ON company_feature_flags FOR SELECT TO rhythm_app"
    f" USING (company_id = ANY {OWNER} OR {PLATFORM_ADMIN})",
    f"CREATE POLICY company_feature_flags_insert ON company_feature_flags FOR INSERT TO rhythm_app"
    f" WITH CHECK ({PLATFORM_ADMIN})",
    f"CREATE POLICY company_feature_flags_update ON company_feature_flags FOR UPDATE TO rhythm_app"
    f" USING ({PLATFORM_ADMIN}) WITH CHECK ({PLATFORM_ADMIN})",
    f"CREATE POLICY company_feature_flags_delete ON company_feature_flags FOR DELETE TO rhythm_app"
    f" USING ({PLATFORM_ADMIN})",
    "CREATE POLICY company_feature_flags_definer ON company_feature_flags TO rhythm_definer USING (true)",
]

ALL_TABLES = ["audit_log", "sign_in_events", "feature_flags", "company_feature_flags"]


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
    for table in ALL_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
