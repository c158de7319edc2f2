"""Sign in with Google and Microsoft: the OpenID Connect identities linked to a person, and the sign-ins started
and not yet completed.

`sign_in_identities` belongs to its person alone (like `refresh_tokens`): nobody else, no admin and no API key
reads it. `sign_in_attempts` holds only the SHA-256 of each `state` (the PKCE verifier and the nonce are derived
from the state with Rhythm's secret, so nothing stored could complete a sign-in), for at most the attempt's
lifetime; it is taken (deleted) once, by a SECURITY DEFINER function, because the callback has no caller yet.

A person made by signing in has no row in `user_credentials`: no password until they set one.

Revision ID: 0018_sign_in_identities
Revises: 0017_second_factor
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_sign_in_identities"
down_revision: str | None = "0017_second_factor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "(SELECT rhythm.current_user_id())"

TABLES = [
    """
    CREATE TABLE sign_in_identities (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      provider text NOT NULL CHECK (provider IN ('google', 'microsoft')),
      issuer varchar(500) NOT NULL CHECK (length(issuer) > 0),
      subject varchar(500) NOT NULL CHECK (length(subject) > 0),
      email varchar(320),
      email_verified boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      CONSTRAINT sign_in_identities_account_key UNIQUE (provider, issuer, subject),
      -- One account of each provider per person: linking a second one replaces nothing silently.
      CONSTRAINT sign_in_identities_user_id_provider_key UNIQUE (user_id, provider)
    )
    """,
    """
    CREATE TABLE sign_in_attempts (
      state_hash char(64) PRIMARY KEY,
      provider text NOT NULL CHECK (provider IN ('google', 'microsoft')),
      -- Set when a signed-in person started it to link an identity: only they may complete it.
      user_id uuid REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )
    """,
    "CREATE INDEX sign_in_attempts_user_id_idx ON sign_in_attempts (user_id)",
    "CREATE INDEX sign_in_attempts_expires_at_idx ON sign_in_attempts (expires_at)",
]

FUNCTIONS = [
    # Starting a sign-in has no caller (or one who links): the attempt names whoever is calling, never a
    # person passed in. Lapsed attempts go on the way.
    """
    CREATE FUNCTION rhythm.begin_sign_in(p_state_hash text, p_provider text, p_ttl_seconds integer) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DELETE FROM public.sign_in_attempts WHERE expires_at < now();
      INSERT INTO public.sign_in_attempts (state_hash, provider, user_id, expires_at)
        VALUES (p_state_hash, p_provider, rhythm.current_user_id(), now() + make_interval(secs => p_ttl_seconds));
    $$
    """,
    # Single use: the attempt is deleted as it is read; an unknown, used or lapsed state finds nothing.
    """
    CREATE FUNCTION rhythm.take_sign_in(p_state_hash text) RETURNS TABLE (provider text, user_id uuid)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DELETE FROM public.sign_in_attempts a WHERE a.state_hash = p_state_hash AND a.expires_at >= now()
      RETURNING a.provider, a.user_id
    $$
    """,
    """
    CREATE FUNCTION rhythm.identity_owner(p_provider text, p_issuer text, p_subject text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT i.user_id FROM public.sign_in_identities i
      WHERE i.provider = p_provider AND i.issuer = p_issuer AND i.subject = p_subject
    $$
    """,
    # Whether an account uses this email, whatever way it signs in (credentials_for_email sees only passwords).
    """
    CREATE FUNCTION rhythm.user_id_for_email(p_email text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT u.id FROM public.users u WHERE lower(u.email) = lower(p_email)
    $$
    """,
    # As rhythm.sign_up, with an identity instead of a password.
    """
    CREATE FUNCTION rhythm.sign_up_with_identity(
      p_user_id uuid, p_company_id uuid, p_email text, p_display_name text, p_time_zone text,
      p_company_name text, p_identity_id uuid, p_provider text, p_issuer text, p_subject text
    ) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      INSERT INTO public.users (id, email, display_name, time_zone)
        VALUES (p_user_id, p_email, p_display_name, p_time_zone);
      INSERT INTO public.companies (id, name, is_personal, created_by)
        VALUES (p_company_id, p_company_name, true, p_user_id);
      INSERT INTO public.memberships (company_id, user_id, role) VALUES (p_company_id, p_user_id, 'owner');
      INSERT INTO public.sign_in_identities (id, user_id, provider, issuer, subject, email, email_verified, last_used_at)
        VALUES (p_identity_id, p_user_id, p_provider, p_issuer, p_subject, p_email, true, now());
    END $$
    """,
    "CREATE FUNCTION rhythm.caller_has_password() RETURNS boolean"
    " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
    " SELECT EXISTS (SELECT 1 FROM public.user_credentials c WHERE c.user_id = rhythm.current_user_id()) $$",
]

DEFINER_FUNCTIONS = [
    "rhythm.begin_sign_in(text, text, integer)",
    "rhythm.take_sign_in(text)",
    "rhythm.identity_owner(text, text, text)",
    "rhythm.user_id_for_email(text)",
    "rhythm.sign_up_with_identity(uuid, uuid, text, text, text, text, uuid, text, text, text)",
    "rhythm.caller_has_password()",
]

ALL_TABLES = ["sign_in_identities", "sign_in_attempts"]

GRANTS = [
    "GRANT SELECT, INSERT, DELETE ON sign_in_identities TO rhythm_app",
    "GRANT UPDATE (last_used_at, email, email_verified) ON sign_in_identities TO rhythm_app",
    # Read only, and only a person's own link attempts: the definer functions write.
    "GRANT SELECT ON sign_in_attempts TO rhythm_app",
    "GRANT SELECT, INSERT ON sign_in_identities TO rhythm_definer",
    "GRANT SELECT, INSERT, DELETE ON sign_in_attempts TO rhythm_definer",
]

POLICIES = [
    f"CREATE POLICY sign_in_identities_own ON sign_in_identities TO rhythm_app"
    f" USING (user_id = {ME}) WITH CHECK (user_id = {ME})",
    "CREATE POLICY sign_in_identities_definer ON sign_in_identities TO rhythm_definer USING (true) WITH CHECK (true)",
    f"CREATE POLICY sign_in_attempts_own ON sign_in_attempts FOR SELECT TO rhythm_app USING (user_id = {ME})",
    "CREATE POLICY sign_in_attempts_definer ON sign_in_attempts TO rhythm_definer USING (true) WITH CHECK (true)",
]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read a colon inside a statement as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in TABLES:
        _run(statement)
    for statement in GRANTS:
        _run(statement)
    for table in ALL_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)
    for statement in FUNCTIONS:
        _run(statement)
    for signature in DEFINER_FUNCTIONS:
        _run(f"ALTER FUNCTION {signature} OWNER TO rhythm_definer")
        _run(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
        _run(f"GRANT EXECUTE ON FUNCTION {signature} TO rhythm_app")


def downgrade() -> None:
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
