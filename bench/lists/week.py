"""The calendar reads a frontend sends most: `week` (blocks over the viewer's companies) and calendars with events.

The data set has no time blocks or calendars: the viewer gets them once, in every company they belong to, blocks
every four hours from `BASE` over tasks of their companies, one calendar per company with single timed events and
a weekday series (one occurrence of the first moved, one cancelled).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

BASE = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
BLOCKS = 300  # every four hours: 50 days, 42 blocks a week
EVENTS_PER_CALENDAR = 60

PLACE_BLOCKS = """
INSERT INTO time_blocks (id, company_id, user_id, task_id, starts_at, ends_at, state, pinned)
SELECT gen_random_uuid(), t.company_id, $1, t.id, $3::timestamptz + n * interval '4 hours',
       $3::timestamptz + n * interval '4 hours' + interval '90 minutes',
       (ARRAY['planned', 'started', 'done', 'missed'])[1 + n % 4], n % 5 = 0
FROM (SELECT t.*, row_number() OVER (ORDER BY t.id) - 1 AS n FROM tasks t
      JOIN memberships m ON m.company_id = t.company_id AND m.user_id = $1 ORDER BY t.id LIMIT $2) t
WHERE NOT EXISTS (SELECT FROM time_blocks WHERE user_id = $1)
"""
MAKE_CALENDARS = """
INSERT INTO calendars (id, company_id, owner_id, name)
SELECT gen_random_uuid(), m.company_id, $1, 'Work ' || row_number() OVER (ORDER BY m.company_id)
FROM memberships m WHERE m.user_id = $1 AND NOT EXISTS (SELECT FROM calendars WHERE owner_id = $1)
"""
FILL_CALENDARS = """
INSERT INTO calendar_events (id, company_id, calendar_id, user_id, title, starts_at, ends_at, transparency, response)
SELECT gen_random_uuid(), c.company_id, c.id, $1, 'Meeting ' || n, $3::timestamptz + n * interval '5 hours',
       $3::timestamptz + n * interval '5 hours' + interval '45 minutes',
       CASE WHEN n % 7 = 0 THEN 'free' ELSE 'busy' END,
       (ARRAY[NULL, 'accepted', 'tentative', 'declined'])[1 + n % 4]
FROM calendars c CROSS JOIN generate_series(0, $2 - 1) AS n
WHERE c.owner_id = $1 AND NOT EXISTS (SELECT FROM calendar_events WHERE user_id = $1)
"""
# A weekday standup in each calendar (Berlin wall clock), so `week` expands series as well: the first of them with
# one occurrence moved and one cancelled.
ADD_SERIES = """
INSERT INTO calendar_events (id, company_id, calendar_id, user_id, title, starts_at, ends_at, rrule, time_zone)
SELECT gen_random_uuid(), c.company_id, c.id, $1, 'Standup', $2::timestamptz + interval '8 hours',
       $2::timestamptz + interval '8 hours 15 minutes', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'Europe/Berlin'
FROM calendars c
WHERE c.owner_id = $1 AND NOT EXISTS (SELECT FROM calendar_events WHERE user_id = $1 AND rrule IS NOT NULL)
"""
CHANGE_OCCURRENCES = """
INSERT INTO calendar_events (id, company_id, calendar_id, user_id, title, starts_at, ends_at, recurring_event_id,
                             original_start, cancelled)
SELECT gen_random_uuid(), s.company_id, s.calendar_id, $1, s.title, s.starts_at + d * interval '1 day' + interval
       '2 hours', s.ends_at + d * interval '1 day' + interval '2 hours', s.id, s.starts_at + d * interval '1 day', d = 2
FROM (SELECT * FROM calendar_events WHERE user_id = $1 AND rrule IS NOT NULL ORDER BY id LIMIT 1) s
CROSS JOIN (VALUES (1), (2)) AS days(d)
WHERE NOT EXISTS (SELECT FROM calendar_events WHERE user_id = $1 AND recurring_event_id IS NOT NULL)
"""

# A week of the viewer's blocks across their companies, with the tasks and companies.
WEEK_BLOCKS = """
query Week($start: DateTime!) {
  viewer {
    week(start: $start, days: 7) {
      start end
      blocks { id startsAt endsAt state pinned task { id title status } company { name } }
    }
  }
}
"""

# The same with the events (occurrences of recurring events are expanded in Python, then read in the statement).
WEEK_WITH_EVENTS = """
query WeekWithEvents($start: DateTime!) {
  viewer {
    week(start: $start, days: 7) {
      start end
      blocks { id startsAt endsAt state pinned task { id title status } company { name } }
      events { id title startsAt endsAt allDay busy }
    }
  }
}
"""

# The viewer's calendars with their first events.
CALENDARS = """
query Calendars {
  viewer {
    calendars(first: 20) {
      nodes {
        id name source affectsAvailability company { name }
        events(first: 20) {
          nodes { id title allDay startsAt endsAt startDate endDate transparency response busy }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
}
"""

WEEKS = ("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z", "2026-01-19T00:00:00+01:00", "2026-02-02T00:00:00Z")


async def seed(connection: asyncpg.Connection, viewer: uuid.UUID) -> None:
    await connection.execute(PLACE_BLOCKS, viewer, BLOCKS, BASE)
    await connection.execute(MAKE_CALENDARS, viewer)
    await connection.execute(FILL_CALENDARS, viewer, EVENTS_PER_CALENDAR, BASE)
    await connection.execute(ADD_SERIES, viewer, BASE)
    await connection.execute(CHANGE_OCCURRENCES, viewer)


def week_variables() -> tuple[dict[str, str], ...]:
    return tuple({"start": start} for start in WEEKS)
