"""Live fan-out: who among an event's subscribers may read it, decided in one statement.

`rhythm.live_readers` takes the subscribers of one company's event as distinct caller contexts (a person, or an
API key's company and scopes) and, for each, names the caller exactly as `db.tenant` does at the start of a
transaction and asks `rhythm.company_ids` (the function every read policy asks) whether the company's `resource` is
readable. A person's role comes from their own membership row, read as them under its policy. The caller the
statement ran as is named again before it returns. So one statement answers for a thousand subscribers with the
policies' own rules, where each subscriber used to run a transaction of its own.

It runs as its caller (no SECURITY DEFINER): it sets nothing the app role could not set for itself.

Revision ID: 0022_live_fanout
Revises: 0021_busy_only
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_live_fanout"
down_revision: str | None = "0021_busy_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "rhythm.live_readers(text, uuid, uuid[], uuid[], text[])"

LIVE_READERS = """
CREATE FUNCTION rhythm.live_readers(
  p_resource text, p_company uuid, p_user_ids uuid[], p_api_companies uuid[], p_api_scopes text[]
) RETURNS text[]
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  saved_user text := coalesce(current_setting('rhythm.user_id', true), '');
  saved_scope text := coalesce(current_setting('rhythm.company_id', true), '');
  saved_api_company text := coalesce(current_setting('rhythm.api_company_id', true), '');
  saved_api_scopes text := coalesce(current_setting('rhythm.api_scopes', true), '');
  roles text[] := '{}';
  found_role text;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_user_ids, 1), 0) LOOP
    -- The caller settings of db.tenant.caller_settings, one context at a time.
    PERFORM set_config('rhythm.user_id', coalesce(p_user_ids[i]::text, ''), true),
            set_config('rhythm.company_id', '', true),
            set_config('rhythm.api_company_id', coalesce(p_api_companies[i]::text, ''), true),
            set_config('rhythm.api_scopes', coalesce(p_api_scopes[i], ''), true);
    found_role := NULL;
    IF p_company = ANY (rhythm.company_ids(p_resource, 'read')) THEN
      IF p_user_ids[i] IS NULL THEN
        found_role := 'api_key';
      ELSE
        SELECT m.role INTO found_role FROM public.memberships m
        WHERE m.company_id = p_company AND m.user_id = p_user_ids[i];
        found_role := coalesce(found_role, 'reader');
      END IF;
    END IF;
    roles := roles || found_role;
  END LOOP;
  PERFORM set_config('rhythm.user_id', saved_user, true), set_config('rhythm.company_id', saved_scope, true),
          set_config('rhythm.api_company_id', saved_api_company, true),
          set_config('rhythm.api_scopes', saved_api_scopes, true);
  RETURN roles;
END $$
"""


def _run(statement: str) -> None:
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    _run(LIVE_READERS)
    _run(f"REVOKE EXECUTE ON FUNCTION {SIGNATURE} FROM PUBLIC")
    _run(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO rhythm_app")


def downgrade() -> None:
    _run(f"DROP FUNCTION {SIGNATURE}")
