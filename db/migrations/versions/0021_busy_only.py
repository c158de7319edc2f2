"""Busy time across companies: a colleague who shares a company with a person, but not the company a calendar
was connected in, sees only when that person is busy from the events mirrored from their connected calendars; no
title, description, location, or any id they could follow.

`rhythm.busy_events_of(person, from, to)` returns the time columns of the mirrored events that count as busy
(in a calendar of source external that affects availability) around the window: single events touching it,
series starting before its end and their overrides, so the caller expands recurrences exactly as the planner
does. It answers only when the caller shares a company with the person (`rhythm.visible_user_ids()`), and reads
as `rhythm_definer`, which may select only those columns (column grants) through a read-only policy, so not even a
change to the function could return a title.

Revision ID: 0021_busy_only
Revises: 0020_export_erasure
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_busy_only"
down_revision: str | None = "0020_export_erasure"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SIGNATURE = "rhythm.busy_events_of(uuid, timestamptz, timestamptz)"

EVENT_COLUMNS = (
    "id, company_id, calendar_id, user_id, all_day, starts_at, ends_at, start_date, end_date, transparency,"
    " response, cancelled, rrule, time_zone, exception_starts, exception_dates, recurring_event_id, original_start,"
    " original_date"
)

FUNCTION = """
CREATE FUNCTION rhythm.busy_events_of(
  p_user_id uuid, p_from timestamptz, p_to timestamptz
)
RETURNS TABLE (
  event_key uuid, series_key uuid, all_day boolean, starts_at timestamptz, ends_at timestamptz,
  start_date date, end_date date, transparency text, response text, cancelled boolean, rrule text,
  time_zone text, exception_starts timestamptz[], exception_dates date[], original_start timestamptz,
  original_date date
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC' AS $$
  WITH mirrored AS (
    SELECT e.id, e.recurring_event_id, e.all_day, e.starts_at, e.ends_at, e.start_date, e.end_date,
           e.transparency, e.response, e.cancelled, e.rrule, e.time_zone, e.exception_starts, e.exception_dates,
           e.original_start, e.original_date
    FROM public.calendar_events e
    JOIN public.calendars c ON c.company_id = e.company_id AND c.id = e.calendar_id
    WHERE e.user_id = p_user_id AND c.owner_id = p_user_id AND c.source = 'external' AND c.affects_availability
      AND p_user_id = ANY ((SELECT rhythm.visible_user_ids())::uuid[])
  ),
  series AS (
    SELECT * FROM mirrored m
    WHERE m.rrule IS NOT NULL AND (m.starts_at < p_to OR m.start_date <= (p_to + interval '2 days')::date)
  )
  SELECT m.id, NULL::uuid, m.all_day, m.starts_at, m.ends_at, m.start_date, m.end_date, m.transparency::text,
         m.response::text, m.cancelled, NULL::text, NULL::text, '{}'::timestamptz[], '{}'::date[], NULL::timestamptz,
         NULL::date
  FROM mirrored m
  WHERE m.rrule IS NULL AND m.recurring_event_id IS NULL
    AND ((m.starts_at < p_to AND m.ends_at > p_from)
         OR (m.start_date <= (p_to + interval '2 days')::date AND m.end_date >= (p_from - interval '2 days')::date))
  UNION ALL
  SELECT s.id, NULL::uuid, s.all_day, s.starts_at, s.ends_at, s.start_date, s.end_date, s.transparency::text,
         s.response::text, s.cancelled, s.rrule::text, s.time_zone::text, s.exception_starts, s.exception_dates,
         NULL::timestamptz, NULL::date
  FROM series s
  UNION ALL
  -- Overrides in the window, and those replacing an occurrence that would be in it (series events run for at
  -- most a few weeks; 35 days of margin before the window covers them).
  SELECT o.id, o.recurring_event_id, o.all_day, o.starts_at, o.ends_at, o.start_date, o.end_date,
         o.transparency::text, o.response::text, o.cancelled, NULL::text, NULL::text, '{}'::timestamptz[],
         '{}'::date[],
         o.original_start, o.original_date
  FROM mirrored o JOIN series s ON s.id = o.recurring_event_id
  WHERE (o.starts_at < p_to AND o.ends_at > p_from)
     OR (o.start_date <= (p_to + interval '2 days')::date AND o.end_date >= (p_from - interval '2 days')::date)
     OR (o.original_start > p_from - interval '35 days' AND o.original_start < p_to)
     OR (o.original_date >= (p_from - interval '35 days')::date AND o.original_date <= (p_to + interval '2 days')::date)
$$
"""


def _run(statement: str) -> None:
    # Straight to the driver, as in 0001: text() would read a colon inside a statement as a parameter.
    op.get_bind().exec_driver_sql(statement)


def upgrade() -> None:
    # The definer reads the time columns of events and the kind of their calendars, nothing else.
    _run(f"GRANT SELECT ({EVENT_COLUMNS}) ON calendar_events TO rhythm_definer")
    _run("GRANT SELECT (id, company_id, owner_id, source, affects_availability) ON calendars TO rhythm_definer")
    _run("CREATE POLICY calendar_events_definer_read ON calendar_events FOR SELECT TO rhythm_definer USING (true)")
    _run("CREATE POLICY calendars_definer_read ON calendars FOR SELECT TO rhythm_definer USING (true)")
    _run(FUNCTION)
    _run(f"ALTER FUNCTION {SIGNATURE} OWNER TO rhythm_definer")
    _run(f"REVOKE EXECUTE ON FUNCTION {SIGNATURE} FROM PUBLIC")
    _run(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO rhythm_app")


def downgrade() -> None:
    _run(f"DROP FUNCTION {SIGNATURE}")
    _run("DROP POLICY calendars_definer_read ON calendars")
    _run("DROP POLICY calendar_events_definer_read ON calendar_events")
    _run("REVOKE SELECT ON calendars FROM rhythm_definer")
    _run(f"REVOKE SELECT ({EVENT_COLUMNS}) ON calendar_events FROM rhythm_definer")
