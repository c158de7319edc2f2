"""Habits and recurring tasks, blocks that place them, and work hours a person keeps for one company.

A habit belongs to one person in one company, like the blocks that place it: members of that company read it
(its blocks show on the person's week to them already, with the habit's title), and only the person writes it.
A private habit lives in the person's personal company, where nobody else is a member. Work hours for a company
follow the same rule: colleagues may read when the person works for them, only the person sets them.

Revision ID: 0009_habits
Revises: 0008_worker_only_tables
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_habits"
down_revision: str | None = "0008_worker_only_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # The RRULE (RFC 5545, starting on `starts_on` in `time_zone`) names the days a habit may happen; the plan
    # picks `times_per_period` of them per day or ISO week and places each inside the day's window, near the
    # ideal time. Times are wall-clock times in the habit's zone.
    """
    CREATE TABLE habits (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      title varchar(500) NOT NULL CHECK (length(btrim(title)) > 0),
      rrule varchar(1000) NOT NULL CHECK (length(btrim(rrule)) > 0),
      time_zone varchar(64) NOT NULL,
      starts_on date NOT NULL,
      window_start time NOT NULL,
      window_end time NOT NULL,
      ideal_time time,
      duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
      times_per_period smallint NOT NULL DEFAULT 1 CHECK (times_per_period BETWEEN 1 AND 31),
      period text NOT NULL DEFAULT 'week' CHECK (period IN ('day', 'week')),
      priority smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
      work_kind text NOT NULL DEFAULT 'shallow' CHECK (work_kind IN ('deep', 'shallow')),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- Leaving a company takes the habits held in it.
      CONSTRAINT habits_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT habits_company_id_id_key UNIQUE (company_id, id),
      CONSTRAINT habits_window CHECK (window_end > window_start),
      CONSTRAINT habits_fits_window CHECK (window_end - window_start >= make_interval(mins => duration_minutes)),
      CONSTRAINT habits_ideal_in_window CHECK (
        ideal_time IS NULL OR (ideal_time >= window_start AND ideal_time < window_end)
      )
    )
    """,
    "CREATE INDEX habits_user_id_idx ON habits (user_id)",
    # A block places a task or a habit's occurrence, never both.
    "ALTER TABLE time_blocks ALTER COLUMN task_id DROP NOT NULL",
    "ALTER TABLE time_blocks ADD COLUMN habit_id uuid",
    "ALTER TABLE time_blocks ADD CONSTRAINT time_blocks_habit_fkey FOREIGN KEY (company_id, habit_id)"
    " REFERENCES habits (company_id, id) ON DELETE CASCADE",
    "ALTER TABLE time_blocks ADD CONSTRAINT time_blocks_task_or_habit CHECK (num_nonnulls(task_id, habit_id) = 1)",
    "CREATE INDEX time_blocks_habit_id_idx ON time_blocks (habit_id)",
    # Hours a person works for one company, in place of the hours and zone on `users`.
    """
    CREATE TABLE membership_work_hours (
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      time_zone varchar(64) NOT NULL,
      work_day_start time NOT NULL,
      work_day_end time NOT NULL,
      work_days smallint[] NOT NULL CHECK (work_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (company_id, user_id),
      CONSTRAINT membership_work_hours_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT membership_work_hours_day CHECK (work_day_end > work_day_start)
    )
    """,
    "CREATE INDEX membership_work_hours_user_id_idx ON membership_work_hours (user_id)",
]

ME = "(SELECT rhythm.current_user_id())"
READ = "((SELECT rhythm.company_ids('schedules', 'read'))::uuid[])"
WRITE = "((SELECT rhythm.company_ids('schedules', 'write'))::uuid[])"


def _members_read_owner_writes(table: str) -> list[str]:
    """As for time blocks (0006): members of the company read the rows, only their person writes them."""
    own = f"(user_id = {ME} AND company_id = ANY {WRITE})"
    return [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING (company_id = ANY {READ})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK {own}",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app USING {own} WITH CHECK {own}",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING {own}",
    ]


NEW_TABLES = ["habits", "membership_work_hours"]

POLICIES = [policy for table in NEW_TABLES for policy in _members_read_owner_writes(table)]

GRANTS = ["GRANT SELECT, INSERT, UPDATE, DELETE ON habits, membership_work_hours TO rhythm_app"]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read ':read' inside a policy as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*TABLES, *GRANTS]:
        _run(statement)
    for table in NEW_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    _run("DELETE FROM time_blocks WHERE habit_id IS NOT NULL")
    _run("DROP INDEX time_blocks_habit_id_idx")
    _run("ALTER TABLE time_blocks DROP CONSTRAINT time_blocks_task_or_habit")
    _run("ALTER TABLE time_blocks DROP COLUMN habit_id")
    _run("ALTER TABLE time_blocks ALTER COLUMN task_id SET NOT NULL")
    for table in reversed(NEW_TABLES):
        _run(f"DROP TABLE {table}")
