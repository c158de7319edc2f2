"""The task lists of bench.lists in PostGraphile's dialect: the same tasks, notifications and time entries in the
same order as Rhythm returns them.

Rhythm's filters (domain/tasks/queries.py `TaskFilter`) map onto PostGraphile's equality `condition` and the
connection filter plugin's `filter`: statuses are `status IN (...)` (`in`; the column is text there, an enum in
Rhythm's schema, so the values are lower case), the due range is `due_at >= after AND due_at < before`
(`greaterThanOrEqualTo`, `lessThan`), search is `title ILIKE '%text%'` with the wildcards escaped
(`includesInsensitive`, the same SQL), and tags are `tags @> array` (`contains`). Every Rhythm ordering is its
column, then id, in one direction; due dates sort a missing date last, which no filtered row here has (the due
range excludes them). Notifications and time entries are the caller's own (`user_id`), newest first by
`created_at` and `started_at`, then id.

Second pages continue from each server's own cursor of the first page's last row: PostGraphile's are its own
format, so the harness asks each PostGraphile server for the first page during setup and passes its
`endCursor` (`Operation.cursor`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bench.compare.operations import Cursor, Operation, Pair, rhythm_only
from bench.dashboard.queries import Case

PG_FILTERED = """
query Filtered($status: [String!], $dueAfter: Datetime, $dueBefore: Datetime, $search: String) {
  allTasks(
    first: 20
    filter: {status: {in: $status}, dueAt: {greaterThanOrEqualTo: $dueAfter, lessThan: $dueBefore},
             title: {includesInsensitive: $search}}
    orderBy: [DUE_AT_ASC, ID_ASC]
  ) {
    nodes { id title status priority dueAt projectByCompanyIdAndProjectId { name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PG_PROJECT_PAGE = """
query ProjectTasks($id: UUID!, $after: Cursor) {
  projectById(id: $id) {
    tasksByCompanyIdAndProjectId(first: 20, after: $after, orderBy: [CREATED_AT_ASC, ID_ASC]) {
      edges { cursor node { id title status dueAt userByAssigneeId { displayName } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
}
"""

PG_PROJECT_PAGE_BACK = """
query ProjectTasksBack($id: UUID!, $before: Cursor) {
  projectById(id: $id) {
    tasksByCompanyIdAndProjectId(last: 20, before: $before, orderBy: [CREATED_AT_ASC, ID_ASC]) {
      edges { cursor node { id title status dueAt userByAssigneeId { displayName } } }
      pageInfo { hasPreviousPage hasNextPage startCursor }
    }
  }
}
"""

PG_ASSIGNED = """
query Assigned($me: UUID!, $after: Cursor) {
  allTasks(
    first: 20
    after: $after
    condition: {assigneeId: $me}
    filter: {status: {in: ["todo", "in_progress"]}}
    orderBy: [PRIORITY_DESC, ID_DESC]
  ) {
    edges { cursor node { id title priority dueAt companyByCompanyId { name } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PG_TAGGED = """
query Tagged($id: UUID!, $tags: [String]) {
  projectById(id: $id) {
    tasksByCompanyIdAndProjectId(first: 20, filter: {tags: {contains: $tags}}, orderBy: [TITLE_ASC, ID_ASC]) {
      nodes { id title tags updatedAt }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

PG_RECENT = """
query Recent {
  allTasks(first: 20, orderBy: [UPDATED_AT_DESC, ID_DESC]) {
    nodes { id title status updatedAt userByAssigneeId { displayName } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# The notification's task comes through a virtual foreign key from `subject_id` (postgraphile.tags.json5); every
# notification of the data set is about a task, where Rhythm's `task` resolves the same row.
PG_NOTIFICATIONS = """
query Notifications($me: UUID!) {
  allNotifications(first: 20, condition: {userId: $me}, orderBy: [CREATED_AT_DESC, ID_DESC]) {
    nodes { id type title readAt createdAt taskBySubjectId { id title } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PG_TIME_ENTRIES = """
query TimeEntries($me: UUID!) {
  allTimeEntries(first: 20, condition: {userId: $me}, orderBy: [STARTED_AT_DESC, ID_DESC]) {
    nodes { id note startedAt endedAt taskByCompanyIdAndTaskId { title } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


# A week of the viewer's blocks across their companies (Rhythm's `week { blocks }`: the blocks that overlap the
# seven days from `start`, by start then id), with each block's task and company.
PG_WEEK_BLOCKS = """
query Week($me: UUID!, $start: Datetime!, $end: Datetime!) {
  allTimeBlocks(
    condition: {userId: $me}
    filter: {startsAt: {lessThan: $end}, endsAt: {greaterThan: $start}}
    orderBy: [STARTS_AT_ASC, ID_ASC]
  ) {
    nodes {
      id startsAt endsAt state pinned
      taskByCompanyIdAndTaskId { id title status }
      companyByCompanyId { name }
    }
  }
}
"""


def _uuid_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().partition(":")[2]


def _filtered(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": [status.lower() for status in variables["status"]],
        "dueAfter": variables["dueAfter"],
        "dueBefore": variables["dueBefore"],
        "search": variables["search"],
    }


def _project(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    return {"id": _uuid_of(variables["id"])}


def _tagged(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    return {"id": _uuid_of(variables["id"]), "tags": variables["tags"]}


def _me(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    return {"me": str(case.user_id)}


def _week(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    start = datetime.fromisoformat(variables["start"])
    end = start + timedelta(days=7)
    return {"me": str(case.user_id), "start": start.isoformat(), "end": end.isoformat()}


def _none(case: Case, variables: dict[str, Any]) -> dict[str, Any]:
    return {}


Spelling = tuple[str, Callable[[Case, dict[str, Any]], dict[str, Any]], Cursor | None]

# Each bench.lists row by name: PostGraphile's document, its variables from Rhythm's, and where its cursor comes from.
SPELLINGS: dict[str, Spelling] = {
    "tasks filtered, by due": (PG_FILTERED, _filtered, None),
    "project tasks, page 1": (PG_PROJECT_PAGE, _project, None),
    "project tasks, page 2": (PG_PROJECT_PAGE, _project, Cursor(PG_PROJECT_PAGE, "after")),
    "project tasks, page back": (PG_PROJECT_PAGE_BACK, _project, Cursor(PG_PROJECT_PAGE, "before")),
    "assigned to me, by priority": (PG_ASSIGNED, _me, None),
    "assigned to me, by priority, page 2": (PG_ASSIGNED, _me, Cursor(PG_ASSIGNED, "after")),
    "project tasks tagged, by title": (PG_TAGGED, _tagged, None),
    "recently updated": (PG_RECENT, _none, None),
    "notifications": (PG_NOTIFICATIONS, _me, None),
    "time entries": (PG_TIME_ENTRIES, _me, None),
    "week, blocks": (PG_WEEK_BLOCKS, _week, None),
    # PostGraphile has no spelling of `week { events }` or a calendar's events: recurring events are expanded from
    # their rules (occurrences, exceptions, moved and cancelled ones), which no column holds. Rhythm alone.
}


def list_pair(case: Case) -> Pair:
    """A bench.lists row as both servers spell it; Rhythm's alone for a row PostGraphile cannot spell."""
    spelling = SPELLINGS.get(case.name)
    if spelling is None:
        return rhythm_only(case)
    document, translate, cursor = spelling
    # A second page without a first to continue from (a short list) reads the first page on both servers.
    if cursor is not None and not any(cursor.variable in variables for variables in case.variables):
        cursor = None
    postgraphile = Operation(document, tuple(translate(case, variables) for variables in case.variables), cursor=cursor)
    return Pair(
        name=case.name,
        email=case.email,
        by_server={"rhythm": Operation(case.document, case.variables), "postgraphile": postgraphile},
    )
