"""The second factor: TOTP secrets (encrypted), recovery codes (hashed), sign-in challenges, and companies that
require a second factor of their members.

A person's second-factor rows are theirs alone (no company, no colleague, no API key or worker reads them). A
company that requires a second factor is left out of `rhythm.company_ids` for a person whose session has not
passed one (`rhythm.second_factor`, set by db/tenant.py from the access token), so every policy built on it
hides the company's data from that session; personal companies can never require it, so a person always reaches
their own work and can enrol.

Revision ID: 0017_second_factor
Revises: 0016_email_sessions
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_second_factor"
down_revision: str | None = "0016_email_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "(SELECT rhythm.current_user_id())"

TABLES = [
    "ALTER TABLE companies ADD COLUMN require_second_factor boolean NOT NULL DEFAULT false",
    "ALTER TABLE companies ADD CONSTRAINT companies_personal_requires_no_second_factor"
    " CHECK (NOT (is_personal AND require_second_factor))",
    # The TOTP secret is a Fernet token (bytea) under the same keys as calendar tokens; the key lives in the
    # settings, never in the database. `enabled_at` is null between enrolment and confirmation.
    """
    CREATE TABLE second_factors (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      secret_encrypted bytea NOT NULL,
      enabled_at timestamptz,
      -- The last accepted 30-second step: a code of this step or an earlier one is a replay.
      last_used_step bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE second_factor_recovery_codes (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      code_hash text NOT NULL,
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT second_factor_recovery_codes_user_code_key UNIQUE (user_id, code_hash)
    )
    """,
    # Between the password and the code: single use, short lived, and dead after a few wrong codes.
    """
    CREATE TABLE second_factor_challenges (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      expires_at timestamptz NOT NULL,
      failures smallint NOT NULL DEFAULT 0 CHECK (failures >= 0),
      used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX second_factor_challenges_user_id_idx ON second_factor_challenges (user_id, created_at)",
]

OWN_TABLES = ["second_factors", "second_factor_recovery_codes", "second_factor_challenges"]

COMPANY_IDS = """
CREATE OR REPLACE FUNCTION rhythm.company_ids(resource text, access text) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  api_company uuid := rhythm.api_company_id();
  caller uuid := rhythm.current_user_id();
  only_company uuid := rhythm.company_scope();
  scopes text[] := rhythm.api_scopes();
BEGIN
  IF api_company IS NOT NULL THEN
    IF (access = 'read' AND (resource = 'company' OR resource || ':read' = ANY (scopes)
                             OR resource || ':write' = ANY (scopes)))
       OR (access = 'write' AND resource || ':write' = ANY (scopes)) THEN
      RETURN ARRAY[api_company];
    END IF;
    RETURN '{{}}';
  END IF;
  IF caller IS NULL THEN
    RETURN '{{}}';
  END IF;
  {second_factor_branch}
  RETURN coalesce((
    SELECT array_agg(m.company_id)
    FROM public.memberships m
    WHERE m.user_id = caller
      AND (only_company IS NULL OR m.company_id = only_company)
      AND CASE access
            WHEN 'admin' THEN m.role IN ('owner', 'admin')
            WHEN 'owner' THEN m.role = 'owner'
            ELSE true
          END
  ), '{{}}');
END $$
"""

# A company that requires a second factor is reached only from a session that passed one. Such a session takes
# the query as it was; one without joins each membership's company to read its requirement.
WITH_SECOND_FACTOR = COMPANY_IDS.format(
    second_factor_branch="""IF coalesce(current_setting('rhythm.second_factor', true), '') <> 'on' THEN
    RETURN coalesce((
      SELECT array_agg(m.company_id)
      FROM public.memberships m JOIN public.companies c ON c.id = m.company_id
      WHERE m.user_id = caller
        AND (only_company IS NULL OR m.company_id = only_company)
        AND CASE access
              WHEN 'admin' THEN m.role IN ('owner', 'admin')
              WHEN 'owner' THEN m.role = 'owner'
              ELSE true
            END
        AND NOT c.require_second_factor
    ), '{}');
  END IF;"""
)
WITHOUT_SECOND_FACTOR = COMPANY_IDS.format(second_factor_branch="")

FUNCTIONS = [
    WITH_SECOND_FACTOR,
    # The caller's companies that require a second factor, named, so a person whose session has none is told
    # which companies wait for them to enrol (the policies hide those companies from that session).
    f"""
    CREATE FUNCTION rhythm.companies_requiring_second_factor()
    RETURNS TABLE (company_id uuid, name text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT c.id, c.name::text FROM public.memberships m JOIN public.companies c ON c.id = m.company_id
      WHERE m.user_id = {ME} AND c.require_second_factor AND rhythm.api_company_id() IS NULL
      ORDER BY c.name, c.id
    $$
    """,
    # Only owners change the requirement (admins may rename a company, not lock its members out). It runs as
    # the invoker, so `current_user` tells the app role from the migration role.
    """
    CREATE FUNCTION rhythm.guard_second_factor_requirement() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF NEW.require_second_factor IS DISTINCT FROM OLD.require_second_factor
         AND current_user = 'rhythm_app'
         AND NOT NEW.id = ANY (rhythm.company_ids('company', 'owner')) THEN
        RAISE EXCEPTION 'Only owners decide whether a company requires a second factor.' USING ERRCODE = 'RH409';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER companies_guard_second_factor BEFORE UPDATE OF require_second_factor ON companies"
    " FOR EACH ROW EXECUTE FUNCTION rhythm.guard_second_factor_requirement()",
]

DEFINER_FUNCTIONS = ["rhythm.companies_requiring_second_factor()"]


def _run(statement: str) -> None:
    # Straight to the driver: SQLAlchemy's text() would read ':read' inside a function body as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, *FUNCTIONS]:
        _run(statement)
    for signature in DEFINER_FUNCTIONS:
        _run(f"ALTER FUNCTION {signature} OWNER TO rhythm_definer")
        _run(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    _run("GRANT EXECUTE ON FUNCTION rhythm.companies_requiring_second_factor() TO rhythm_app")
    for table in OWN_TABLES:
        _run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO rhythm_app")
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        _run(f"CREATE POLICY {table}_own ON {table} TO rhythm_app USING (user_id = {ME}) WITH CHECK (user_id = {ME})")


def downgrade() -> None:
    _run(WITHOUT_SECOND_FACTOR)
    _run("DROP TRIGGER companies_guard_second_factor ON companies")
    for signature in [*DEFINER_FUNCTIONS, "rhythm.guard_second_factor_requirement()"]:
        _run(f"DROP FUNCTION {signature}")
    for table in reversed(OWN_TABLES):
        _run(f"DROP TABLE {table}")
    _run("ALTER TABLE companies DROP COLUMN require_second_factor")
