"""A caller's companies looked up once per transaction, not once per policy.

Every policy asks `rhythm.company_ids(resource, access)` in an init plan, so a statement that touches three
policied tables asks three times, and an update with its event five or six: each time a query on `memberships`
(about 40 µs with its function call, measured on PostgreSQL 18). The function now keeps its answer in a
transaction-local setting (`rhythm.company_ids_kept_member`, `_admin`, `_owner`: one per kind of access) beside
the caller settings it was computed for, and answers again from it while those settings are the same.

What changes the answer drops what was kept: a statement-level trigger on `memberships` (any insert, update or
delete, cascades included) and on a company's `require_second_factor`. A savepoint rolled back restores the
setting with the rest of its work. So a transaction decides its caller's companies once, from its first
statement that asks (as a request decides who its caller is once), and sees its own membership changes at the
next statement, as before; a membership another transaction commits meanwhile counts from the caller's next
transaction. API keys take no lookup and keep nothing.

Revision ID: 0024_company_ids_once
Revises: 0023_account_mail_limit
Create Date: 2026-12-07
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0024_company_ids_once"
down_revision: str | None = "0023_account_mail_limit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The three settings it keeps, one per kind of access it answers for.
KINDS = ("member", "admin", "owner")

COMPANY_IDS = """
CREATE OR REPLACE FUNCTION rhythm.company_ids(resource text, access text) RETURNS uuid[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  api_company uuid := rhythm.api_company_id();
  caller uuid;
  only_company uuid;
  scopes text[];
  passed boolean;
  kind text;
  computed_for text;
  kept text;
  found uuid[];
BEGIN
  IF api_company IS NOT NULL THEN
    scopes := rhythm.api_scopes();
    IF (access = 'read' AND (resource = 'company' OR resource || ':read' = ANY (scopes)
                             OR resource || ':write' = ANY (scopes)))
       OR (access = 'write' AND resource || ':write' = ANY (scopes)) THEN
      RETURN ARRAY[api_company];
    END IF;
    RETURN '{}';
  END IF;
  caller := rhythm.current_user_id();
  IF caller IS NULL THEN
    RETURN '{}';
  END IF;
  only_company := rhythm.company_scope();
  passed := coalesce(current_setting('rhythm.second_factor', true), '') = 'on';
  kind := CASE access WHEN 'admin' THEN 'admin' WHEN 'owner' THEN 'owner' ELSE 'member' END;
  -- Who the answer was computed for, ahead of the answer itself: a caller, a company in scope, a second factor.
  computed_for := concat_ws('/', caller, only_company, passed) || '=';
  kept := current_setting('rhythm.company_ids_kept_' || kind, true);
  IF starts_with(kept, computed_for) THEN
    RETURN substr(kept, length(computed_for) + 1)::uuid[];
  END IF;
  -- A company that requires a second factor is reached only from a session that passed one.
  IF passed THEN
    found := coalesce((
      SELECT array_agg(m.company_id)
      FROM public.memberships m
      WHERE m.user_id = caller
        AND (only_company IS NULL OR m.company_id = only_company)
        AND CASE kind WHEN 'admin' THEN m.role IN ('owner', 'admin') WHEN 'owner' THEN m.role = 'owner' ELSE true END
    ), '{}');
  ELSE
    found := coalesce((
      SELECT array_agg(m.company_id)
      FROM public.memberships m JOIN public.companies c ON c.id = m.company_id
      WHERE m.user_id = caller
        AND (only_company IS NULL OR m.company_id = only_company)
        AND CASE kind WHEN 'admin' THEN m.role IN ('owner', 'admin') WHEN 'owner' THEN m.role = 'owner' ELSE true END
        AND NOT c.require_second_factor
    ), '{}');
  END IF;
  PERFORM set_config('rhythm.company_ids_kept_' || kind, computed_for || found::text, true);
  RETURN found;
END $$
"""

# Runs as whoever changed the rows (the app role, a definer function, a cascade): the settings are the
# transaction's own, and anyone may clear them.
FORGET = f"""
CREATE FUNCTION rhythm.forget_company_ids() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM {", ".join(f"set_config('rhythm.company_ids_kept_{kind}', '', true)" for kind in KINDS)};
  RETURN NULL;
END $$
"""

TRIGGERS = [
    "CREATE TRIGGER memberships_forget_company_ids AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships"
    " FOR EACH STATEMENT EXECUTE FUNCTION rhythm.forget_company_ids()",
    "CREATE TRIGGER companies_forget_company_ids AFTER UPDATE OF require_second_factor OR DELETE ON companies"
    " FOR EACH STATEMENT EXECUTE FUNCTION rhythm.forget_company_ids()",
]


def _as_0017_made_it() -> str:
    """`rhythm.company_ids` as revision 0017 made it (its text, frozen with that revision)."""
    path = Path(__file__).with_name("0017_second_factor.py")
    spec = importlib.util.spec_from_file_location("second_factor_0017", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.WITH_SECOND_FACTOR)


def _run(statement: str) -> None:
    # Straight to the driver: SQLAlchemy's text() would read ':read' inside a function body as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    # OR REPLACE keeps the function's owner (the definer role) and grants.
    _run(COMPANY_IDS)
    _run(FORGET)
    for trigger in TRIGGERS:
        _run(trigger)


def downgrade() -> None:
    _run("DROP TRIGGER companies_forget_company_ids ON companies")
    _run("DROP TRIGGER memberships_forget_company_ids ON memberships")
    _run("DROP FUNCTION rhythm.forget_company_ids()")
    _run(_as_0017_made_it())
