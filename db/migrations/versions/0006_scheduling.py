"""Scheduling: calendars and their events, each person's scheduling profile, the scheduling fields and
dependencies of tasks, the time blocks a plan lays out, the latest plan's figures, and debounced replan requests.

Revision ID: 0006_scheduling
Revises: 0005_dead_letters
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_scheduling"
down_revision: str | None = "0005_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # How a person plans, beside the hours and zone on `users`: breaks and peak hours as wall-clock windows
    # ([["12:00", "13:00"]]) on working days, a buffer around meetings and blocks, how many days a plan covers.
    """
    CREATE TABLE scheduling_profiles (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      breaks jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(breaks) = 'array'),
      peak_hours jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(peak_hours) = 'array'),
      buffer_minutes smallint NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
      horizon_days smallint NOT NULL DEFAULT 14 CHECK (horizon_days BETWEEN 1 AND 60),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # What the planner needs of a task beyond its estimate, priority, effort, start and due time.
    """
    CREATE TABLE task_scheduling (
      task_id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      duration_minutes integer CHECK (duration_minutes BETWEEN 1 AND 100000),
      splittable boolean NOT NULL DEFAULT false,
      min_chunk_minutes integer NOT NULL DEFAULT 30 CHECK (min_chunk_minutes BETWEEN 5 AND 1440),
      max_chunk_minutes integer CHECK (max_chunk_minutes BETWEEN 5 AND 1440),
      deadline_kind text NOT NULL DEFAULT 'soft' CHECK (deadline_kind IN ('hard', 'soft')),
      work_kind text NOT NULL DEFAULT 'shallow' CHECK (work_kind IN ('deep', 'shallow')),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT task_scheduling_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE,
      CONSTRAINT task_scheduling_chunks CHECK (max_chunk_minutes IS NULL OR max_chunk_minutes >= min_chunk_minutes)
    )
    """,
    "CREATE INDEX task_scheduling_company_id_idx ON task_scheduling (company_id)",
    # Finish-to-start, inside one company (the keys include company_id).
    """
    CREATE TABLE task_dependencies (
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      task_id uuid NOT NULL,
      depends_on_id uuid NOT NULL,
      PRIMARY KEY (task_id, depends_on_id),
      CONSTRAINT task_dependencies_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE,
      CONSTRAINT task_dependencies_depends_on_fkey FOREIGN KEY (company_id, depends_on_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE,
      CONSTRAINT task_dependencies_not_itself CHECK (task_id <> depends_on_id)
    )
    """,
    "CREATE INDEX task_dependencies_company_id_idx ON task_dependencies (company_id)",
    "CREATE INDEX task_dependencies_depends_on_id_idx ON task_dependencies (depends_on_id)",
    # A calendar belongs to one member of one company; `external` ones mirror a synced calendar.
    """
    CREATE TABLE calendars (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      owner_id uuid NOT NULL,
      name varchar(200) NOT NULL CHECK (length(btrim(name)) > 0),
      source text NOT NULL DEFAULT 'internal' CHECK (source IN ('internal', 'external')),
      external_id varchar(500),
      affects_availability boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calendars_owner_fkey FOREIGN KEY (company_id, owner_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT calendars_company_id_id_owner_key UNIQUE (company_id, id, owner_id)
    )
    """,
    "CREATE INDEX calendars_owner_id_idx ON calendars (owner_id)",
    # Timed events have instants; all-day events have dates (the end exclusive), read in the person's zone.
    """
    CREATE TABLE calendar_events (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      calendar_id uuid NOT NULL,
      user_id uuid NOT NULL,
      title varchar(500) NOT NULL CHECK (length(btrim(title)) > 0),
      description varchar(10000) NOT NULL DEFAULT '',
      location varchar(500) NOT NULL DEFAULT '',
      all_day boolean NOT NULL DEFAULT false,
      starts_at timestamptz,
      ends_at timestamptz,
      start_date date,
      end_date date,
      transparency text NOT NULL DEFAULT 'busy' CHECK (transparency IN ('busy', 'free')),
      response text CHECK (response IN ('accepted', 'tentative', 'declined', 'needs_action')),
      cancelled boolean NOT NULL DEFAULT false,
      external_uid varchar(500),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calendar_events_calendar_fkey FOREIGN KEY (company_id, calendar_id, user_id)
        REFERENCES calendars (company_id, id, owner_id) ON DELETE CASCADE,
      CONSTRAINT calendar_events_span CHECK (
        (all_day AND start_date IS NOT NULL AND end_date > start_date AND starts_at IS NULL AND ends_at IS NULL)
        OR (NOT all_day AND starts_at IS NOT NULL AND ends_at > starts_at AND start_date IS NULL AND end_date IS NULL)
      )
    )
    """,
    "CREATE INDEX calendar_events_company_id_idx ON calendar_events (company_id)",
    "CREATE INDEX calendar_events_calendar_id_idx ON calendar_events (calendar_id)",
    "CREATE INDEX calendar_events_user_id_starts_idx ON calendar_events (user_id, starts_at)",
    "CREATE INDEX calendar_events_user_id_dates_idx ON calendar_events (user_id, start_date) WHERE all_day",
    # A chunk of a task laid out on one person's week; it carries its task's company.
    """
    CREATE TABLE time_blocks (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      task_id uuid NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      state text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'started', 'done', 'missed')),
      pinned boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT time_blocks_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE,
      -- Leaving a company takes its blocks off the person's week.
      CONSTRAINT time_blocks_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT time_blocks_span CHECK (ends_at > starts_at)
    )
    """,
    "CREATE INDEX time_blocks_company_id_idx ON time_blocks (company_id)",
    "CREATE INDEX time_blocks_user_id_starts_idx ON time_blocks (user_id, starts_at)",
    "CREATE INDEX time_blocks_task_id_idx ON time_blocks (task_id)",
    # The latest plan run of a person, across companies: its quality figures and what it could not place.
    """
    CREATE TABLE schedule_runs (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      ran_at timestamptz NOT NULL,
      horizon_start timestamptz NOT NULL,
      horizon_end timestamptz NOT NULL,
      objective bigint NOT NULL,
      lateness bigint NOT NULL,
      unplaced_cost bigint NOT NULL,
      offpeak bigint NOT NULL,
      fragmentation bigint NOT NULL,
      churn bigint NOT NULL,
      late_minutes integer NOT NULL,
      late_tasks integer NOT NULL,
      hard_violations integer NOT NULL,
      moved_blocks integer NOT NULL,
      strategy text NOT NULL,
      -- [{"task_id", "company_id", "reason", "detail"}]; read back through the tasks the reader may see.
      unplaced jsonb NOT NULL DEFAULT '[]'
    )
    """,
    # One pending replan per person: a burst of changes moves `due_at` on, and one job runs when it passes.
    """
    CREATE TABLE replan_requests (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      due_at timestamptz NOT NULL,
      requested_at timestamptz NOT NULL DEFAULT now()
    )
    """,
]

FUNCTIONS = [
    # A company's worker asks for a replan of one of the company's members; true when none was pending, so the
    # caller enqueues one job per burst. SECURITY DEFINER: the request belongs to the person, not the company.
    """
    CREATE FUNCTION rhythm.request_replan(p_user_id uuid, p_due_at timestamptz) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      inserted boolean;
    BEGIN
      IF NOT EXISTS (
        SELECT 1 FROM public.memberships m
        WHERE m.user_id = p_user_id AND m.company_id = ANY (rhythm.scoped_company_ids('schedules:write'))
      ) THEN
        RETURN false;
      END IF;
      INSERT INTO public.replan_requests AS r (user_id, due_at) VALUES (p_user_id, p_due_at)
      ON CONFLICT (user_id) DO UPDATE SET due_at = greatest(r.due_at, EXCLUDED.due_at)
      RETURNING (xmax = 0) INTO inserted;
      RETURN inserted;
    END $$
    """,
]

DEFINER_FUNCTIONS = ["rhythm.request_replan(uuid, timestamptz)"]

ME = "(SELECT rhythm.current_user_id())"


def _read(resource: str) -> str:
    return f"((SELECT rhythm.company_ids('{resource}', 'read'))::uuid[])"


def _write(resource: str) -> str:
    return f"((SELECT rhythm.company_ids('{resource}', 'write'))::uuid[])"


def _tenant_policies(table: str, resource: str) -> list[str]:
    read, write = _read(resource), _write(resource)
    return [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING (company_id = ANY {read})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK (company_id = ANY {write})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app"
        f" USING (company_id = ANY {write}) WITH CHECK (company_id = ANY {write})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING (company_id = ANY {write})",
    ]


def _members_read_owner_writes(table: str, owner_column: str, resource: str) -> list[str]:
    """Members of the company read the rows (like tasks); only the person they belong to writes them."""
    read = _read(resource)
    own = f"({owner_column} = {ME} AND company_id = ANY {_write(resource)})"
    return [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING (company_id = ANY {read})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK {own}",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app USING {own} WITH CHECK {own}",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING {own}",
    ]


def _own(table: str) -> str:
    return f"CREATE POLICY {table}_own ON {table} TO rhythm_app USING (user_id = {ME}) WITH CHECK (user_id = {ME})"


POLICIES = [
    _own("scheduling_profiles"),
    *_tenant_policies("task_scheduling", "tasks"),
    *_tenant_policies("task_dependencies", "tasks"),
    *_members_read_owner_writes("calendars", "owner_id", "calendars"),
    *_members_read_owner_writes("calendar_events", "user_id", "calendars"),
    *_members_read_owner_writes("time_blocks", "user_id", "schedules"),
    _own("schedule_runs"),
    f"CREATE POLICY replan_requests_select ON replan_requests FOR SELECT TO rhythm_app USING (user_id = {ME})",
    f"CREATE POLICY replan_requests_delete ON replan_requests FOR DELETE TO rhythm_app USING (user_id = {ME})",
    "CREATE POLICY replan_requests_definer ON replan_requests TO rhythm_definer USING (true) WITH CHECK (true)",
]

GRANTS = [
    "GRANT SELECT, INSERT, UPDATE, DELETE ON scheduling_profiles, task_scheduling, task_dependencies, calendars,"
    " calendar_events, time_blocks, schedule_runs TO rhythm_app",
    "GRANT SELECT, DELETE ON replan_requests TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE ON replan_requests TO rhythm_definer",
]

ALL_TABLES = [
    "scheduling_profiles", "task_scheduling", "task_dependencies", "calendars", "calendar_events", "time_blocks",
    "schedule_runs", "replan_requests",
]  # fmt: skip


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
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
