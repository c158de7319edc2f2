"""The same operations in each server's GraphQL dialect, and what their answers hold.

Rhythm's documents are the dashboard bench's, plus one company's projects and tasks (111 objects, no people
or checklists), plus the task lists of bench.lists (filters, orderings, pages by cursor, notifications, time entries),
spelled for PostGraphile in bench/compare/lists.py. PostGraphile's ask for the same objects in the same order:
companies, their projects and their tasks oldest first (created_at, then id), ten of each; every task's
assignee and its checklist by position. PostGraphile names relations after foreign keys (tasks and subtasks
refer to their parent with company_id in the key); the assignee comes through a virtual foreign key
(postgraphile/postgraphile.tags.json5).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from bench.compare.lists import list_pair
from bench.compare.operations import FRESH_ID, Operation, Pair
from bench.dashboard.queries import DASHBOARD, TASK, Case, cases, global_id
from bench.lists.queries import list_cases

PG_DASHBOARD = """
query Dashboard {
  allCompanies(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {
    nodes {
      name
      projectsByCompanyId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {
        nodes {
          name
          tasksByCompanyIdAndProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {
            nodes {
              id title status priority dueAt
              userByAssigneeId { displayName }
              subtasksByCompanyIdAndTaskId(orderBy: [POSITION_ASC, ID_ASC]) { nodes { title done } }
            }
          }
        }
      }
    }
  }
}
"""

# One company's projects and their tasks, without people or checklists: 111 objects from a large company.
COMPANY = """
query Company($id: ID!) {
  node(id: $id) {
    ... on Company {
      name
      projects(first: 10) { nodes { name tasks(first: 10) { nodes { id title status priority dueAt } } } }
    }
  }
}
"""

PG_COMPANY = """
query Company($id: UUID!) {
  companyById(id: $id) {
    name
    projectsByCompanyId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {
      nodes {
        name
        tasksByCompanyIdAndProjectId(first: 10, orderBy: [CREATED_AT_ASC, ID_ASC]) {
          nodes { id title status priority dueAt }
        }
      }
    }
  }
}
"""

PG_TASK = """
query Task($id: UUID!) {
  taskById(id: $id) { title status projectByCompanyIdAndProjectId { name } userByAssigneeId { displayName } }
}
"""


# A write: renaming a task, as `updateTask` and as PostGraphile's update by primary key. Rhythm's also checks its
# rules and writes its outbox event in the same transaction; PostGraphile's is the UPDATE alone.
RENAME = """
mutation Rename($id: ID!, $title: String!) {
  updateTask(input: {id: $id, title: $title}) { ... on Task { id title } }
}
"""

PG_RENAME = """
mutation Rename($id: UUID!, $title: String!) {
  updateTaskById(input: {id: $id, taskPatch: {title: $title}}) { task { id title } }
}
"""

# The other writes a frontend sends most. PostGraphile's createTask names the id (no default on `tasks.id`), and
# its completion is the UPDATE the table's rule asks for (status and completion time together).
CREATE = """
mutation Create($companyId: ID!, $title: String!) {
  createTask(input: {companyId: $companyId, title: $title}) { ... on Task { id title } }
}
"""

PG_CREATE = """
mutation Create($id: UUID!, $companyId: UUID!, $title: String!) {
  createTask(input: {task: {id: $id, companyId: $companyId, title: $title}}) { task { id title } }
}
"""

COMPLETE = "mutation Complete($id: ID!) { completeTask(input: {id: $id}) { ... on Task { id status } } }"
REOPEN = "mutation Reopen($id: ID!) { reopenTask(input: {id: $id}) { ... on Task { id status } } }"
PG_SET_STATUS = """
mutation SetStatus($id: UUID!, $status: String!, $completedAt: Datetime) {
  updateTaskById(input: {id: $id, taskPatch: {status: $status, completedAt: $completedAt}}) { task { id status } }
}
"""

# One running timer a person: each start stops the one before (two events). PostGraphile has no spelling of it.
START_TIMER = """
mutation Start($taskId: ID!) {
  startTimer(input: {taskId: $taskId, note: "bench-timer", stopRunning: true}) { ... on TimeEntry { id note } }
}
"""
CREATED_TITLE = "bench-created"

READS_PER_WRITE = 9  # the mixed workload: 90% reads (a task by id), 10% writes (a rename)


def _uuid_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().partition(":")[2]


def _pair(case: Case) -> Pair:
    if case.document == DASHBOARD:
        postgraphile = Operation(PG_DASHBOARD, ({},))
    elif case.document == TASK:
        postgraphile = Operation(PG_TASK, tuple({"id": _uuid_of(v["id"])} for v in case.variables))
    else:
        raise ValueError(f"no PostGraphile document for {case.name}")
    return Pair(
        name=case.name,
        email=case.email,
        by_server={"rhythm": Operation(case.document, case.variables), "postgraphile": postgraphile},
    )


async def _largest_company(url: str, user_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    """The shared company of `user_id` with the most tasks, and its name."""
    connection = await asyncpg.connect(url)
    try:
        record = await connection.fetchrow(
            "SELECT c.id, c.name FROM companies c JOIN memberships m ON m.company_id = c.id AND m.user_id = $1"
            " WHERE NOT c.is_personal ORDER BY (SELECT count(*) FROM tasks t WHERE t.company_id = c.id) DESC"
            " LIMIT 1",
            user_id,
        )
    finally:
        await connection.close()
    return record["id"], record["name"]


async def pairs(url: str) -> list[Pair]:
    found = await cases(url)
    typical = found[0]
    company_id, _ = await _largest_company(url, typical.user_id)
    company = Pair(
        name="one company",
        email=typical.email,
        by_server={
            "rhythm": Operation(COMPANY, ({"id": global_id("Company", company_id)},)),
            "postgraphile": Operation(PG_COMPANY, ({"id": str(company_id)},)),
        },
    )
    dashboards = [_pair(case) for case in found if case.document == DASHBOARD]
    others = [_pair(case) for case in found if case.document != DASHBOARD]
    task_case = next(case for case in found if case.document == TASK)
    writes = _writes(task_case)
    lists = [list_pair(case) for case in await list_cases(url) if case.document != TASK]
    # Last: what they add is taken out after each, but the rows before them never see it at all.
    more_writes = _more_writes(task_case, company_id)
    return [_with_version_5(pair) for pair in (*dashboards, company, *others, *writes, *lists, *more_writes)]


def _more_writes(case: Case, company_id: uuid.UUID) -> list[Pair]:
    """Creating tasks in the person's largest company, completing and reopening the task-by-id row's tasks in
    turn, and starting a timer on them (Rhythm's alone)."""
    ids = [variables["id"] for variables in case.variables]
    titles = [f"{CREATED_TITLE} {number}" for number in range(len(ids))]
    create = Pair(
        name="create a task",
        email=case.email,
        by_server={
            "rhythm": Operation(
                CREATE, tuple({"companyId": global_id("Company", company_id), "title": title} for title in titles)
            ),
            "postgraphile": Operation(
                PG_CREATE,
                tuple({"id": FRESH_ID, "companyId": str(company_id), "title": title} for title in titles),
            ),
        },
        cleanup=f"DELETE FROM tasks WHERE title LIKE '{CREATED_TITLE} %'",
    )
    completed_at = "2026-12-01T09:00:00+00:00"
    toggles = [(number % 2 == 0, task_id) for number, task_id in enumerate(ids)]
    complete = Pair(
        name="complete and reopen a task",
        email=case.email,
        by_server={
            "rhythm": Operation(
                COMPLETE,
                tuple({"id": task_id} for _, task_id in toggles),
                tuple(COMPLETE if done else REOPEN for done, _ in toggles),
            ),
            "postgraphile": Operation(
                PG_SET_STATUS,
                tuple(
                    {"id": _uuid_of(task_id), "status": "done" if done else "todo"}
                    | {"completedAt": completed_at if done else None}
                    for done, task_id in toggles
                ),
            ),
        },
    )
    timer = Pair(
        name="start a timer",
        email=case.email,
        by_server={"rhythm": Operation(START_TIMER, tuple({"taskId": task_id} for task_id in ids))},
        cleanup="DELETE FROM time_entries WHERE note = 'bench-timer'",
        max_clients=1,
    )
    return [create, complete, timer]


def _writes(case: Case) -> list[Pair]:
    """A rename of the tasks the task-by-id row reads, alone and mixed with those reads (nine reads a write)."""
    ids = [variables["id"] for variables in case.variables]
    renames = tuple({"id": task_id, "title": f"Renamed {number}"} for number, task_id in enumerate(ids))
    pg_renames = tuple({"id": _uuid_of(v["id"]), "title": v["title"]} for v in renames)
    rename = Pair(
        name="rename a task",
        email=case.email,
        by_server={"rhythm": Operation(RENAME, renames), "postgraphile": Operation(PG_RENAME, pg_renames)},
    )
    mixed: dict[str, tuple[list[str], list[dict[str, Any]]]] = {"rhythm": ([], []), "postgraphile": ([], [])}
    for number, task_id in enumerate(ids):
        write = number % (READS_PER_WRITE + 1) == READS_PER_WRITE
        for server, (documents, variables) in mixed.items():
            rhythm = server == "rhythm"
            if write:
                documents.append(RENAME if rhythm else PG_RENAME)
                variables.append(renames[number] if rhythm else pg_renames[number])
            else:
                documents.append(TASK if rhythm else PG_TASK)
                variables.append({"id": task_id if rhythm else _uuid_of(task_id)})
    operations = {
        server: Operation(documents[0], tuple(variables), tuple(documents))
        for server, (documents, variables) in mixed.items()
    }
    return [rename, Pair(name="mixed, 10% renames", email=case.email, by_server=operations)]


def _with_version_5(pair: Pair) -> Pair:
    """PostGraphile 5's Amber preset keeps version 4's names for these fields: the same documents serve both."""
    if "postgraphile5" in pair.by_server or "postgraphile" not in pair.by_server:
        return pair
    return replace(pair, by_server=pair.by_server | {"postgraphile5": pair.by_server["postgraphile"]})


@dataclass(frozen=True, slots=True)
class Contents:
    """What one answer holds: object counts, and what identifies it (task ids in order, or the task's names)."""

    counts: dict[str, int]
    identity: tuple[str, ...]
    sameness: str  # what equal identities show

    def describe(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in self.counts.items())


def _dashboard(companies: list[dict[str, Any]], server: str) -> Contents:
    rhythm = server == "rhythm"
    projects = [p for c in companies for p in c["projects" if rhythm else "projectsByCompanyId"]["nodes"]]
    tasks = [t for p in projects for t in p["tasks" if rhythm else "tasksByCompanyIdAndProjectId"]["nodes"]]
    counts = {"companies": len(companies), "projects": len(projects), "tasks": len(tasks)}
    if any("assignee" in t or "userByAssigneeId" in t for t in tasks):
        counts["assignees"] = sum(1 for t in tasks if t["assignee" if rhythm else "userByAssigneeId"])
        lists = (t["subtasks"] if rhythm else t["subtasksByCompanyIdAndTaskId"]["nodes"] for t in tasks)
        counts["subtasks"] = sum(len(items) for items in lists)
    ids = tuple(_uuid_of(t["id"]) if rhythm else t["id"] for t in tasks)
    return Contents(
        counts=counts | {"objects": sum(counts.values())}, identity=ids, sameness="the same tasks in the same order"
    )


def _task(task: dict[str, Any]) -> Contents:
    project = task.get("project") or task.get("projectByCompanyIdAndProjectId")
    assignee = task.get("assignee") or task.get("userByAssigneeId")
    counts = {"tasks": 1, "projects": int(project is not None), "assignees": int(assignee is not None)}
    names = (task["title"], (project or {}).get("name", ""), (assignee or {}).get("displayName", ""))
    return Contents(counts=counts, identity=names, sameness="the same task, project and assignee")


# Where a list lives in an answer: Rhythm's root, project and viewer lists, and PostGraphile's.
_ROOT_LISTS = {"tasks": "tasks", "allTasks": "tasks", "allNotifications": "notifications"} | {
    "allTimeEntries": "time entries",
    "allTimeBlocks": "blocks",
}
_VIEWER_LISTS = {"notifications": "notifications", "timeEntries": "time entries", "calendars": "calendars"}
_PARENT_LISTS = ("tasks", "tasksByCompanyIdAndProjectId")


def _list_of(data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The one list of a list answer (its kind and connection); None for other answers."""
    for key, kind in _ROOT_LISTS.items():
        if data.get(key) is not None:
            return kind, data[key]
    viewer = data.get("viewer") or {}
    week = viewer.get("week")
    if week is not None and "events" not in week:
        return "blocks", {"nodes": week["blocks"]}
    for key, kind in _VIEWER_LISTS.items():
        if viewer.get(key) is not None:
            return kind, viewer[key]
    parent = data.get("node") or data.get("projectById") or {}
    for key in _PARENT_LISTS:
        if parent.get(key) is not None:
            return "tasks", parent[key]
    return None


def _plain_id(value: str) -> str:
    """A row's UUID from Rhythm's global id or PostGraphile's column."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return _uuid_of(value)


def _page(kind: str, page: dict[str, Any]) -> Contents:
    items = page["nodes"] if page.get("nodes") is not None else [edge["node"] for edge in page.get("edges", [])]
    # Each item's related objects (project, assignee, company, task) that are there: both must find the same.
    related = sum(1 for item in items for value in item.values() if isinstance(value, dict))
    return Contents(
        counts={kind: len(items), "related": related},
        identity=tuple(_plain_id(item["id"]) for item in items),
        sameness=f"the same {kind} in the same order",
    )


def _week_with_events(week: dict[str, Any]) -> Contents:
    blocks = _page("blocks", {"nodes": week["blocks"]})
    return Contents(
        counts={**blocks.counts, "events": len(week["events"])},
        identity=blocks.identity + tuple(event["id"] for event in week["events"]),
        sameness="the same blocks and events in the same order",
    )


def contents(server: str, data: dict[str, Any]) -> Contents:
    changed = data.get("updateTask") or (data.get("updateTaskById") or {}).get("task")
    if changed and "title" in changed:
        return Contents(counts={"tasks": 1}, identity=(changed["title"],), sameness="the same task renamed")
    created = data.get("createTask")
    if created:
        task = created.get("task", created)
        return Contents(counts={"tasks": 1}, identity=(task["title"],), sameness="a task of the same title created")
    changed = changed or data.get("completeTask") or data.get("reopenTask")
    if changed and "status" in changed:
        identity = (_plain_id(changed["id"]), changed["status"].lower())
        return Contents(counts={"tasks": 1}, identity=identity, sameness="the same task in the same status")
    started = data.get("startTimer")
    if started:
        return Contents(counts={"time entries": 1}, identity=(started["note"],), sameness="a timer started")
    week = (data.get("viewer") or {}).get("week")
    if week is not None and "events" in week:
        return _week_with_events(week)
    found_list = _list_of(data)
    if found_list is not None:
        return _page(*found_list)
    if "viewer" in data:
        return _dashboard(data["viewer"]["companies"]["nodes"], server)
    if "allCompanies" in data:
        return _dashboard(data["allCompanies"]["nodes"], server)
    found = data.get("node") or data.get("taskById") or data.get("companyById")
    if not found:
        return Contents(counts={"objects": 0}, identity=(), sameness="nothing")
    if "projects" in found or "projectsByCompanyId" in found:
        return _dashboard([found], server)
    return _task(found)
