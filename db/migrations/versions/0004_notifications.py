"""Notifications: in-app notifications, each person's preferences, and the reminder scan across companies.

Revision ID: 0004_notifications
Revises: 0003_webhooks
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_notifications"
down_revision: str | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    """
    CREATE TABLE notifications (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      type text NOT NULL CHECK (type ~ '^[a-z_]+$'),
      title varchar(300) NOT NULL CHECK (length(btrim(title)) > 0),
      body varchar(2000) NOT NULL DEFAULT '',
      -- What the notification is about (a task, a company, a webhook endpoint), by type; no key, it may go away.
      subject_id uuid,
      -- The outbox event that caused it, if one did.
      event_id uuid,
      -- Made by whoever notifies (an event and type, a reminder's task and due date): a repeat finds it taken.
      dedupe_key varchar(300) NOT NULL,
      read_at timestamptz,
      emailed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- The recipient is a member of the company; leaving it takes its notifications away.
      CONSTRAINT notifications_recipient_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT notifications_once_key UNIQUE (user_id, dedupe_key)
    )
    """,
    # Also finds the notifications about one subject (who was last told of a task's assignment).
    "CREATE INDEX notifications_company_id_subject_idx ON notifications (company_id, subject_id, created_at)",
    "CREATE INDEX notifications_user_id_created_idx ON notifications (user_id, created_at, id)",
    "CREATE INDEX notifications_user_id_unread_idx ON notifications (user_id, created_at, id) WHERE read_at IS NULL",
    # One row per person who changed a default; no row means the defaults.
    """
    CREATE TABLE notification_preferences (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      email_enabled boolean NOT NULL DEFAULT true,
      -- Types the person is never notified of, in the app or by email.
      muted_types text[] NOT NULL DEFAULT '{}',
      -- How long before its due time an assigned task is "due soon".
      due_soon_hours smallint NOT NULL DEFAULT 24 CHECK (due_soon_hours BETWEEN 1 AND 336),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # The reminder scan reads open, assigned tasks by due time across companies.
    "CREATE INDEX tasks_open_assigned_due_idx ON tasks (due_at)"
    " WHERE assignee_id IS NOT NULL AND due_at IS NOT NULL AND status IN ('todo', 'in_progress')",
]

FUNCTIONS = [
    # The people whose preferences the caller's worker may read: the members of the companies it notifies for.
    # SECURITY DEFINER so the policy on notification_preferences reads memberships once, not through its policies.
    """
    CREATE FUNCTION rhythm.notified_user_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT coalesce(array_agg(DISTINCT m.user_id), '{}')
      FROM public.memberships m
      WHERE m.company_id = ANY (rhythm.scoped_company_ids('notifications:write'))
    $$
    """,
    # Reminders still to send, across all companies, for the periodic job (which acts for no company): open
    # assigned tasks due within the assignee's window ("due_soon") or past due ("overdue", for `p_overdue_for`
    # at most, so an old backlog is not announced). The job key names the task, the person, the kind and the due
    # time, so a moved due time reminds again; a key in the job ledger has been handled.
    """
    CREATE FUNCTION rhythm.pending_task_reminders(p_now timestamptz, p_overdue_for interval, p_limit integer)
    RETURNS TABLE (job_key text, kind text, company_id uuid, task_id uuid, user_id uuid, due_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT k.job_key, c.kind, c.company_id, c.task_id, c.user_id, c.due_at
      FROM (
        SELECT CASE WHEN t.due_at <= p_now THEN 'overdue' ELSE 'due_soon' END AS kind,
               t.company_id, t.id AS task_id, t.assignee_id AS user_id, t.due_at
        FROM public.tasks t
        LEFT JOIN public.notification_preferences p ON p.user_id = t.assignee_id
        WHERE t.assignee_id IS NOT NULL AND t.due_at IS NOT NULL AND t.status IN ('todo', 'in_progress')
          AND t.due_at > p_now - p_overdue_for
          AND t.due_at <= p_now + interval '336 hours'
          AND t.due_at <= p_now + make_interval(hours => coalesce(p.due_soon_hours, 24))
      ) c
      CROSS JOIN LATERAL (
        SELECT 'notifications.remind:' || c.kind || ':' || c.task_id || ':' || c.user_id || ':'
               || (extract(epoch FROM c.due_at) * 1000000)::bigint AS job_key
      ) k
      WHERE NOT EXISTS (SELECT 1 FROM public.job_runs j WHERE j.job_key = k.job_key)
      ORDER BY c.due_at, c.task_id
      LIMIT p_limit
    $$
    """,
]

DEFINER_FUNCTIONS = ["rhythm.notified_user_ids()", "rhythm.pending_task_reminders(timestamptz, interval, integer)"]

GRANTS = [
    "GRANT SELECT, INSERT, UPDATE (read_at, emailed_at) ON notifications TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE ON notification_preferences TO rhythm_app",
    # What the definer helpers read; nothing else.
    "GRANT SELECT ON tasks, notification_preferences, job_runs TO rhythm_definer",
]

ME = "(SELECT rhythm.current_user_id())"
READ_COMPANY = "((SELECT rhythm.company_ids('company', 'read'))::uuid[])"
# The recipient, in the companies the request may see (a company header narrows it like everything else).
OWN = f"(user_id = {ME} AND company_id = ANY {READ_COMPANY})"
# The company's workers: a scope API keys can never hold (the api_keys table admits the public scopes only).
WORKER = "(company_id = ANY ((SELECT rhythm.scoped_company_ids('notifications:write'))::uuid[]))"
NOTIFIED = "((SELECT rhythm.notified_user_ids())::uuid[])"

POLICIES = [
    # Recipients read and mark their own; workers make them and record the email.
    f"CREATE POLICY notifications_select ON notifications FOR SELECT TO rhythm_app USING ({OWN} OR {WORKER})",
    f"CREATE POLICY notifications_insert ON notifications FOR INSERT TO rhythm_app WITH CHECK {WORKER}",
    f"CREATE POLICY notifications_update ON notifications FOR UPDATE TO rhythm_app"
    f" USING ({OWN} OR {WORKER}) WITH CHECK ({OWN} OR {WORKER})",
    # A person reads and writes their own preferences; the workers of their companies read them.
    f"CREATE POLICY notification_preferences_select ON notification_preferences FOR SELECT TO rhythm_app"
    f" USING (user_id = {ME} OR user_id = ANY {NOTIFIED})",
    f"CREATE POLICY notification_preferences_insert ON notification_preferences FOR INSERT TO rhythm_app"
    f" WITH CHECK (user_id = {ME})",
    f"CREATE POLICY notification_preferences_update ON notification_preferences FOR UPDATE TO rhythm_app"
    f" USING (user_id = {ME}) WITH CHECK (user_id = {ME})",
    "CREATE POLICY notification_preferences_definer ON notification_preferences FOR SELECT TO rhythm_definer"
    " USING (true)",
    # The reminder scan reads tasks and the job ledger across companies, and writes neither.
    "CREATE POLICY tasks_definer_read ON tasks FOR SELECT TO rhythm_definer USING (true)",
    "CREATE POLICY job_runs_definer_read ON job_runs FOR SELECT TO rhythm_definer USING (true)",
]

ALL_TABLES = ["notifications", "notification_preferences"]


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
    _run("DROP POLICY job_runs_definer_read ON job_runs")
    _run("DROP POLICY tasks_definer_read ON tasks")
    _run("REVOKE SELECT ON tasks, job_runs FROM rhythm_definer")
    _run("DROP INDEX tasks_open_assigned_due_idx")
    # The tables first: their policies call the functions.
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
