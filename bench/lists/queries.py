"""Task lists as a frontend sends them: filters, orderings and second pages by cursor, run by the typical viewer.

The variables come from the data set (the viewer's projects, themselves as assignee); second pages continue
after the end cursor of the first, written from the rows as the app writes cursors.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from types import SimpleNamespace

import asyncpg

from bench.dashboard.queries import TASK, Case, cases, global_id
from bench.lists import week
from domain.pagination import SortKey, encode_cursor
from domain.tasks.queries import TaskOrderField, task_sort

# Tasks across every company, filtered by status, a due range and a search, soonest due first.
FILTERED = """
query Filtered($status: [TaskStatus!], $dueAfter: DateTime, $dueBefore: DateTime, $search: String) {
  tasks(
    first: 20
    filter: {status: $status, dueAfter: $dueAfter, dueBefore: $dueBefore, search: $search}
    orderBy: {field: DUE_AT}
  ) {
    nodes { id title status priority dueAt project { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# A project's tasks, a page after `after`, with their assignees.
PROJECT_PAGE = """
query ProjectTasks($id: ID!, $after: String) {
  node(id: $id) {
    ... on Project {
      tasks(first: 20, after: $after) {
        edges { cursor node { id title status dueAt assignee { displayName } } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
}
"""

# A project's tasks, the page before `before` (the way back from a later page).
PROJECT_PAGE_BACK = """
query ProjectTasksBack($id: ID!, $before: String) {
  node(id: $id) {
    ... on Project {
      tasks(last: 20, before: $before) {
        edges { cursor node { id title status dueAt assignee { displayName } } }
        pageInfo { hasPreviousPage hasNextPage startCursor }
      }
    }
  }
}
"""

# The caller's own open tasks, most urgent first, a page after `after`.
ASSIGNED = """
query Assigned($me: ID!, $after: String) {
  tasks(
    first: 20
    after: $after
    filter: {assigneeId: $me, status: [TODO, IN_PROGRESS]}
    orderBy: {field: PRIORITY, direction: DESC}
  ) {
    edges { cursor node { id title priority dueAt company { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# A project's tasks carrying a tag, by title.
TAGGED = """
query Tagged($id: ID!, $tags: [String!]) {
  node(id: $id) {
    ... on Project {
      tasks(first: 20, filter: {tags: $tags}, orderBy: {field: TITLE}) {
        nodes { id title tags updatedAt }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

# Recently changed tasks across companies.
RECENT = """
query Recent {
  tasks(first: 20, orderBy: {field: UPDATED_AT, direction: DESC}) {
    nodes { id title status updatedAt assignee { displayName } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# The viewer's newest notifications and time entries.
NOTIFICATIONS = """
query Notifications {
  viewer {
    notifications(first: 20) {
      nodes { id type title read createdAt task { id title } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

TIME_ENTRIES = """
query TimeEntries {
  viewer {
    timeEntries(first: 20) {
      nodes { id note startedAt endedAt running task { title } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

PROJECT_SAMPLE = 20
PAGE = 20


async def _projects(connection: asyncpg.Connection, user_id: uuid.UUID) -> list[uuid.UUID]:
    records = await connection.fetch(
        "SELECT p.id FROM projects p JOIN memberships m ON m.company_id = p.company_id AND m.user_id = $1"
        " ORDER BY p.id LIMIT $2",
        user_id,
        PROJECT_SAMPLE,
    )
    return [record["id"] for record in records]


async def _end_cursor(connection: asyncpg.Connection, sort: SortKey, sql: str, *args: object) -> str | None:
    """The end cursor of a list's first page (the `PAGE`th row of `sql`), written as the app writes it; None when
    no second page follows."""
    rows = await connection.fetch(f"{sql} LIMIT {PAGE + 1}", *args)
    return encode_cursor(sort, SimpleNamespace(**dict(rows[PAGE - 1]))) if len(rows) > PAGE else None


VIEWER_ROWS = 300

# The data set has no notifications or time entries: the viewer gets some, about tasks of their companies, once.
NOTIFY = """
INSERT INTO notifications (id, company_id, user_id, type, title, body, subject_id, dedupe_key, read_at, created_at)
SELECT gen_random_uuid(), t.company_id, $1, 'task_assigned', 'Assigned: ' || t.title, '', t.id,
       'bench:' || t.id, CASE WHEN n % 3 = 0 THEN t.created_at END, t.created_at
FROM (SELECT t.*, row_number() OVER (ORDER BY t.id) AS n FROM tasks t
      JOIN memberships m ON m.company_id = t.company_id AND m.user_id = $1 ORDER BY t.id LIMIT $2) t
WHERE NOT EXISTS (SELECT FROM notifications WHERE user_id = $1)
"""
TRACK = """
INSERT INTO time_entries (id, company_id, user_id, task_id, started_at, ended_at, note)
SELECT gen_random_uuid(), t.company_id, $1, CASE WHEN n % 2 = 0 THEN t.id END, t.created_at,
       t.created_at + interval '45 minutes', 'Worked on ' || t.title
FROM (SELECT t.*, row_number() OVER (ORDER BY t.id DESC) AS n FROM tasks t
      JOIN memberships m ON m.company_id = t.company_id AND m.user_id = $1 ORDER BY t.id DESC LIMIT $2) t
WHERE NOT EXISTS (SELECT FROM time_entries WHERE user_id = $1)
"""


async def list_cases(url: str) -> list[Case]:
    """The list rows, with their second pages, and task by id."""
    task = next(case for case in await cases(url) if case.document == TASK)
    viewer = task.user_id
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(NOTIFY, viewer, VIEWER_ROWS)
        await connection.execute(TRACK, viewer, VIEWER_ROWS)
        await week.seed(connection, viewer)
        project_ids = await _projects(connection, viewer)
        second_pages = []
        for project in project_ids:
            after = await _end_cursor(
                connection, task_sort(), "SELECT * FROM tasks WHERE project_id = $1 ORDER BY created_at, id", project
            )
            if after is not None:
                second_pages.append({"id": global_id("Project", project), "after": after})
        me = {"me": global_id("User", viewer)}
        mine = await _end_cursor(
            connection,
            task_sort(TaskOrderField.PRIORITY, descending=True),
            "SELECT * FROM tasks WHERE assignee_id = $1 AND status IN ('todo', 'in_progress')"
            " ORDER BY priority DESC, id DESC",
            viewer,
        )
    finally:
        await connection.close()
    projects = tuple({"id": global_id("Project", project)} for project in project_ids)
    filtered = tuple(
        {
            "status": ["TODO", "IN_PROGRESS"],
            "dueAfter": f"2026-{month:02d}-01T00:00:00Z",
            "dueBefore": f"2026-{month + 1:02d}-01T00:00:00Z",
            "search": word,
        }
        for month, word in [(9, "review"), (10, "ship"), (11, "design"), (10, "draft")]
    )
    return [
        replace(task, name="tasks filtered, by due", document=FILTERED, variables=filtered),
        replace(task, name="project tasks, page 1", document=PROJECT_PAGE, variables=projects),
        replace(task, name="project tasks, page 2", document=PROJECT_PAGE, variables=tuple(second_pages)),
        replace(
            task,
            name="project tasks, page back",
            document=PROJECT_PAGE_BACK,
            variables=tuple({"id": page["id"], "before": page["after"]} for page in second_pages),
        ),
        replace(task, name="assigned to me, by priority", document=ASSIGNED, variables=(me,)),
        replace(
            task,
            name="assigned to me, by priority, page 2",
            document=ASSIGNED,
            variables=({**me, "after": mine},) if mine else (me,),
        ),
        replace(
            task,
            name="project tasks tagged, by title",
            document=TAGGED,
            variables=tuple({**project, "tags": ["bug"]} for project in projects),
        ),
        replace(task, name="recently updated", document=RECENT, variables=({},)),
        replace(task, name="notifications", document=NOTIFICATIONS, variables=({},)),
        replace(task, name="time entries", document=TIME_ENTRIES, variables=({},)),
        replace(task, name="week, blocks", document=week.WEEK_BLOCKS, variables=week.week_variables()),
        replace(task, name="week, blocks and events", document=week.WEEK_WITH_EVENTS, variables=week.week_variables()),
        replace(task, name="calendars with events", document=week.CALENDARS, variables=({},)),
        task,
    ]
