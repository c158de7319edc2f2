"""Email verification, password reset and signed-in sessions.

- `users.email_verified_at`: when the person proved they read their address (a verification link, or a password
  reset link sent to it). Only definer functions write it; the app role reads it with the rest of `users`.
- `account_tokens`: the one-time links (verify an email, reset a password), as SHA-256 hashes of random tokens,
  each short lived and used once. The app role has no privilege on the table at all: definer functions issue
  (for a worker of the person's personal company, from an outbox event) and redeem them.
- `sign_in_sessions`: one row per refresh-token family (one sign-in on one device), with its user agent and client
  address, for `viewer { sessions }` and `revokeSession`. A person reads and ends their own only (RLS). Existing
  families are carried over.

Revision ID: 0016_email_sessions
Revises: 0015_trace_context
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_email_sessions"
down_revision: str | None = "0015_trace_context"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ME = "(SELECT rhythm.current_user_id())"

TABLES = [
    "ALTER TABLE users ADD COLUMN email_verified_at timestamptz",
    """
    CREATE TABLE account_tokens (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
      -- The address the link was sent to: for a verification after a change, the new one.
      email varchar(320) NOT NULL,
      token_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )
    """,
    "CREATE UNIQUE INDEX account_tokens_token_hash_key ON account_tokens (token_hash)",
    "CREATE INDEX account_tokens_user_id_idx ON account_tokens (user_id, purpose)",
    """
    CREATE TABLE sign_in_sessions (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      user_agent varchar(512),
      ip_address varchar(64),
      revoked_at timestamptz
    )
    """,
    "CREATE INDEX sign_in_sessions_user_id_idx ON sign_in_sessions (user_id, last_used_at)",
    # Every family signed in before this migration becomes a session, so each refresh token has its own.
    """
    INSERT INTO sign_in_sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at)
    SELECT family_id, min(user_id::text)::uuid, min(created_at), max(coalesce(used_at, created_at)), max(expires_at),
           CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
    FROM refresh_tokens GROUP BY family_id
    """,
    "ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_family_id_fkey"
    " FOREIGN KEY (family_id) REFERENCES sign_in_sessions (id) ON DELETE CASCADE",
]

FUNCTIONS = [
    # Asked for before anyone is signed in: the same statement runs whether or not the address has an account,
    # and what it may start (an event for the person's own email job) commits with the request.
    """
    CREATE FUNCTION rhythm.request_password_reset(p_email text, p_trace_context jsonb) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      INSERT INTO public.outbox (id, company_id, type, subject_id, payload, trace_context)
      SELECT gen_random_uuid(), c.id, 'account.password_reset_requested', u.id, '{}'::jsonb, p_trace_context
      FROM public.users u JOIN public.companies c ON c.created_by = u.id AND c.is_personal
      WHERE lower(u.email) = lower(p_email)
    $$
    """,
    # The email job's token, for the person an outbox event of their personal company names. Only a worker of that
    # company may ask (the `accounts:write` scope is a worker's alone), and only the person writes events there,
    # so nobody can have a link to someone else's account sent to an address of their choosing. The raw token never
    # reaches the database; an earlier link of the same kind to the same address stops working.
    """
    CREATE FUNCTION rhythm.issue_account_token(p_event_id uuid, p_token_hash text, p_ttl interval)
    RETURNS TABLE (user_id uuid, email text, display_name text, purpose text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      ev public.outbox;
      person public.users;
      kind text;
      address text;
    BEGIN
      IF NOT ('accounts:write' = ANY (rhythm.api_scopes())) THEN
        RETURN;
      END IF;
      SELECT o.* INTO ev FROM public.outbox o WHERE o.id = p_event_id AND o.company_id = rhythm.api_company_id();
      IF ev.id IS NULL THEN
        RETURN;
      END IF;
      SELECT u.* INTO person FROM public.users u
        JOIN public.companies c ON c.created_by = u.id AND c.is_personal AND c.id = ev.company_id
        WHERE u.id = ev.subject_id;
      IF person.id IS NULL THEN
        RETURN;
      END IF;
      IF ev.type = 'account.password_reset_requested' THEN
        kind := 'reset_password';
        address := person.email;
      ELSIF ev.type = 'account.email_verification_requested' THEN
        kind := 'verify_email';
        address := coalesce(ev.payload ->> 'email', person.email);
        IF lower(address) = lower(person.email) AND person.email_verified_at IS NOT NULL THEN
          RETURN;
        END IF;
      ELSE
        RETURN;
      END IF;
      -- A new link replaces the unused one to the same address; a new address also replaces earlier changes.
      UPDATE public.account_tokens t SET expires_at = least(t.expires_at, now())
        WHERE t.user_id = person.id AND t.purpose = kind AND t.used_at IS NULL
          AND (lower(t.email) = lower(address) OR (lower(address) <> lower(person.email)
                                                   AND lower(t.email) <> lower(person.email)));
      INSERT INTO public.account_tokens (user_id, purpose, email, token_hash, expires_at)
        VALUES (person.id, kind, address, p_token_hash, now() + p_ttl);
      RETURN QUERY SELECT person.id, address, person.display_name::text, kind;
    END $$
    """,
    # Uses a link once: `ok` (and what it proves is recorded), or why not: `expired`, `used`, `unknown`. A
    # verification sets the address it was sent to (the new one after a change) and marks it verified; a reset link
    # proves the address it was sent to as well.
    """
    CREATE FUNCTION rhythm.redeem_account_token(p_purpose text, p_token_hash text)
    RETURNS TABLE (user_id uuid, outcome text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      t public.account_tokens;
    BEGIN
      UPDATE public.account_tokens a SET used_at = now()
        WHERE a.token_hash = p_token_hash AND a.purpose = p_purpose AND a.used_at IS NULL AND a.expires_at > now()
        RETURNING a.* INTO t;
      IF t.id IS NULL THEN
        SELECT a.* INTO t FROM public.account_tokens a WHERE a.token_hash = p_token_hash AND a.purpose = p_purpose;
        RETURN QUERY SELECT NULL::uuid,
          CASE WHEN t.id IS NULL THEN 'unknown' WHEN t.used_at IS NOT NULL THEN 'used' ELSE 'expired' END;
        RETURN;
      END IF;
      IF p_purpose = 'verify_email' THEN
        -- A new address: every other open link named the old one (or another change), and stops working.
        UPDATE public.account_tokens a SET expires_at = least(a.expires_at, now())
          FROM public.users u
          WHERE u.id = t.user_id AND lower(u.email) <> lower(t.email)
            AND a.user_id = t.user_id AND a.id <> t.id AND a.used_at IS NULL;
        UPDATE public.users u SET email = t.email, email_verified_at = now(), updated_at = now()
          WHERE u.id = t.user_id;
      ELSE
        UPDATE public.users u SET email_verified_at = coalesce(u.email_verified_at, now())
          WHERE u.id = t.user_id AND lower(u.email) = lower(t.email);
      END IF;
      RETURN QUERY SELECT t.user_id, 'ok'::text;
    END $$
    """,
    # A reset link sets the password and signs the person out everywhere, in one statement.
    """
    CREATE FUNCTION rhythm.reset_password(p_token_hash text, p_password_hash text) RETURNS text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      redeemed record;
    BEGIN
      SELECT * INTO redeemed FROM rhythm.redeem_account_token('reset_password', p_token_hash);
      IF redeemed.outcome <> 'ok' THEN
        RETURN redeemed.outcome;
      END IF;
      UPDATE public.user_credentials c SET password_hash = p_password_hash, updated_at = now()
        WHERE c.user_id = redeemed.user_id;
      UPDATE public.sign_in_sessions s SET revoked_at = now()
        WHERE s.user_id = redeemed.user_id AND s.revoked_at IS NULL;
      UPDATE public.refresh_tokens r SET revoked_at = now()
        WHERE r.user_id = redeemed.user_id AND r.revoked_at IS NULL;
      RETURN 'ok';
    END $$
    """,
]

DEFINER_FUNCTIONS = [
    "rhythm.request_password_reset(text, jsonb)",
    "rhythm.issue_account_token(uuid, text, interval)",
    "rhythm.redeem_account_token(text, text)",
    "rhythm.reset_password(text, text)",
]

GRANTS = [
    "GRANT SELECT, INSERT, UPDATE ON account_tokens TO rhythm_definer",
    "GRANT UPDATE (email, email_verified_at, updated_at) ON users TO rhythm_definer",
    "GRANT INSERT ON outbox TO rhythm_definer",
    "GRANT SELECT, UPDATE (revoked_at) ON sign_in_sessions, refresh_tokens TO rhythm_definer",
    "GRANT SELECT, INSERT, UPDATE (last_used_at, expires_at, user_agent, ip_address, revoked_at)"
    " ON sign_in_sessions TO rhythm_app",
]

POLICIES = [
    "CREATE POLICY account_tokens_definer ON account_tokens TO rhythm_definer USING (true) WITH CHECK (true)",
    f"CREATE POLICY sign_in_sessions_own ON sign_in_sessions TO rhythm_app USING (user_id = {ME})"
    f" WITH CHECK (user_id = {ME})",
    "CREATE POLICY sign_in_sessions_definer ON sign_in_sessions TO rhythm_definer USING (true) WITH CHECK (true)",
    "CREATE POLICY refresh_tokens_definer ON refresh_tokens TO rhythm_definer USING (true) WITH CHECK (true)",
]


def _run(statement: str) -> None:
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
    for table in ("account_tokens", "sign_in_sessions"):
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for signature in reversed(DEFINER_FUNCTIONS):
        _run(f"DROP FUNCTION {signature}")
    _run("DROP POLICY refresh_tokens_definer ON refresh_tokens")
    _run("REVOKE ALL ON refresh_tokens FROM rhythm_definer")
    _run("REVOKE INSERT ON outbox FROM rhythm_definer")
    _run("REVOKE UPDATE (email, email_verified_at, updated_at) ON users FROM rhythm_definer")
    _run("ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_family_id_fkey")
    _run("DROP TABLE sign_in_sessions")
    _run("DROP TABLE account_tokens")
    _run("ALTER TABLE users DROP COLUMN email_verified_at")
