"""Task lists as a frontend sends them: filters, orderings and second pages by cursor, run by the typical viewer.

The variables come from the data set (the viewer's projects, themselves as assignee); second pages continue
after the end cursor of the first, which `second_pages` reads through the app itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import asyncpg

from bench.dashboard.queries import TASK, Case, cases, global_id

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

PROJECT_SAMPLE = 20


async def _projects(url: str, user_id: uuid.UUID) -> list[uuid.UUID]:
    connection = await asyncpg.connect(url)
    try:
        records = await connection.fetch(
            "SELECT p.id FROM projects p JOIN memberships m ON m.company_id = p.company_id AND m.user_id = $1"
            " ORDER BY p.id LIMIT $2",
            user_id,
            PROJECT_SAMPLE,
        )
    finally:
        await connection.close()
    return [record["id"] for record in records]


Run = Callable[[Case, dict[str, Any]], Awaitable[dict[str, Any]]]


async def list_cases(url: str, run: Run) -> list[Case]:
    """The list rows and task by id; `run` answers one operation (for the first pages whose cursors the second
    pages continue after)."""
    task = next(case for case in await cases(url) if case.document == TASK)
    viewer = task.user_id
    projects = tuple({"id": global_id("Project", project)} for project in await _projects(url, viewer))
    filtered = (
        {
            "status": ["TODO", "IN_PROGRESS"],
            "dueAfter": f"2026-{month:02d}-01T00:00:00Z",
            "dueBefore": f"2026-{month + 1:02d}-01T00:00:00Z",
            "search": word,
        }
        for month, word in [(9, "review"), (10, "ship"), (11, "design"), (10, "draft")]
    )
    base = [
        replace(task, name="tasks filtered, by due", document=FILTERED, variables=tuple(filtered)),
        replace(task, name="project tasks, page 1", document=PROJECT_PAGE, variables=projects),
        replace(
            task, name="assigned to me, by priority", document=ASSIGNED, variables=({"me": global_id("User", viewer)},)
        ),
        replace(
            task,
            name="project tasks tagged, by title",
            document=TAGGED,
            variables=tuple({**project, "tags": ["bug"]} for project in projects),
        ),
        replace(task, name="recently updated", document=RECENT, variables=({},)),
    ]
    return [*base, *[await _second_page(case, run) for case in base[1:3]], task]


async def _second_page(case: Case, run: Run) -> Case:
    """The same list, after the end cursor of each first page that has a second."""
    variables = []
    for first in case.variables:
        data = await run(case, first)
        page = data["node"]["tasks"] if "node" in data else data["tasks"]
        if page["pageInfo"]["hasNextPage"]:
            variables.append({**first, "after": page["pageInfo"]["endCursor"]})
    name = case.name.replace("page 1", "page 2") if "page 1" in case.name else f"{case.name}, page 2"
    return replace(case, name=name, variables=tuple(variables))
