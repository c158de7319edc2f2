"""Workers alone read the outbox and the job ledger; leaving a company stops the timer running there.

`rhythm.company_ids()` answers a person by membership whatever the resource, so the policies of 0002 let any
member read their companies' outbox rows and job ledger over SQL. `rhythm.scoped_company_ids()` (0003) answers
workers only. A person removed from a company can no longer see (so no longer stop) a timer running there, while
the one-running-timer index still refuses their next start: the removal now stops it.

Revision ID: 0008_worker_only_tables
Revises: 0007_focus_sessions
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_worker_only_tables"
down_revision: str | None = "0007_focus_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_READ = "company_id = ANY ((SELECT rhythm.scoped_company_ids('events:read'))::uuid[])"
JOBS_WRITE = "company_id = ANY ((SELECT rhythm.scoped_company_ids('jobs:write'))::uuid[])"

UPGRADE = [
    "DROP POLICY outbox_select ON outbox",
    f"CREATE POLICY outbox_select ON outbox FOR SELECT TO rhythm_app USING ({EVENTS_READ})",
    "DROP POLICY job_runs_all ON job_runs",
    f"CREATE POLICY job_runs_all ON job_runs TO rhythm_app USING ({JOBS_WRITE}) WITH CHECK ({JOBS_WRITE})",
    # Runs as its owner: the person (or admin) removing the membership may not see the timer it stops.
    """
    CREATE FUNCTION rhythm.stop_timer_of_leaver() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      UPDATE public.time_entries SET ended_at = greatest(now(), started_at)
      WHERE user_id = OLD.user_id AND company_id = OLD.company_id AND ended_at IS NULL;
      RETURN NULL;
    END $$
    """,
    "ALTER FUNCTION rhythm.stop_timer_of_leaver() OWNER TO rhythm_definer",
    "REVOKE EXECUTE ON FUNCTION rhythm.stop_timer_of_leaver() FROM PUBLIC",
    "GRANT SELECT, UPDATE ON time_entries TO rhythm_definer",
    "CREATE POLICY time_entries_definer ON time_entries TO rhythm_definer USING (true) WITH CHECK (true)",
    "CREATE TRIGGER memberships_stop_timer AFTER DELETE ON memberships"
    " FOR EACH ROW EXECUTE FUNCTION rhythm.stop_timer_of_leaver()",
]

DOWNGRADE = [
    "DROP TRIGGER memberships_stop_timer ON memberships",
    "DROP POLICY time_entries_definer ON time_entries",
    "REVOKE SELECT, UPDATE ON time_entries FROM rhythm_definer",
    "DROP FUNCTION rhythm.stop_timer_of_leaver()",
    "DROP POLICY job_runs_all ON job_runs",
    "CREATE POLICY job_runs_all ON job_runs TO rhythm_app"
    " USING (company_id = ANY ((SELECT rhythm.company_ids('jobs', 'write'))::uuid[]))"
    " WITH CHECK (company_id = ANY ((SELECT rhythm.company_ids('jobs', 'write'))::uuid[]))",
    "DROP POLICY outbox_select ON outbox",
    "CREATE POLICY outbox_select ON outbox FOR SELECT TO rhythm_app"
    " USING (company_id = ANY ((SELECT rhythm.company_ids('events', 'read'))::uuid[]))",
]


def _run(statement: str) -> None:
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in UPGRADE:
        _run(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        _run(statement)
