"""The operations under test, and who runs them: the bench viewers and the tasks the typical one can see."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.dashboard.dataset import BENCH_EMAIL, WIDE_EMAIL

DASHBOARD = """
query Dashboard {
  viewer {
    companies(first: 10) {
      nodes {
        name
        projects(first: 10) {
          nodes {
            name
            tasks(first: 10) {
              nodes { id title status priority dueAt assignee { displayName } subtasks { title done } }
            }
          }
        }
      }
    }
  }
}
"""

TASK = """
query Task($id: ID!) {
  node(id: $id) {
    ... on Task { title status project { name } assignee { displayName } }
  }
}
"""

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(input: {email: $email, password: $password}) {
    __typename
    ... on AuthPayload { accessToken }
  }
}
"""

TASK_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class Case:
    """One row group of the table: an operation, the person running it, and the variables to cycle through."""

    name: str
    email: str
    user_id: uuid.UUID
    document: str
    variables: tuple[dict[str, Any], ...]


def global_id(type_name: str, value: uuid.UUID) -> str:
    return base64.b64encode(f"{type_name}:{value}".encode()).decode()


async def cases(url: str) -> list[Case]:
    connection = await asyncpg.connect(url)
    try:
        people = {
            record["email"]: (record["id"], record["companies"])
            for record in await connection.fetch(
                "SELECT u.id, u.email, count(m.company_id) AS companies FROM users u"
                " JOIN memberships m ON m.user_id = u.id WHERE u.email = ANY($1::text[]) GROUP BY u.id, u.email",
                [BENCH_EMAIL, WIDE_EMAIL],
            )
        }
        typical, typical_companies = people[BENCH_EMAIL]
        wide, wide_companies = people[WIDE_EMAIL]
        # Random ids, so ordering by id samples tasks at random, the same ones every run.
        task_ids = await connection.fetch(
            "SELECT t.id FROM tasks t JOIN memberships m ON m.company_id = t.company_id AND m.user_id = $1"
            " WHERE t.project_id IS NOT NULL AND t.assignee_id IS NOT NULL ORDER BY t.id LIMIT $2",
            typical,
            TASK_SAMPLE,
        )
    finally:
        await connection.close()
    tasks = tuple({"id": global_id("Task", record["id"])} for record in task_ids)
    return [
        Case(f"dashboard, {typical_companies} companies", BENCH_EMAIL, typical, DASHBOARD, ({},)),
        Case(f"dashboard, {wide_companies} companies", WIDE_EMAIL, wide, DASHBOARD, ({},)),
        Case("task by id", BENCH_EMAIL, typical, TASK, tasks),
    ]


def shape_of(data: dict[str, Any] | None) -> str:
    """What a dashboard response holds, to show that the query returned real rows."""
    if not data or not data.get("viewer"):
        return "node" if data and data.get("node") else "nothing"
    if "companies" not in data["viewer"]:
        return "another list of the viewer's"
    companies = data["viewer"]["companies"]["nodes"]
    projects = [project for company in companies for project in company["projects"]["nodes"]]
    tasks = [task for project in projects for task in project["tasks"]["nodes"]]
    subtasks = sum(len(task["subtasks"]) for task in tasks)
    return f"{len(companies)} companies, {len(projects)} projects, {len(tasks)} tasks, {subtasks} subtasks"
