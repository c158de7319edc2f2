"""Recurring calendar events: an RFC 5545 rule on the series row, its exceptions, and overrides.

A series is one `calendar_events` row with an `rrule`: its own span is the first occurrence (DTSTART), and the
rule repeats it on the wall clock of `time_zone` (all-day series repeat their dates). `exception_starts` (timed)
or `exception_dates` (all-day) skip occurrences, matched by their original start. An occurrence that was changed
or cancelled is a row of its own that names its series and the original start it replaces (`recurring_event_id`
with `original_start` or `original_date`), in the same company and calendar as the series, so it follows the
same policies (0006: members read, the owner writes) and goes when the series goes.

Revision ID: 0010_recurring_events
Revises: 0009_habits
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_recurring_events"
down_revision: str | None = "0009_habits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The frequencies a series may use: anything finer than hourly would expand without bound inside one day.
FREQUENCIES = "HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY"

UPGRADE = [
    "ALTER TABLE calendar_events ADD COLUMN rrule varchar(1000)",
    "ALTER TABLE calendar_events ADD COLUMN time_zone varchar(64)",
    "ALTER TABLE calendar_events ADD COLUMN exception_starts timestamptz[] NOT NULL DEFAULT '{}'",
    "ALTER TABLE calendar_events ADD COLUMN exception_dates date[] NOT NULL DEFAULT '{}'",
    "ALTER TABLE calendar_events ADD COLUMN recurring_event_id uuid",
    "ALTER TABLE calendar_events ADD COLUMN original_start timestamptz",
    "ALTER TABLE calendar_events ADD COLUMN original_date date",
    # The backstop of the checks in domain/calendars/recurrence.py: one known FREQ, never COUNT with UNTIL.
    f"""
    ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_rrule CHECK (
      rrule IS NULL OR (
        rrule ~* '(^|;)FREQ=({FREQUENCIES})(;|$)'
        AND NOT (rrule ~* '(^|;)COUNT=' AND rrule ~* '(^|;)UNTIL=')
        AND rrule !~ '[\\r\\n]'
      )
    )
    """,
    # A timed series repeats on the wall clock of a zone; an all-day one needs none.
    """
    ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_series_zone CHECK (
      rrule IS NULL OR all_day OR time_zone IS NOT NULL
    )
    """,
    # Exceptions belong to a series, of the series' kind.
    """
    ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_exceptions CHECK (
      (cardinality(exception_starts) = 0 OR (rrule IS NOT NULL AND NOT all_day))
      AND (cardinality(exception_dates) = 0 OR (rrule IS NOT NULL AND all_day))
    )
    """,
    # An override is no series itself, and names the one occurrence it replaces by its original start.
    """
    ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_override CHECK (
      (recurring_event_id IS NULL AND original_start IS NULL AND original_date IS NULL)
      OR (recurring_event_id IS NOT NULL AND rrule IS NULL AND num_nonnulls(original_start, original_date) = 1)
    )
    """,
    "ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_company_id_calendar_id_id_key"
    " UNIQUE (company_id, calendar_id, id)",
    # Same company and calendar (so the same owner) as its series; it goes with the series.
    "ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_series_fkey"
    " FOREIGN KEY (company_id, calendar_id, recurring_event_id)"
    " REFERENCES calendar_events (company_id, calendar_id, id) ON DELETE CASCADE",
    "ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_override_start_key"
    " UNIQUE (recurring_event_id, original_start)",
    "ALTER TABLE calendar_events ADD CONSTRAINT calendar_events_override_date_key"
    " UNIQUE (recurring_event_id, original_date)",
    # The loaders read a person's series whatever their first date, beside the events of a window.
    "CREATE INDEX calendar_events_user_id_series_idx ON calendar_events (user_id) WHERE rrule IS NOT NULL",
]

NEW_COLUMNS = [
    "original_date", "original_start", "recurring_event_id", "exception_dates", "exception_starts", "time_zone",
    "rrule",
]  # fmt: skip

DOWNGRADE = [
    "DELETE FROM calendar_events WHERE recurring_event_id IS NOT NULL",
    "DROP INDEX calendar_events_user_id_series_idx",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_override_date_key",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_override_start_key",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_series_fkey",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_company_id_calendar_id_id_key",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_override",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_exceptions",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_series_zone",
    "ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_rrule",
    *(f"ALTER TABLE calendar_events DROP COLUMN {column}" for column in NEW_COLUMNS),
]


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read a colon inside a statement as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    for statement in UPGRADE:
        _run(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        _run(statement)
