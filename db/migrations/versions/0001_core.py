"""Core: people, companies, memberships, projects, tasks, time, credentials; roles, RLS helpers and policies.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001_core"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = [
    # rhythm_app: what the API and workers switch to for every transaction. Owns nothing, bypasses nothing.
    # rhythm_definer: owns the SECURITY DEFINER helpers; a policy of its own lets them read memberships
    # without re-entering the membership policies (FORCE applies to a non-superuser table owner too).
    """
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rhythm_app') THEN
        CREATE ROLE rhythm_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rhythm_definer') THEN
        CREATE ROLE rhythm_definer NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      END IF;
      IF NOT pg_has_role(current_user, 'rhythm_app', 'MEMBER') THEN
        EXECUTE format('GRANT rhythm_app TO %I', current_user);
      END IF;
      IF NOT pg_has_role(current_user, 'rhythm_definer', 'MEMBER') THEN
        EXECUTE format('GRANT rhythm_definer TO %I', current_user);
      END IF;
    END $$
    """,
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE SCHEMA rhythm",
    "GRANT USAGE ON SCHEMA rhythm TO rhythm_app, rhythm_definer",
    "GRANT CREATE ON SCHEMA rhythm TO rhythm_definer",
]

TABLES = [
    """
    CREATE TABLE users (
      id uuid PRIMARY KEY,
      email varchar(320) NOT NULL CHECK (position('@' IN email) > 1),
      display_name varchar(120) NOT NULL CHECK (length(btrim(display_name)) > 0),
      time_zone varchar(64) NOT NULL DEFAULT 'UTC',
      work_day_start time NOT NULL DEFAULT '09:00',
      work_day_end time NOT NULL DEFAULT '17:00',
      work_days smallint[] NOT NULL DEFAULT '{1,2,3,4,5}' CHECK (work_days <@ '{1,2,3,4,5,6,7}'),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_work_hours CHECK (work_day_start < work_day_end)
    )
    """,
    "CREATE UNIQUE INDEX users_email_key ON users (lower(email))",
    """
    CREATE TABLE user_credentials (
      user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      password_hash text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE companies (
      id uuid PRIMARY KEY,
      name varchar(120) NOT NULL CHECK (length(btrim(name)) > 0),
      is_personal boolean NOT NULL DEFAULT false,
      created_by uuid NOT NULL REFERENCES users (id),
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX companies_created_by_idx ON companies (created_by)",
    "CREATE UNIQUE INDEX companies_one_personal_key ON companies (created_by) WHERE is_personal",
    """
    CREATE TABLE memberships (
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      role text NOT NULL DEFAULT 'member' CONSTRAINT memberships_role CHECK (role IN ('owner', 'admin', 'member')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (company_id, user_id)
    )
    """,
    "CREATE INDEX memberships_user_id_idx ON memberships (user_id)",
    """
    CREATE TABLE projects (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      name varchar(200) NOT NULL CHECK (length(btrim(name)) > 0),
      description varchar(10000) NOT NULL DEFAULT '',
      archived boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- Keys that include company_id: a reference can only point inside its own company.
      CONSTRAINT projects_company_id_id_key UNIQUE (company_id, id)
    )
    """,
    "CREATE INDEX projects_company_id_created_idx ON projects (company_id, created_at, id)",
    """
    CREATE TABLE tasks (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      project_id uuid,
      title varchar(500) NOT NULL CHECK (length(btrim(title)) > 0),
      description varchar(20000) NOT NULL DEFAULT '',
      status text NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done', 'cancelled')),
      priority smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
      effort smallint CHECK (effort BETWEEN 1 AND 5),
      estimated_minutes integer CHECK (estimated_minutes BETWEEN 1 AND 100000),
      due_at timestamptz,
      start_after timestamptz,
      assignee_id uuid,
      tags text[] NOT NULL DEFAULT '{}',
      completed_at timestamptz,
      created_by uuid REFERENCES users (id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tasks_company_id_id_key UNIQUE (company_id, id),
      CONSTRAINT tasks_project_fkey FOREIGN KEY (company_id, project_id)
        REFERENCES projects (company_id, id) ON DELETE SET NULL (project_id),
      -- An assignee is a member of the task's company; leaving the company unassigns.
      CONSTRAINT tasks_assignee_fkey FOREIGN KEY (company_id, assignee_id)
        REFERENCES memberships (company_id, user_id) ON DELETE SET NULL (assignee_id),
      CONSTRAINT tasks_completed_when_done CHECK ((status = 'done') = (completed_at IS NOT NULL))
    )
    """,
    "CREATE INDEX tasks_company_id_created_idx ON tasks (company_id, created_at, id)",
    "CREATE INDEX tasks_company_id_due_idx ON tasks (company_id, due_at)",
    "CREATE INDEX tasks_project_id_created_idx ON tasks (project_id, created_at, id)",
    "CREATE INDEX tasks_assignee_id_idx ON tasks (assignee_id)",
    "CREATE INDEX tasks_created_by_idx ON tasks (created_by)",
    "CREATE INDEX tasks_title_trgm_idx ON tasks USING gin (title gin_trgm_ops)",
    "CREATE INDEX tasks_tags_idx ON tasks USING gin (tags)",
    """
    CREATE TABLE subtasks (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      task_id uuid NOT NULL,
      title varchar(500) NOT NULL CHECK (length(btrim(title)) > 0),
      done boolean NOT NULL DEFAULT false,
      position integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT subtasks_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX subtasks_company_id_idx ON subtasks (company_id)",
    "CREATE INDEX subtasks_task_id_position_idx ON subtasks (task_id, position, id)",
    """
    CREATE TABLE time_entries (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      task_id uuid,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      note varchar(2000) NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT time_entries_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE SET NULL (task_id),
      CONSTRAINT time_entries_ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
    )
    """,
    # One running timer per person, across all their companies.
    "CREATE UNIQUE INDEX time_entries_one_running_key ON time_entries (user_id) WHERE ended_at IS NULL",
    "CREATE INDEX time_entries_company_id_started_idx ON time_entries (company_id, started_at)",
    "CREATE INDEX time_entries_user_id_started_idx ON time_entries (user_id, started_at)",
    "CREATE INDEX time_entries_task_id_idx ON time_entries (task_id)",
    """
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      name varchar(120) NOT NULL CHECK (length(btrim(name)) > 0),
      secret_hash text NOT NULL,
      scopes text[] NOT NULL CHECK (scopes <@ '{tasks:read,tasks:write,projects:read,projects:write,members:read,time:read,time:write}'),
      created_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    )
    """,
    "CREATE INDEX api_keys_company_id_idx ON api_keys (company_id)",
    "CREATE INDEX api_keys_created_by_idx ON api_keys (created_by)",
    """
    CREATE TABLE refresh_tokens (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      family_id uuid NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id)",
    "CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id)",
]

CALLER_FUNCTIONS = [
    # The caller, as set by db.tenant at the start of every transaction. Unset or empty means nobody.
    """
    CREATE FUNCTION rhythm.setting_uuid(name text) RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT nullif(current_setting(name, true), '')::uuid $$
    """,
    """
    CREATE FUNCTION rhythm.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT rhythm.setting_uuid('rhythm.user_id') $$
    """,
    """
    CREATE FUNCTION rhythm.api_company_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT rhythm.setting_uuid('rhythm.api_company_id') $$
    """,
    """
    CREATE FUNCTION rhythm.company_scope() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT rhythm.setting_uuid('rhythm.company_id') $$
    """,
    """
    CREATE FUNCTION rhythm.api_scopes() RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(string_to_array(nullif(current_setting('rhythm.api_scopes', true), ''), ' '), '{}') $$
    """,
    # The companies in which the caller may `access` ('read', 'write', 'admin', 'owner') a `resource`.
    # Policies call it in a scalar sub-select, so it runs once per statement, not once per row.
    """
    CREATE FUNCTION rhythm.company_ids(resource text, access text) RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    DECLARE
      api_company uuid := rhythm.api_company_id();
      caller uuid := rhythm.current_user_id();
      only_company uuid := rhythm.company_scope();
      scopes text[] := rhythm.api_scopes();
    BEGIN
      IF api_company IS NOT NULL THEN
        IF (access = 'read' AND (resource = 'company' OR resource || ':read' = ANY (scopes)
                                 OR resource || ':write' = ANY (scopes)))
           OR (access = 'write' AND resource || ':write' = ANY (scopes)) THEN
          RETURN ARRAY[api_company];
        END IF;
        RETURN '{}';
      END IF;
      IF caller IS NULL THEN
        RETURN '{}';
      END IF;
      RETURN coalesce((
        SELECT array_agg(m.company_id)
        FROM public.memberships m
        WHERE m.user_id = caller
          AND (only_company IS NULL OR m.company_id = only_company)
          AND CASE access
                WHEN 'admin' THEN m.role IN ('owner', 'admin')
                WHEN 'owner' THEN m.role = 'owner'
                ELSE true
              END
      ), '{}');
    END $$
    """,
    # People the caller may see: members of the companies whose members the caller may read.
    """
    CREATE FUNCTION rhythm.visible_user_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT coalesce(array_agg(DISTINCT m.user_id), '{}')
      FROM public.memberships m
      WHERE m.company_id = ANY (rhythm.company_ids('members', 'read'))
    $$
    """,
]

PUBLIC_OPERATIONS = [
    # Signup runs before there is a caller: one function makes the person, their personal company and
    # the owner membership together.
    """
    CREATE FUNCTION rhythm.sign_up(
      p_user_id uuid, p_company_id uuid, p_email text, p_password_hash text,
      p_display_name text, p_time_zone text, p_company_name text
    ) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      INSERT INTO public.users (id, email, display_name, time_zone)
        VALUES (p_user_id, p_email, p_display_name, p_time_zone);
      INSERT INTO public.user_credentials (user_id, password_hash) VALUES (p_user_id, p_password_hash);
      INSERT INTO public.companies (id, name, is_personal, created_by)
        VALUES (p_company_id, p_company_name, true, p_user_id);
      INSERT INTO public.memberships (company_id, user_id, role) VALUES (p_company_id, p_user_id, 'owner');
    END $$
    """,
    """
    CREATE FUNCTION rhythm.credentials_for_email(p_email text)
    RETURNS TABLE (user_id uuid, password_hash text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT u.id, c.password_hash
      FROM public.users u JOIN public.user_credentials c ON c.user_id = u.id
      WHERE lower(u.email) = lower(p_email)
    $$
    """,
    # A caller changes only their own password; the old one was checked by the app.
    """
    CREATE FUNCTION rhythm.password_hash_of_caller() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT c.password_hash FROM public.user_credentials c WHERE c.user_id = rhythm.current_user_id()
    $$
    """,
    """
    CREATE FUNCTION rhythm.set_caller_password_hash(p_password_hash text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      UPDATE public.user_credentials SET password_hash = p_password_hash, updated_at = now()
      WHERE user_id = rhythm.current_user_id()
    $$
    """,
    # An API key is looked up by its id before the caller is known; the app compares the secret's hash.
    """
    CREATE FUNCTION rhythm.api_key_for_id(p_key_id uuid)
    RETURNS TABLE (company_id uuid, secret_hash text, scopes text[], expires_at timestamptz,
                   revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT k.company_id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at
      FROM public.api_keys k WHERE k.id = p_key_id
    $$
    """,
    # Inviting names a person by email; only admins of some company may resolve an email to a person.
    """
    CREATE FUNCTION rhythm.user_id_for_invite(p_company_id uuid, p_email text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT u.id FROM public.users u
      WHERE lower(u.email) = lower(p_email)
        AND p_company_id = ANY (rhythm.company_ids('company', 'admin'))
    $$
    """,
]

TRIGGERS = [
    # A new shared company starts with its creator as owner.
    """
    CREATE FUNCTION rhythm.add_company_owner() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF NOT NEW.is_personal THEN
        INSERT INTO public.memberships (company_id, user_id, role) VALUES (NEW.id, NEW.created_by, 'owner');
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER companies_add_owner AFTER INSERT ON companies"
    " FOR EACH ROW EXECUTE FUNCTION rhythm.add_company_owner()",
    # Rules no policy can state: a personal company has one member, and every company keeps an owner.
    """
    CREATE FUNCTION rhythm.guard_membership() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM public.companies c WHERE c.id = NEW.company_id AND c.is_personal)
           AND EXISTS (SELECT 1 FROM public.memberships m WHERE m.company_id = NEW.company_id) THEN
          RAISE EXCEPTION 'A personal company has a single member.' USING ERRCODE = 'RH409';
        END IF;
        RETURN NEW;
      END IF;
      IF OLD.role = 'owner'
         AND EXISTS (SELECT 1 FROM public.companies c WHERE c.id = OLD.company_id)
         AND NOT EXISTS (SELECT 1 FROM public.memberships m WHERE m.company_id = OLD.company_id AND m.role = 'owner')
      THEN
        RAISE EXCEPTION 'A company keeps at least one owner.' USING ERRCODE = 'RH409';
      END IF;
      RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER memberships_guard_insert BEFORE INSERT ON memberships"
    " FOR EACH ROW EXECUTE FUNCTION rhythm.guard_membership()",
    "CREATE TRIGGER memberships_keep_owner AFTER UPDATE OR DELETE ON memberships"
    " FOR EACH ROW EXECUTE FUNCTION rhythm.guard_membership()",
]

DEFINER_FUNCTIONS = [
    "rhythm.company_ids(text, text)",
    "rhythm.visible_user_ids()",
    "rhythm.sign_up(uuid, uuid, text, text, text, text, text)",
    "rhythm.credentials_for_email(text)",
    "rhythm.password_hash_of_caller()",
    "rhythm.set_caller_password_hash(text)",
    "rhythm.api_key_for_id(uuid)",
    "rhythm.user_id_for_invite(uuid, text)",
    "rhythm.add_company_owner()",
    "rhythm.guard_membership()",
]

GRANTS = [
    "GRANT SELECT, UPDATE (display_name, time_zone, work_day_start, work_day_end, work_days, updated_at)"
    " ON users TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON companies, memberships, projects, tasks, subtasks, time_entries,"
    " api_keys, refresh_tokens TO rhythm_app",
    # What the definer helpers read and write; nothing else.
    "GRANT SELECT, INSERT ON users TO rhythm_definer",
    "GRANT SELECT, INSERT, UPDATE ON user_credentials TO rhythm_definer",
    "GRANT SELECT, INSERT ON companies TO rhythm_definer",
    "GRANT SELECT, INSERT ON memberships TO rhythm_definer",
    "GRANT SELECT ON api_keys TO rhythm_definer",
]


def _read(resource: str) -> str:
    return f"((SELECT rhythm.company_ids('{resource}', 'read'))::uuid[])"


def _write(resource: str) -> str:
    return f"((SELECT rhythm.company_ids('{resource}', 'write'))::uuid[])"


ME = "(SELECT rhythm.current_user_id())"
# A scalar sub-select is an init plan: evaluated once per statement. The cast keeps `= ANY (...)` from
# reading it as a row-returning subquery.
ADMIN = "((SELECT rhythm.company_ids('company', 'admin'))::uuid[])"
OWNER = "((SELECT rhythm.company_ids('company', 'owner'))::uuid[])"
# Admins manage members and admins; only owners touch owners.
MANAGES_MEMBERSHIP = f"(company_id = ANY {OWNER} OR (company_id = ANY {ADMIN} AND role <> 'owner'))"


def _tenant_policies(table: str, resource: str) -> list[str]:
    read, write = _read(resource), _write(resource)
    return [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING (company_id = ANY {read})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK (company_id = ANY {write})",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app"
        f" USING (company_id = ANY {write}) WITH CHECK (company_id = ANY {write})",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING (company_id = ANY {write})",
    ]


def _definer_policy(table: str) -> str:
    return f"CREATE POLICY {table}_definer ON {table} TO rhythm_definer USING (true) WITH CHECK (true)"


OWN_TIME = f"user_id = {ME} AND company_id = ANY {_write('time')}"

POLICIES = [
    f"CREATE POLICY users_select ON users FOR SELECT TO rhythm_app"
    f" USING (id = {ME} OR id = ANY ((SELECT rhythm.visible_user_ids())::uuid[]))",
    f"CREATE POLICY users_update ON users FOR UPDATE TO rhythm_app USING (id = {ME}) WITH CHECK (id = {ME})",
    _definer_policy("users"),
    _definer_policy("user_credentials"),
    f"CREATE POLICY companies_select ON companies FOR SELECT TO rhythm_app USING (id = ANY {_read('company')})",
    f"CREATE POLICY companies_insert ON companies FOR INSERT TO rhythm_app"
    f" WITH CHECK (created_by = {ME} AND NOT is_personal)",
    f"CREATE POLICY companies_update ON companies FOR UPDATE TO rhythm_app"
    f" USING (id = ANY {ADMIN}) WITH CHECK (id = ANY {ADMIN})",
    f"CREATE POLICY companies_delete ON companies FOR DELETE TO rhythm_app"
    f" USING (id = ANY {OWNER} AND NOT is_personal)",
    _definer_policy("companies"),
    f"CREATE POLICY memberships_select ON memberships FOR SELECT TO rhythm_app"
    f" USING (user_id = {ME} OR company_id = ANY {_read('members')})",
    f"CREATE POLICY memberships_insert ON memberships FOR INSERT TO rhythm_app WITH CHECK {MANAGES_MEMBERSHIP}",
    f"CREATE POLICY memberships_update ON memberships FOR UPDATE TO rhythm_app"
    f" USING {MANAGES_MEMBERSHIP} WITH CHECK {MANAGES_MEMBERSHIP}",
    f"CREATE POLICY memberships_delete ON memberships FOR DELETE TO rhythm_app"
    f" USING (user_id = {ME} OR {MANAGES_MEMBERSHIP})",
    _definer_policy("memberships"),
    *_tenant_policies("projects", "projects"),
    *_tenant_policies("tasks", "tasks"),
    *_tenant_policies("subtasks", "tasks"),
    f"CREATE POLICY time_entries_select ON time_entries FOR SELECT TO rhythm_app"
    f" USING (company_id = ANY {_read('time')})",
    f"CREATE POLICY time_entries_insert ON time_entries FOR INSERT TO rhythm_app WITH CHECK ({OWN_TIME})",
    f"CREATE POLICY time_entries_update ON time_entries FOR UPDATE TO rhythm_app"
    f" USING ({OWN_TIME}) WITH CHECK ({OWN_TIME})",
    f"CREATE POLICY time_entries_delete ON time_entries FOR DELETE TO rhythm_app USING ({OWN_TIME})",
    f"CREATE POLICY api_keys_select ON api_keys FOR SELECT TO rhythm_app USING (company_id = ANY {ADMIN})",
    f"CREATE POLICY api_keys_insert ON api_keys FOR INSERT TO rhythm_app"
    f" WITH CHECK (company_id = ANY {ADMIN} AND created_by = {ME})",
    f"CREATE POLICY api_keys_update ON api_keys FOR UPDATE TO rhythm_app"
    f" USING (company_id = ANY {ADMIN}) WITH CHECK (company_id = ANY {ADMIN})",
    f"CREATE POLICY api_keys_delete ON api_keys FOR DELETE TO rhythm_app USING (company_id = ANY {ADMIN})",
    _definer_policy("api_keys"),
    f"CREATE POLICY refresh_tokens_own ON refresh_tokens TO rhythm_app"
    f" USING (user_id = {ME}) WITH CHECK (user_id = {ME})",
]

ALL_TABLES = [
    "users", "user_credentials", "companies", "memberships", "projects", "tasks", "subtasks",
    "time_entries", "api_keys", "refresh_tokens",
]


def _run(statement: str) -> None:
    # Straight to the driver: SQLAlchemy's text() would read ':read' inside a function body as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in [*ROLES, *TABLES, *CALLER_FUNCTIONS, *PUBLIC_OPERATIONS, *TRIGGERS]:
        _run(statement)
    for signature in DEFINER_FUNCTIONS:
        _run(f"ALTER FUNCTION {signature} OWNER TO rhythm_definer")
        _run(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    _run(
        "GRANT EXECUTE ON FUNCTION rhythm.company_ids(text, text), rhythm.visible_user_ids(),"
        " rhythm.sign_up(uuid, uuid, text, text, text, text, text), rhythm.credentials_for_email(text),"
        " rhythm.password_hash_of_caller(), rhythm.set_caller_password_hash(text),"
        " rhythm.api_key_for_id(uuid), rhythm.user_id_for_invite(uuid, text) TO rhythm_app"
    )
    _run("GRANT EXECUTE ON FUNCTION rhythm.company_ids(text, text) TO rhythm_definer")
    for statement in GRANTS:
        _run(statement)
    for table in ALL_TABLES:
        _run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        _run(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in POLICIES:
        _run(statement)


def downgrade() -> None:
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table} CASCADE")
    _run("DROP SCHEMA rhythm CASCADE")
    # The roles are cluster-wide and may serve other databases, so they stay.
