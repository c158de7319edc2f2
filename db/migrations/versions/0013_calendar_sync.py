"""Calendar sync: a person's connections to Google Calendar and Microsoft Outlook, the account's calendars, one
sync cursor per calendar, the links between Rhythm's blocks and the events written for them, and push channels.

A connection belongs to one person in one company and is theirs alone: no colleague, admin, API key or company
worker reads it (its tokens are encrypted besides). The events of a synced calendar are mirrored into the
calendar model Rhythm already has: one `calendars` row (source `external`) per synced calendar and one
`calendar_events` row per provider event, series and overrides included, named by the provider's event id in
`external_uid`. So mirrored events follow the policies of every other event (0006: members of the company read,
the owner writes) and the planner sees them as busy time in every company of the person.

Revision ID: 0013_calendar_sync
Revises: 0011_self_leave_in_scope
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_calendar_sync"
down_revision: str | None = "0012_event_completion"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    # Tokens are Fernet tokens (bytea): the key lives in the settings, never in the database.
    """
    CREATE TABLE calendar_connections (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      provider text NOT NULL CHECK (provider IN ('google', 'microsoft')),
      account_email varchar(320) NOT NULL CHECK (length(btrim(account_email)) > 0),
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'needs_reauthorization', 'error')),
      state_reason varchar(500),
      access_token bytea NOT NULL,
      refresh_token bytea,
      token_expires_at timestamptz,
      scopes varchar(1000) NOT NULL DEFAULT '',
      last_synced_at timestamptz,
      next_sync_at timestamptz,
      failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- Leaving a company takes the person's connections in it away.
      CONSTRAINT calendar_connections_person_fkey FOREIGN KEY (company_id, user_id)
        REFERENCES memberships (company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT calendar_connections_account_key UNIQUE (company_id, user_id, provider, account_email),
      CONSTRAINT calendar_connections_id_company_id_user_id_key UNIQUE (id, company_id, user_id)
    )
    """,
    "CREATE INDEX calendar_connections_user_id_idx ON calendar_connections (user_id)",
    "CREATE INDEX calendar_connections_due_idx ON calendar_connections (next_sync_at)"
    " WHERE state <> 'needs_reauthorization'",
    # The calendars of the account; each synced one has a Rhythm calendar that mirrors it (whose
    # `affects_availability` is the person's busy-or-not choice). One of them may receive Rhythm's blocks.
    """
    CREATE TABLE external_calendars (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      connection_id uuid NOT NULL,
      calendar_id uuid NOT NULL,
      external_id varchar(1024) NOT NULL,
      name varchar(500) NOT NULL,
      is_primary boolean NOT NULL DEFAULT false,
      receives_blocks boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT external_calendars_connection_fkey FOREIGN KEY (connection_id, company_id, user_id)
        REFERENCES calendar_connections (id, company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT external_calendars_mirror_fkey FOREIGN KEY (company_id, calendar_id, user_id)
        REFERENCES calendars (company_id, id, owner_id) ON DELETE CASCADE,
      CONSTRAINT external_calendars_connection_id_external_id_key UNIQUE (connection_id, external_id),
      CONSTRAINT external_calendars_id_company_id_user_id_key UNIQUE (id, company_id, user_id)
    )
    """,
    "CREATE INDEX external_calendars_company_id_idx ON external_calendars (company_id)",
    "CREATE INDEX external_calendars_user_id_idx ON external_calendars (user_id)",
    "CREATE UNIQUE INDEX external_calendars_calendar_id_idx ON external_calendars (calendar_id)",
    "CREATE UNIQUE INDEX external_calendars_one_receiver_idx ON external_calendars (connection_id)"
    " WHERE receives_blocks",
    # Where the next incremental read of one calendar starts: Google's syncToken or Graph's deltaLink, verbatim.
    """
    CREATE TABLE calendar_sync_cursors (
      external_calendar_id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      cursor text NOT NULL CHECK (length(cursor) BETWEEN 1 AND 20000),
      -- Graph's delta covers a fixed window: a round whose window no longer reaches far enough starts afresh.
      window_start timestamptz,
      window_end timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calendar_sync_cursors_calendar_fkey FOREIGN KEY (external_calendar_id, company_id, user_id)
        REFERENCES external_calendars (id, company_id, user_id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX calendar_sync_cursors_company_id_idx ON calendar_sync_cursors (company_id)",
    "CREATE INDEX calendar_sync_cursors_user_id_idx ON calendar_sync_cursors (user_id)",
    # A block of the person's plan (in any of their companies) as written to the receiving calendar. No key to
    # time_blocks: the link outlives its block until the provider's copy is gone. The ETag (or change key) is the
    # last one written or read, so a change that comes back carrying it is Rhythm's own echo.
    """
    CREATE TABLE calendar_block_links (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      external_calendar_id uuid NOT NULL,
      time_block_id uuid NOT NULL,
      block_company_id uuid NOT NULL,
      -- What the block placed, so a block the plan dropped while the person moved it comes back pinned.
      task_id uuid,
      habit_id uuid,
      provider_event_id varchar(1024) NOT NULL,
      etag varchar(500),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calendar_block_links_calendar_fkey FOREIGN KEY (external_calendar_id, company_id, user_id)
        REFERENCES external_calendars (id, company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT calendar_block_links_block_key UNIQUE (external_calendar_id, time_block_id),
      CONSTRAINT calendar_block_links_event_key UNIQUE (external_calendar_id, provider_event_id),
      CONSTRAINT calendar_block_links_span CHECK (ends_at > starts_at)
    )
    """,
    "CREATE INDEX calendar_block_links_company_id_idx ON calendar_block_links (company_id)",
    "CREATE INDEX calendar_block_links_user_id_idx ON calendar_block_links (user_id)",
    "CREATE INDEX calendar_block_links_time_block_id_idx ON calendar_block_links (time_block_id)",
    # Google watch channels (one per calendar) and Graph subscriptions (one per mailbox). The token is what the
    # provider sends back with each notification (X-Goog-Channel-Token, clientState).
    """
    CREATE TABLE calendar_push_channels (
      id uuid PRIMARY KEY,
      company_id uuid NOT NULL,
      user_id uuid NOT NULL,
      connection_id uuid NOT NULL,
      external_calendar_id uuid,
      resource_id varchar(1024),
      token varchar(200) NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT calendar_push_channels_connection_fkey FOREIGN KEY (connection_id, company_id, user_id)
        REFERENCES calendar_connections (id, company_id, user_id) ON DELETE CASCADE,
      CONSTRAINT calendar_push_channels_calendar_fkey FOREIGN KEY (external_calendar_id, company_id, user_id)
        REFERENCES external_calendars (id, company_id, user_id) ON DELETE CASCADE
    )
    """,
    "CREATE INDEX calendar_push_channels_company_id_idx ON calendar_push_channels (company_id)",
    "CREATE INDEX calendar_push_channels_user_id_idx ON calendar_push_channels (user_id)",
    "CREATE INDEX calendar_push_channels_connection_id_idx ON calendar_push_channels (connection_id)",
    "CREATE INDEX calendar_push_channels_external_calendar_id_idx ON calendar_push_channels (external_calendar_id)",
    "CREATE INDEX calendar_push_channels_expires_idx ON calendar_push_channels (expires_at)",
    "CREATE INDEX calendar_push_channels_resource_id_idx ON calendar_push_channels (resource_id)",
    # Each provider event is mirrored once per Rhythm calendar.
    "ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_calendar_id_external_uid_key"
    " UNIQUE (calendar_id, external_uid)",
]

FUNCTIONS = [
    # A push notification arrives with no caller: the channel id and its token name the connection to sync,
    # and nothing else is revealed (a wrong token finds nothing).
    """
    CREATE FUNCTION rhythm.calendar_channel_target(p_channel_id uuid, p_token text)
    RETURNS TABLE (connection_id uuid, user_id uuid, company_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT c.connection_id, c.user_id, c.company_id FROM public.calendar_push_channels c
      WHERE c.id = p_channel_id AND c.token = p_token
    $$
    """,
    # Graph names its subscription (kept in resource_id) and echoes the clientState Rhythm gave it.
    """
    CREATE FUNCTION rhythm.calendar_subscription_target(p_subscription_id text, p_client_state text)
    RETURNS TABLE (connection_id uuid, user_id uuid, company_id uuid, channel_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT c.connection_id, c.user_id, c.company_id, c.id FROM public.calendar_push_channels c
      WHERE c.resource_id = p_subscription_id AND c.token = p_client_state
    $$
    """,
    # The periodic fallback: connections whose next sync is due, across all people and companies; those in error
    # too (the provider may have recovered), not those only the person can mend.
    """
    CREATE FUNCTION rhythm.due_calendar_connections(p_now timestamptz, p_limit integer)
    RETURNS TABLE (connection_id uuid, user_id uuid, company_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      SELECT c.id, c.user_id, c.company_id FROM public.calendar_connections c
      WHERE c.state <> 'needs_reauthorization' AND (c.next_sync_at IS NULL OR c.next_sync_at <= p_now)
      ORDER BY c.next_sync_at NULLS FIRST LIMIT p_limit
    $$
    """,
]

DEFINER_FUNCTIONS = [
    "rhythm.calendar_channel_target(uuid, text)",
    "rhythm.calendar_subscription_target(text, text)",
    "rhythm.due_calendar_connections(timestamptz, integer)",
]

ME = "(SELECT rhythm.current_user_id())"

ALL_TABLES = [
    "calendar_connections", "external_calendars", "calendar_sync_cursors", "calendar_block_links",
    "calendar_push_channels",
]  # fmt: skip


def _theirs_alone(table: str) -> list[str]:
    """The person's own rows in the companies they may read (or write) calendars in; nobody else's."""
    read = f"(user_id = {ME} AND company_id = ANY ((SELECT rhythm.company_ids('calendars', 'read'))::uuid[]))"
    write = f"(user_id = {ME} AND company_id = ANY ((SELECT rhythm.company_ids('calendars', 'write'))::uuid[]))"
    return [
        f"CREATE POLICY {table}_select ON {table} FOR SELECT TO rhythm_app USING {read}",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT TO rhythm_app WITH CHECK {write}",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE TO rhythm_app USING {write} WITH CHECK {write}",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE TO rhythm_app USING {write}",
    ]


POLICIES = [
    *(statement for table in ALL_TABLES for statement in _theirs_alone(table)),
    "CREATE POLICY calendar_connections_definer ON calendar_connections FOR SELECT TO rhythm_definer USING (true)",
    "CREATE POLICY calendar_push_channels_definer ON calendar_push_channels FOR SELECT TO rhythm_definer"
    " USING (true)",
]

GRANTS = [
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(ALL_TABLES)} TO rhythm_app",
    "GRANT SELECT ON calendar_connections, calendar_push_channels TO rhythm_definer",
]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read a colon inside a statement as a parameter.
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
    for signature in DEFINER_FUNCTIONS:
        _run(f"DROP FUNCTION {signature}")
    for table in reversed(ALL_TABLES):
        _run(f"DROP TABLE {table}")
    _run("ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_calendar_id_external_uid_key")
    # Mirrored calendars have nothing left to mirror.
    _run("DELETE FROM calendars WHERE source = 'external'")
