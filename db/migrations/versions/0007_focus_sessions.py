"""Focus sessions: pomodoro, deep-work and custom sessions of one person, with their pauses and ratings.

Revision ID: 0007_focus_sessions
Revises: 0006_scheduling
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_focus_sessions"
down_revision: str | None = "0006_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # A session runs in one company (its task's, else the one named, else the person's personal company). The
    # paused time so far is `paused_seconds`, plus now - `paused_at` while paused. Completing one on a task
    # records a finished time entry of the focused time (`time_entry_id`).
    """
    CREATE TABLE focus_sessions (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      task_id uuid,
      kind text NOT NULL CHECK (kind IN ('pomodoro', 'deep_work', 'custom')),
      planned_minutes integer NOT NULL CHECK (planned_minutes BETWEEN 1 AND 480),
      state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'paused', 'completed', 'abandoned')),
      started_at timestamptz NOT NULL,
      paused_at timestamptz,
      paused_seconds integer NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0),
      ended_at timestamptz,
      focus_rating smallint CHECK (focus_rating BETWEEN 1 AND 5),
      productivity_rating smallint CHECK (productivity_rating BETWEEN 1 AND 5),
      note varchar(2000) NOT NULL DEFAULT '',
      time_entry_id uuid REFERENCES time_entries (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT focus_sessions_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE SET NULL (task_id),
      -- Leaving a company takes the sessions held in it.
      CONSTRAINT focus_sessions_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT focus_sessions_open CHECK ((state IN ('running', 'paused')) = (ended_at IS NULL)),
      CONSTRAINT focus_sessions_paused CHECK ((state = 'paused') = (paused_at IS NOT NULL)),
      CONSTRAINT focus_sessions_span CHECK (ended_at IS NULL OR ended_at >= started_at),
      CONSTRAINT focus_sessions_rated_when_completed CHECK (
        state = 'completed' OR (focus_rating IS NULL AND productivity_rating IS NULL)
      )
    )
    """,
    # One running or paused session per person, across all their companies.
    "CREATE UNIQUE INDEX focus_sessions_one_open_key ON focus_sessions (user_id) WHERE state IN ('running', 'paused')",
    "CREATE INDEX focus_sessions_company_id_idx ON focus_sessions (company_id)",
    "CREATE INDEX focus_sessions_user_id_started_idx ON focus_sessions (user_id, started_at)",
    "CREATE INDEX focus_sessions_task_id_idx ON focus_sessions (task_id)",
    "CREATE INDEX focus_sessions_time_entry_id_idx ON focus_sessions (time_entry_id)",
]

ME = "(SELECT rhythm.current_user_id())"


def _companies(access: str) -> str:
    return f"((SELECT rhythm.company_ids('focus', '{access}'))::uuid[])"


# Private to the person: ratings are self-assessments, not something colleagues or integrators read. The company
# sees the focused time through the time entry a completed session records. The company check keeps a session
# inside a company the person belongs to (and inside the one an `X-Company-Id` header names); API keys have no
# `focus` scope, so they see none.
OWN_READ = f"(user_id = {ME} AND company_id = ANY {_companies('read')})"
OWN_WRITE = f"(user_id = {ME} AND company_id = ANY {_companies('write')})"

POLICIES = [
    f"CREATE POLICY focus_sessions_select ON focus_sessions FOR SELECT TO rhythm_app USING {OWN_READ}",
    f"CREATE POLICY focus_sessions_insert ON focus_sessions FOR INSERT TO rhythm_app WITH CHECK {OWN_WRITE}",
    f"CREATE POLICY focus_sessions_update ON focus_sessions FOR UPDATE TO rhythm_app"
    f" USING {OWN_WRITE} WITH CHECK {OWN_WRITE}",
    f"CREATE POLICY focus_sessions_delete ON focus_sessions FOR DELETE TO rhythm_app USING {OWN_WRITE}",
]

GRANTS = ["GRANT SELECT, INSERT, UPDATE, DELETE ON focus_sessions TO rhythm_app"]

ALL_TABLES = ["focus_sessions"]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read ':read' inside a policy as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, *GRANTS]:
        _run(statement)
    for table in ALL_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
