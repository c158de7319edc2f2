"""Dataloaders keep the number of SQL statements a function of the query's shape, not of its rows."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.models import MembershipRole, TaskPriority
from db.tenant import Caller, tenant_session
from domain.companies import service as companies
from domain.projects import service as projects
from domain.tasks import service as tasks
from domain.tasks import subtasks
from domain.tasks.service import TaskChanges
from tests.factories import Person, sign_up
from tests.graphql import GraphQL

# Pages as large as the rows need and no larger: first: 100 at every level would price the document at about
# 9 million values, past the cost limit (QUERY_TOO_COSTLY) that refuses it before it runs.
DASHBOARD = """
{
  viewer {
    companies(first: 10) {
      nodes {
        name
        members(first: 100) { nodes { role user { displayName } } }
        projects(first: 100) {
          nodes {
            name
            tasks(first: 100) {
              nodes { title assignee { displayName } createdBy { email } subtasks { title done } }
            }
          }
        }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Shape:
    companies: int
    projects: int
    tasks: int
    subtasks: int

    @property
    def task_count(self) -> int:
        return self.companies * self.projects * self.tasks


async def _populate(sessions: async_sessionmaker[AsyncSession], owner: Person, colleague: Person, shape: Shape) -> None:
    owner_id = uuid.UUID(await _uuid_of(owner))
    async with tenant_session(sessions, Caller(user_id=owner_id)) as session:
        for company_number in range(shape.companies):
            company = await companies.create_company(session, created_by=owner_id, name=f"Company {company_number}")
            await companies.invite_member(
                session, company_id=company.id, email=colleague.email, role=MembershipRole.MEMBER
            )
            for project_number in range(shape.projects):
                project = await projects.create_project(session, company_id=company.id, name=f"P{project_number}")
                for task_number in range(shape.tasks):
                    changes = TaskChanges(
                        title=f"T{task_number}",
                        project_id=project.id,
                        assignee_id=owner_id,
                        priority=TaskPriority.HIGH,
                    )
                    task = await tasks.create_task(session, company_id=company.id, created_by=owner_id, changes=changes)
                    for step in range(shape.subtasks):
                        await subtasks.add_subtask(session, task_id=task.id, title=f"S{step}", position=None)


async def _uuid_of(person: Person) -> str:
    return base64.b64decode(person.user_id).decode().split(":")[1]


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def _logged(queries: list[str]) -> None:
    """Wait for the request's COMMIT to be logged: the driver schedules its query loggers on the event loop as
    each query ends, and an in-process request can return before they ran. A bounded number of loop turns, not a
    clock: the assertion after it names what was logged."""
    for _ in range(1000):
        if queries and queries[-1].startswith("COMMIT"):
            return
        await asyncio.sleep(0)


@contextmanager
def counting_driver_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every query the driver sends on the engine's connections, BEGIN and COMMIT included, whether it came
    through SQLAlchemy or straight through the driver."""
    queries: list[str] = []

    def log(query: Any) -> None:
        queries.append(query.query)

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(log)

    def checkin(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(log)

    event.listen(engine.sync_engine.pool, "checkout", checkout)
    event.listen(engine.sync_engine.pool, "checkin", checkin)
    try:
        yield queries
    finally:
        event.remove(engine.sync_engine.pool, "checkout", checkout)
        event.remove(engine.sync_engine.pool, "checkin", checkin)


async def _statements_for_dashboard(
    app: Litestar, graphql: GraphQL, sessions: async_sessionmaker[AsyncSession], shape: Shape
) -> tuple[int, dict[str, Any]]:
    owner = await sign_up(graphql, name="Dashboard Owner")
    colleague = await sign_up(graphql, name="Dashboard Colleague")
    await _populate(sessions, owner, colleague, shape)
    with counting(app.state.engine) as statements:
        data = await graphql(DASHBOARD, caller=owner)
    return len(statements), data


SMALL = Shape(companies=1, projects=2, tasks=3, subtasks=2)
LARGE = Shape(companies=2, projects=5, tasks=6, subtasks=2)


def task_titles(data: dict[str, Any]) -> list[str]:
    return [
        task["title"]
        for company in data["viewer"]["companies"]["nodes"]
        for project in company["projects"]["nodes"]
        for task in project["tasks"]["nodes"]
    ]


async def test_a_nested_dashboard_is_one_data_statement_when_compiled(
    app: Litestar, graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert LARGE.task_count == 10 * SMALL.task_count
    sent = []
    for shape in (SMALL, LARGE):
        owner = await sign_up(graphql, name="Compiled Owner")
        await _populate(sessions, owner, await sign_up(graphql, name="Compiled Colleague"), shape)
        with counting_driver_queries(app.state.engine) as queries:
            data = await graphql(DASHBOARD, caller=owner)
            await _logged(queries)
        assert len(task_titles(data)) == shape.task_count
        sent.append(queries)

    print(f"queries per compiled dashboard request: {len(sent[0])} (x1), {len(sent[1])} (x10)")
    for queries in sent:
        # As PostGraphile: the caller's settings (sent with BEGIN, one round trip), then the whole answer in one
        # statement.
        assert [query.split(None, 1)[0].rstrip(";") for query in queries] == ["BEGIN", "SELECT", "COMMIT"]
        assert "set_config('rhythm.user_id'" in queries[0]
        assert queries[1].startswith("""SELECT ('{"viewer":'""")


async def test_a_nested_dashboard_sends_as_many_statements_for_ten_times_the_rows(
    plain_app: Litestar, plain_graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app, graphql = plain_app, plain_graphql
    small, large = SMALL, LARGE

    small_count, small_data = await _statements_for_dashboard(app, graphql, sessions, small)
    large_count, large_data = await _statements_for_dashboard(app, graphql, sessions, large)

    assert len(task_titles(small_data)) == small.task_count
    assert len(task_titles(large_data)) == large.task_count
    print(f"statements per dashboard request: {small_count} (x1), {large_count} (x10)")
    assert small_count == large_count
    # Caller settings, companies, members, projects with their tasks (one statement, read ahead), the people
    # (members and assignees in one batch), subtasks.
    assert large_count <= 6


PROJECT_TASKS = """
query ProjectTasks($first: Int) {
  viewer {
    companies(first: 10) {
      nodes {
        projects(first: 2) {
          pageInfo { hasNextPage }
          nodes {
            name
            tasks(first: $first%s) {
              pageInfo { hasNextPage endCursor }
              edges { cursor node { title assignee { displayName } subtasks { title } } }
            }
          }
        }
      }
    }
  }
}
"""


async def test_projects_read_with_their_tasks_in_one_statement_page_as_when_each_project_loads_its_own(
    plain_app: Litestar, plain_graphql: GraphQL, sessions: async_sessionmaker[AsyncSession]
) -> None:
    app, graphql = plain_app, plain_graphql
    owner = await sign_up(graphql, name="Look-ahead Owner")
    colleague = await sign_up(graphql, name="Look-ahead Colleague")
    await _populate(sessions, owner, colleague, Shape(companies=2, projects=3, tasks=4, subtasks=2))

    with counting(app.state.engine) as read_ahead_statements:
        read_ahead = await graphql(PROJECT_TASKS % "", {"first": 3}, caller=owner)
    # An explicit order is not read ahead: each project's `tasks` loads its page.
    with counting(app.state.engine) as per_project_statements:
        per_project = await graphql(
            PROJECT_TASKS % ", orderBy: {field: CREATED_AT, direction: ASC}", {"first": 3}, caller=owner
        )

    assert read_ahead == per_project
    assert len(read_ahead_statements) == len(per_project_statements) - 1


MUTATIONS = {
    "createTask": 'mutation($c: ID!) { createTask(input: {companyId: $c, title: "Counted"}) { ... on Task { id } } }',
    "updateTask": 'mutation($t: ID!) { updateTask(input: {id: $t, title: "Renamed"}) { ... on Task { id } } }',
    "completeTask": "mutation($t: ID!) { completeTask(input: {id: $t}) { ... on Task { id } } }",
    "startTimer": "mutation($t: ID!) { startTimer(input: {taskId: $t}) { ... on TimeEntry { id } } }",
}

# What the driver sends for a mutation alone in its document, which compiled mutations run straight through the
# driver: BEGIN with the caller settings in one message, each lookup the rules need, the write, its outbox event,
# COMMIT. An update finds its row by writing it: a lookup is sent only when no row came back (NotFound or refused).
MUTATION_STATEMENTS = {
    "createTask": ["BEGIN", "WITH", "COMMIT"],  # the company, the task and its event in one statement
    "updateTask": ["BEGIN", "WITH", "COMMIT"],  # the change (returning the status it had) and its event
    "completeTask": ["BEGIN", "WITH", "COMMIT"],
    "startTimer": ["BEGIN", "SELECT", "SELECT", "WITH", "COMMIT"],  # the task, a running timer, the entry and its event
}


async def test_a_mutation_alone_sends_its_lookups_its_write_and_its_event_and_nothing_else(
    app: Litestar, graphql: GraphQL
) -> None:
    # No SAVEPOINT and RELEASE around a mutation that is its document's only root field.
    ada = await sign_up(graphql, name="Counted Mutations")
    warm = await graphql(MUTATIONS["createTask"], {"c": ada.personal_company_id}, caller=ada)
    variables = {"c": ada.personal_company_id, "t": warm["createTask"]["id"]}
    for name, document in MUTATIONS.items():
        with counting_driver_queries(app.state.engine) as statements:
            data = await graphql(document, {k: v for k, v in variables.items() if f"${k}" in document}, caller=ada)
            await _logged(statements)
        assert data[name]["id"], data
        sent = [statement.split(None, 1)[0].rstrip(";") for statement in statements]
        assert sent == MUTATION_STATEMENTS[name], statements
        assert "set_config('rhythm.user_id'" in statements[0]
