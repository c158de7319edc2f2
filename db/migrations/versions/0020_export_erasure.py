"""Accounts: consent records, data exports, and erasure of an account.

`consents` is a person's append-only history of what they agreed to (terms and privacy versions, marketing email on
or off, and when): theirs alone to read and add to; nobody updates or deletes a record (erasure takes them with the
person). `data_exports` holds each export a person asked for: its state, and once built, the gzipped JSON archive
until it is downloaded (once) or expires. Both hang on `users` and go with it.

`rhythm.erase_caller()` erases the signed-in person in the caller's transaction: it refuses while they are the last
owner of a company that has other members, deletes the companies that are theirs alone (the personal one, and shared
ones nobody else belongs to), sets to null what names them without a key to `users` (AI usage, a company's AI
settings, dead-letter resolutions, outbox actors and subjects, notification subjects; the id as text in event and
webhook payloads and failed jobs' messages; job ledger keys that name them), then deletes the person,
whose keys take memberships (and with them everything held per membership), credentials, refresh tokens, API keys,
preferences, consents and exports, and null the authorship of tasks and webhook endpoints. `companies.created_by`
becomes nullable and is nulled the same way, so a shared company outlives the person who made it.

Revision ID: 0020_export_erasure
Revises: 0019_audit_log
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_export_erasure"
down_revision: str | None = "0019_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    """
    CREATE TABLE consents (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('terms', 'privacy', 'marketing_email')),
      -- The version of the text agreed to (terms, privacy); none for marketing email, which is on or off.
      version varchar(40) CHECK (version IS NULL OR length(btrim(version)) > 0),
      granted boolean NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT consents_version_for_documents CHECK ((kind = 'marketing_email') = (version IS NULL))
    )
    """,
    "CREATE INDEX consents_user_id_at_idx ON consents (user_id, at, id)",
    """
    CREATE TABLE data_exports (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'ready', 'downloaded')),
      requested_at timestamptz NOT NULL DEFAULT now(),
      ready_at timestamptz,
      expires_at timestamptz,
      downloaded_at timestamptz,
      -- gzip of the JSON archive, kept until the download (or, once expired, the person's next export).
      archive bytea,
      size_bytes integer CHECK (size_bytes >= 0),
      CONSTRAINT data_exports_ready_expires CHECK (state <> 'ready' OR expires_at IS NOT NULL)
    )
    """,
    "CREATE INDEX data_exports_user_id_requested_idx ON data_exports (user_id, requested_at, id)",
    # A shared company outlives the person who made it.
    "ALTER TABLE companies ALTER COLUMN created_by DROP NOT NULL",
    "ALTER TABLE companies DROP CONSTRAINT companies_created_by_fkey",
    "ALTER TABLE companies ADD CONSTRAINT companies_created_by_fkey FOREIGN KEY (created_by)"
    " REFERENCES users (id) ON DELETE SET NULL",
]

ERASE = """
CREATE FUNCTION rhythm.erase_caller() RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  me uuid := rhythm.current_user_id();
  gid text := encode(convert_to('User:' || me::text, 'UTF8'), 'base64');
BEGIN
  IF me IS NULL OR rhythm.api_company_id() IS NOT NULL THEN
    RAISE EXCEPTION 'Only a signed-in person erases an account, their own.' USING ERRCODE = '42501';
  END IF;
  -- The service names these companies to the person first; this is the backstop.
  IF EXISTS (
    SELECT 1 FROM public.memberships m
    WHERE m.user_id = me AND m.role = 'owner'
      AND EXISTS (SELECT 1 FROM public.memberships o WHERE o.company_id = m.company_id AND o.user_id <> me)
      AND NOT EXISTS (SELECT 1 FROM public.memberships o
                      WHERE o.company_id = m.company_id AND o.user_id <> me AND o.role = 'owner')
  ) THEN
    RAISE EXCEPTION 'The last owner of a company with other members cannot leave it.' USING ERRCODE = 'RH409';
  END IF;
  DELETE FROM public.companies c
  WHERE c.id IN (SELECT m.company_id FROM public.memberships m WHERE m.user_id = me)
    AND NOT EXISTS (SELECT 1 FROM public.memberships o WHERE o.company_id = c.id AND o.user_id <> me);
  UPDATE public.ai_usage SET user_id = NULL WHERE user_id = me;
  UPDATE public.ai_company_settings SET updated_by = NULL WHERE updated_by = me;
  UPDATE public.dead_letters SET resolved_by = NULL WHERE resolved_by = me;
  UPDATE public.outbox SET actor_user_id = NULL WHERE actor_user_id = me;
  UPDATE public.outbox SET subject_id = NULL WHERE subject_id = me;
  UPDATE public.notifications SET subject_id = NULL WHERE subject_id = me;
  -- The id as text in event payloads, in webhook payloads (also as its GraphQL global id) and in failed jobs'
  -- messages becomes an empty string; a ledger key that names the person can never be claimed again.
  UPDATE public.outbox SET payload = replace(payload::text, me::text, '')::jsonb
  WHERE strpos(payload::text, me::text) > 0;
  UPDATE public.webhook_deliveries SET payload = replace(replace(payload::text, me::text, ''), gid, '')::jsonb
  WHERE strpos(payload::text, me::text) > 0 OR strpos(payload::text, gid) > 0;
  UPDATE public.dead_letters SET message = replace(message::text, me::text, '')::jsonb
  WHERE strpos(message::text, me::text) > 0;
  DELETE FROM public.job_runs WHERE strpos(job_key, me::text) > 0;
  -- A company's audit log keeps what happened and loses who did it and from where: the app role may never change
  -- an entry, so only this function does.
  UPDATE public.audit_log SET actor_user_id = NULL, ip_address = NULL, user_agent = NULL WHERE actor_user_id = me;
  UPDATE public.audit_log SET target_id = NULL WHERE target_type = 'User' AND target_id = me;
  UPDATE public.audit_log SET details = replace(replace(details::text, me::text, ''), gid, '')::jsonb
  WHERE strpos(details::text, me::text) > 0 OR strpos(details::text, gid) > 0;
  UPDATE public.feature_flags SET updated_by = NULL WHERE updated_by = me;
  UPDATE public.company_feature_flags SET updated_by = NULL WHERE updated_by = me;
  DELETE FROM public.users WHERE id = me;
END $$
"""

ME = "(SELECT rhythm.current_user_id())"
# A person, never an API key (which names no person anyway) acting through someone's settings.
OWN = f"(user_id = {ME})"

POLICIES = [
    f"CREATE POLICY consents_select ON consents FOR SELECT TO rhythm_app USING {OWN}",
    f"CREATE POLICY consents_insert ON consents FOR INSERT TO rhythm_app WITH CHECK {OWN}",
    f"CREATE POLICY data_exports_select ON data_exports FOR SELECT TO rhythm_app USING {OWN}",
    f"CREATE POLICY data_exports_insert ON data_exports FOR INSERT TO rhythm_app"
    f" WITH CHECK ({OWN} AND state = 'pending')",
    f"CREATE POLICY data_exports_update ON data_exports FOR UPDATE TO rhythm_app USING {OWN} WITH CHECK {OWN}",
    # What the erasure reads and anonymises beyond the tables whose definer policies exist already.
    *(
        f"CREATE POLICY {table}_definer_erase ON {table} TO rhythm_definer USING (true) WITH CHECK (true)"
        for table in ("ai_usage", "ai_company_settings", "notifications")
    ),
    "CREATE POLICY job_runs_definer_erase ON job_runs FOR DELETE TO rhythm_definer USING (true)",
    "CREATE POLICY audit_log_definer_erase_read ON audit_log FOR SELECT TO rhythm_definer USING (true)",
    "CREATE POLICY audit_log_definer_erase ON audit_log FOR UPDATE TO rhythm_definer USING (true) WITH CHECK (true)",
]

GRANTS = [
    "GRANT SELECT, INSERT ON consents TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE (state, ready_at, expires_at, downloaded_at, archive, size_bytes)"
    " ON data_exports TO rhythm_app",
    "GRANT DELETE ON users, companies TO rhythm_definer",
    "GRANT SELECT, UPDATE (user_id) ON ai_usage TO rhythm_definer",
    "GRANT SELECT, UPDATE (updated_by) ON ai_company_settings TO rhythm_definer",
    "GRANT SELECT, UPDATE (subject_id) ON notifications TO rhythm_definer",
    "GRANT UPDATE (payload) ON webhook_deliveries TO rhythm_definer",
    "GRANT DELETE ON job_runs TO rhythm_definer",
    "GRANT SELECT (actor_user_id, target_type, target_id, details),"
    " UPDATE (actor_user_id, ip_address, user_agent, target_id, details) ON audit_log TO rhythm_definer",
    # feature_flags: 0019 lets the definer write it already; its policy there covers company_feature_flags too.
    "GRANT UPDATE (updated_by) ON company_feature_flags TO rhythm_definer",
]

NEW_TABLES = ["consents", "data_exports"]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read a colon inside a statement as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, ERASE, *GRANTS]:
        _run(statement)
    _run("ALTER FUNCTION rhythm.erase_caller() OWNER TO rhythm_definer")
    _run("REVOKE EXECUTE ON FUNCTION rhythm.erase_caller() FROM PUBLIC")
    _run("GRANT EXECUTE ON FUNCTION rhythm.erase_caller() TO rhythm_app")
    for table in NEW_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for table in ("ai_usage", "ai_company_settings", "notifications", "job_runs"):
        _run(f"DROP POLICY {table}_definer_erase ON {table}")
    _run("REVOKE UPDATE (updated_by) ON company_feature_flags FROM rhythm_definer")
    _run("DROP POLICY audit_log_definer_erase ON audit_log")
    _run("DROP POLICY audit_log_definer_erase_read ON audit_log")
    _run("REVOKE SELECT, UPDATE ON audit_log FROM rhythm_definer")
    _run("REVOKE DELETE ON job_runs FROM rhythm_definer")
    _run("REVOKE UPDATE (payload) ON webhook_deliveries FROM rhythm_definer")
    _run("REVOKE SELECT, UPDATE (subject_id) ON notifications FROM rhythm_definer")
    _run("REVOKE SELECT, UPDATE (updated_by) ON ai_company_settings FROM rhythm_definer")
    _run("REVOKE SELECT, UPDATE (user_id) ON ai_usage FROM rhythm_definer")
    _run("REVOKE DELETE ON users, companies FROM rhythm_definer")
    _run("DROP FUNCTION rhythm.erase_caller()")
    _run("ALTER TABLE companies DROP CONSTRAINT companies_created_by_fkey")
    _run("ALTER TABLE companies ADD CONSTRAINT companies_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id)")
    # A company whose maker was erased has nobody to name: it goes back to its oldest owner.
    _run(
        "UPDATE companies c SET created_by = (SELECT m.user_id FROM memberships m WHERE m.company_id = c.id"
        " ORDER BY (m.role = 'owner') DESC, m.created_at LIMIT 1) WHERE c.created_by IS NULL"
    )
    _run("DELETE FROM companies WHERE created_by IS NULL")
    _run("ALTER TABLE companies ALTER COLUMN created_by SET NOT NULL")
    for table in reversed(NEW_TABLES):
        _run(f"DROP TABLE {table}")
