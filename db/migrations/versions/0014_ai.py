"""AI: metered usage, monthly budgets with reservations, task classifications and a private coach.

Revision ID: 0014_ai
Revises: 0011_self_leave_in_scope
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_ai"
down_revision: str | None = "0013_calendar_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # One row per AI answer, from the model or from the heuristic, in the transaction of the answer's result.
    """
    CREATE TABLE ai_usage (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid,
      feature text NOT NULL CHECK (feature IN ('parse_tasks', 'plan', 'classify', 'coach', 'weekly_summary')),
      model text NOT NULL DEFAULT '',
      tokens_in integer NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
      tokens_out integer NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
      cost_usd numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
      latency_ms integer NOT NULL DEFAULT 0 CHECK (latency_ms >= 0),
      source text NOT NULL CHECK (source IN ('MODEL', 'HEURISTIC')),
      reason text CHECK (reason IN ('NO_MODEL', 'BUDGET_REACHED', 'MODEL_ERROR', 'TIMEOUT', 'INVALID_OUTPUT',
                                    'RATE_LIMITED')),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ai_usage_reason_for_heuristic CHECK ((source = 'HEURISTIC') = (reason IS NOT NULL))
    )
    """,
    "CREATE INDEX ai_usage_company_id_created_idx ON ai_usage (company_id, created_at)",
    "CREATE INDEX ai_usage_user_id_created_idx ON ai_usage (user_id, created_at)",
    # A company's AI settings, set by its owners: monthly limits (none: no limit) and classification on or off.
    """
    CREATE TABLE ai_company_settings (
      company_id uuid PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
      monthly_token_limit bigint CHECK (monthly_token_limit >= 0),
      monthly_cost_limit_usd numeric(14, 6) CHECK (monthly_cost_limit_usd >= 0),
      classify_tasks boolean NOT NULL DEFAULT false,
      -- When classification was last turned on: tasks created before it are left alone.
      classify_tasks_since timestamptz,
      updated_by uuid,
      updated_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    # What a company spent in a month (UTC) and what calls under way have reserved. A call reserves its maximum
    # with one conditional UPDATE of this row (the row lock orders concurrent calls, and each re-reads the totals
    # after the lock) and settles to what it really used.
    """
    CREATE TABLE ai_budget_months (
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      month date NOT NULL CHECK (extract(day FROM month) = 1),
      spent_tokens bigint NOT NULL DEFAULT 0 CHECK (spent_tokens >= 0),
      spent_cost_usd numeric(14, 6) NOT NULL DEFAULT 0 CHECK (spent_cost_usd >= 0),
      reserved_tokens bigint NOT NULL DEFAULT 0 CHECK (reserved_tokens >= 0),
      reserved_cost_usd numeric(14, 6) NOT NULL DEFAULT 0 CHECK (reserved_cost_usd >= 0),
      PRIMARY KEY (company_id, month)
    )
    """,
    # Open reservations, so that one whose call died is released (by the next reservation, once stale).
    """
    CREATE TABLE ai_budget_reservations (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      month date NOT NULL,
      tokens bigint NOT NULL CHECK (tokens >= 0),
      cost_usd numeric(14, 6) NOT NULL CHECK (cost_usd >= 0),
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    "CREATE INDEX ai_budget_reservations_company_id_month_idx ON ai_budget_reservations (company_id, month)",
    # What classification proposed for a task; the task's own fields stay the person's.
    """
    CREATE TABLE ai_task_classifications (
      company_id uuid NOT NULL,
      task_id uuid NOT NULL,
      category text NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
      depth text NOT NULL CHECK (depth IN ('deep', 'shallow')),
      effort smallint NOT NULL CHECK (effort BETWEEN 1 AND 5),
      estimated_minutes integer NOT NULL CHECK (estimated_minutes BETWEEN 1 AND 100000),
      source text NOT NULL CHECK (source IN ('MODEL', 'HEURISTIC')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (company_id, task_id),
      CONSTRAINT ai_task_classifications_task_fkey FOREIGN KEY (company_id, task_id)
        REFERENCES tasks (company_id, id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX ai_task_classifications_task_id_idx ON ai_task_classifications (task_id)",
    # A person's coach conversation within one company: theirs alone (owners of the company do not read it).
    """
    CREATE TABLE ai_coach_messages (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      role text NOT NULL CHECK (role IN ('user', 'assistant')),
      content varchar(20000) NOT NULL,
      source text CHECK (source IN ('MODEL', 'HEURISTIC')),
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ai_coach_messages_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX ai_coach_messages_company_id_user_id_idx ON ai_coach_messages (company_id, user_id, created_at)",
    "CREATE INDEX ai_coach_messages_user_id_idx ON ai_coach_messages (user_id)",
]

ME = "(SELECT rhythm.current_user_id())"
ADMIN = "((SELECT rhythm.company_ids('company', 'admin'))::uuid[])"
OWNER = "((SELECT rhythm.company_ids('company', 'owner'))::uuid[])"


def _companies(access: str) -> str:
    # People: every company they belong to (narrowed by X-Company-Id). API keys hold no `ai` scope: none.
    return f"((SELECT rhythm.company_ids('ai', '{access}'))::uuid[])"


def _worker(scope: str) -> str:
    return f"((SELECT rhythm.scoped_company_ids('{scope}'))::uuid[])"


TASKS_READ = "((SELECT rhythm.company_ids('tasks', 'read'))::uuid[])"
OWN_READ = f"(user_id = {ME} AND company_id = ANY {_companies('read')})"
OWN_WRITE = f"(user_id = {ME} AND company_id = ANY {_companies('write')})"
MEMBER_WRITE = f"(company_id = ANY {_companies('write')} OR company_id = ANY {_worker('ai:write')})"


def _policies(table: str, *, select: str, insert: str, update: str | None = None, delete: str | None = None) -> list[str]:
    policies = [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING ({select})",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK ({insert})",
    ]
    if update is not None:
        policies.append(f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app USING ({update})"
                        f" WITH CHECK ({update})")
    if delete is not None:
        policies.append(f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING ({delete})")
    return policies


POLICIES = [
    # Everyone their own usage; owners and admins the company's. Workers record usage for the company they act for.
    *_policies(
        "ai_usage",
        select=f"{OWN_READ} OR company_id = ANY {ADMIN} OR company_id = ANY {_worker('ai:read')}",
        insert=f"{OWN_WRITE} OR company_id = ANY {_worker('ai:write')}",
    ),
    *_policies(
        "ai_company_settings",
        select=f"company_id = ANY {_companies('read')} OR company_id = ANY {_worker('ai:read')}",
        insert=f"company_id = ANY {OWNER}",
        update=f"company_id = ANY {OWNER}",
    ),
    # Any member's AI call reserves and settles; reading tells the company how much of its budget is used.
    *_policies(
        "ai_budget_months",
        select=f"company_id = ANY {_companies('read')} OR company_id = ANY {_worker('ai:read')}",
        insert=MEMBER_WRITE,
        update=MEMBER_WRITE,
    ),
    *_policies(
        "ai_budget_reservations",
        select=f"company_id = ANY {_companies('read')} OR company_id = ANY {_worker('ai:read')}",
        insert=MEMBER_WRITE,
        delete=MEMBER_WRITE,
    ),
    *_policies(
        "ai_task_classifications",
        select=f"company_id = ANY {TASKS_READ}",
        insert=f"company_id = ANY {_worker('ai:write')}",
        update=f"company_id = ANY {_worker('ai:write')}",
    ),
    *_policies("ai_coach_messages", select=OWN_READ, insert=OWN_WRITE, delete=OWN_WRITE),
]

GRANTS = [
    "GRANT SELECT, INSERT ON ai_usage TO rhythm_app",
    "GRANT SELECT, INSERT, UPDATE ON ai_company_settings, ai_budget_months, ai_task_classifications TO rhythm_app",
    "GRANT SELECT, INSERT, DELETE ON ai_budget_reservations, ai_coach_messages TO rhythm_app",
]

ALL_TABLES = [
    "ai_usage", "ai_company_settings", "ai_budget_months", "ai_budget_reservations", "ai_task_classifications",
    "ai_coach_messages",
]  # fmt: skip


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
