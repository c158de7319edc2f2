"""Compiled mutations answer exactly what the resolvers answer: the same JSON, byte for byte, the same outbox event,
and for a typed error or a caller of another company the same answer with nothing changed.

Each document is posted to the app (compiled mutations on) and to the reference app (off) by the same caller, on
the same task with the same input and a fixed clock, after the same write once, so both find the task alike.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from base.clock import reset, set_time
from db.models import Task
from db.tenant import Caller as TenantCaller
from db.tenant import tenant_session
from domain.tasks.service import TaskChanges, update_task
from resolvers.compiled.mutations import CompiledMutations
from tests.factories import Person, create_api_key, create_company, create_project, create_task, sign_up
from tests.graphql import Caller, GraphQL

SCALARS = (
    "__typename", "id", "title", "description", "status", "priority", "effort", "estimatedMinutes", "dueAt",
    "startAfter", "tags", "completedAt", "createdAt", "updatedAt",
)  # fmt: skip
ERRORS = "... on Error { message } ... on ValidationFailed { fields { field message code } }"


@dataclass(frozen=True)
class World:
    ada: Person
    eve: Person
    company: str
    project: str
    tasks: list[str]
    eve_company: str
    eve_task: str


@pytest.fixture(scope="module")
async def world(graphql: GraphQL) -> World:
    ada = await sign_up(graphql, name="Ada Mutations")
    eve = await sign_up(graphql, name="Eve Mutations")
    company = await create_company(graphql, ada, name="Compiled Writes")
    project = await create_project(graphql, ada, company_id=company, name="Writes")
    tasks = [
        (await create_task(graphql, ada, company_id=company, title=f"Task {n}", projectId=project))["id"]
        for n in range(4)
    ]
    eve_company = await create_company(graphql, eve, name="Eve's Writes")
    eve_task = (await create_task(graphql, eve, company_id=eve_company, title="Eve's own"))["id"]
    return World(ada, eve, company, project, tasks, eve_company, eve_task)


@pytest.fixture(autouse=True)
def fixed_clock() -> Iterator[None]:
    # Both writes then set the same `updatedAt` and `completedAt`.
    set_time(datetime.now(UTC).replace(microsecond=250_000))
    yield
    reset()


def _mutations(app: Litestar) -> CompiledMutations:
    mutations = app.state.compiled_mutations
    assert isinstance(mutations, CompiledMutations)
    return mutations


def _uuid(global_id: str) -> uuid.UUID:
    return uuid.UUID(base64.b64decode(global_id).decode().partition(":")[2])


async def _events(owner: asyncpg.Connection, subject: uuid.UUID) -> dict[uuid.UUID, tuple[Any, ...]]:
    rows = await owner.fetch(
        "SELECT id, type, company_id, actor_user_id, payload::text FROM outbox WHERE subject_id = $1", subject
    )
    return {
        row["id"]: (row["type"], row["company_id"], row["actor_user_id"], orjson.loads(row["payload"])) for row in rows
    }


async def _event_count(owner: asyncpg.Connection, subject: uuid.UUID) -> int:
    count: int = await owner.fetchval("SELECT count(*) FROM outbox WHERE subject_id = $1", subject)
    return count


async def _both(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, document: str, variables: dict[str, Any], caller: Caller
) -> tuple[bool, Any, Any]:
    """Whether compiled mutations answered, and both bodies (the same status code asserted)."""
    mutations = _mutations(app)
    answered = mutations.answered
    compiled = await graphql.post(document, variables, caller=caller)
    took = mutations.answered == answered + 1
    reference = await plain_graphql.post(document, variables, caller=caller)
    assert compiled.status_code == reference.status_code, (compiled.text, reference.text)
    return took, compiled, reference


def _selection(chance: random.Random) -> tuple[str, str]:
    """A payload selection the executor and compiled mutations must render alike, and the fragments it spreads."""
    parts: list[str] = []
    fragments: list[str] = []
    for number in range(chance.randint(1, 4)):
        fields = " ".join(
            f"{name}Alias: {name}" if chance.random() < 0.2 else name
            for name in chance.sample(SCALARS, chance.randint(1, 7))
        )
        kind = chance.choice(["task", "task", "named", "node", "union", "bare"])
        if kind == "task":
            parts.append(f"... on Task {{ {fields} }}")
        elif kind == "named":
            fragments.append(f"fragment Part{number} on Task {{ {fields} }}")
            parts.append(f"...Part{number}")
        elif kind == "node":
            parts.append("... on Node { id __typename }")
        elif kind == "union":
            parts.append("... on TaskResult { __typename }")
        else:
            parts.append("__typename")
    if chance.random() < 0.7:
        parts.append(ERRORS)
    chance.shuffle(parts)
    return " ".join(parts), "\n".join(fragments)


def _changes(chance: random.Random) -> dict[str, Any]:
    options: dict[str, list[Any]] = {
        "title": ["  Padded  ", 'Say "hi" \\ to the ☃ 🎉\nand tab\there', "x" * 500, "Plain"],
        "description": ["", "Long\n" * 40, "Details"],
        "status": ["TODO", "IN_PROGRESS", "DONE", "CANCELLED"],
        "priority": ["LOW", "MEDIUM", "HIGH", "URGENT"],
        "effort": [None, 1, 5],
        "estimatedMinutes": [None, 1, 90],
        "dueAt": [None, "2026-12-01T09:30:00Z", "2026-12-01T09:30:00.250+02:00", "2026-12-01T09:30:00"],
        "startAfter": [None, "2026-11-30T08:00:00.000001Z"],
        "tags": [[], ["b", " a ", "b"], ["émoji 🎉"]],
    }
    names = chance.sample(sorted(options), chance.randint(0, 4))
    return {name: chance.choice(options[name]) for name in names}


@pytest.mark.parametrize("seed", range(40))
async def test_task_writes_answer_as_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, owner: asyncpg.Connection, world: World, seed: int
) -> None:
    chance = random.Random(seed)
    selection, fragments = _selection(chance)
    field = chance.choice(["updateTask", "updateTask", "completeTask", "reopenTask"])
    task = chance.choice(world.tasks)
    alias = "renamed: " if chance.random() < 0.3 else ""
    if field == "updateTask":
        document = f"mutation Write($input: UpdateTaskInput!) {{ {alias}{field}(input: $input) {{ {selection} }} }}"
        variables: dict[str, Any] = {"input": {"id": task, **_changes(chance)}}
    else:
        # The input written in the document, as some clients send it.
        document = f"mutation {{ {alias}{field}(input: {{id: $id}}) {{ {selection} }} }}".replace(
            "mutation {", "mutation Write($id: ID!) {"
        )
        variables = {"id": task}
    document = f"{document}\n{fragments}"

    # Written once first, so both writes below find the task in the state they leave it in.
    await plain_graphql.post(document, variables, caller=world.ada)
    before = await _events(owner, _uuid(task))
    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, world.ada)

    assert took, (document, variables)
    assert compiled.content == reference.content, document
    # The same event, once per write: its type, company, actor and payload.
    after = await _events(owner, _uuid(task))
    first, second = [event for event_id, event in after.items() if event_id not in before]
    assert first == second


async def test_create_task_answers_as_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, owner: asyncpg.Connection, world: World
) -> None:
    document = """
    mutation Create($input: CreateTaskInput!) {
      createTask(input: $input) { __typename ... on Task { id title status priority tags dueAt createdAt } }
    }"""
    variables = {"input": {"companyId": world.company, "title": " New ", "tags": ["b", "a"], "dueAt": "2026-12-24"}}
    variables["input"]["dueAt"] = "2026-12-24T10:00:00+01:00"

    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, world.ada)

    assert took
    compiled_task, reference_task = compiled.json()["data"]["createTask"], reference.json()["data"]["createTask"]
    compiled_id, reference_id = compiled_task.pop("id"), reference_task.pop("id")  # two tasks, one per app
    assert compiled_id != reference_id
    assert compiled_task == reference_task
    assert list(compiled_task) == list(reference_task)
    # Each write's one event, alike but for the task's id.
    (compiled_event,) = (await _events(owner, _uuid(compiled_id))).values()
    (reference_event,) = (await _events(owner, _uuid(reference_id))).values()
    assert compiled_event[0] == "task.created"
    compiled_event[3]["task"].pop("id")
    reference_event[3]["task"].pop("id")
    assert compiled_event == reference_event


@pytest.mark.parametrize(
    ("case", "input"),
    [
        ("empty title", {"title": "   "}),
        ("null title", {"title": None}),
        ("effort out of range", {"effort": 9}),
        ("project elsewhere", {"projectId": "elsewhere"}),
    ],
)
async def test_a_typed_error_is_the_resolvers_and_changes_nothing(
    app: Litestar,
    graphql: GraphQL,
    plain_graphql: GraphQL,
    owner: asyncpg.Connection,
    world: World,
    case: str,
    input: dict[str, Any],
) -> None:
    task = world.tasks[0]
    if input.get("projectId") == "elsewhere":
        elsewhere = await create_company(graphql, world.ada, name="Elsewhere Writes")
        input = {"projectId": await create_project(graphql, world.ada, company_id=elsewhere, name="Foreign")}
    document = f"""mutation($input: UpdateTaskInput!) {{
      updateTask(input: $input) {{ __typename ... on Task {{ id title }} {ERRORS} }}
    }}"""
    before = await _event_count(owner, _uuid(task))
    titles = await _title(graphql, world.ada, task)

    took, compiled, reference = await _both(
        app, graphql, plain_graphql, document, {"input": {"id": task, **input}}, world.ada
    )

    assert not took, case
    assert compiled.content == reference.content, case
    assert compiled.json()["data"]["updateTask"]["__typename"] != "Task", case
    assert await _title(graphql, world.ada, task) == titles
    assert await _event_count(owner, _uuid(task)) == before


async def _title(graphql: GraphQL, caller: Caller, task: str) -> Any:
    data = await graphql(
        "query($id: ID!) { node(id: $id) { ... on Task { title updatedAt } } }", {"id": task}, caller=caller
    )
    return data["node"]


@pytest.mark.parametrize("field", ["updateTask", "completeTask", "reopenTask"])
async def test_a_caller_of_another_company_gets_the_same_error_and_changes_nothing(
    app: Litestar,
    graphql: GraphQL,
    plain_graphql: GraphQL,
    owner: asyncpg.Connection,
    world: World,
    field: str,
) -> None:
    extra = ', title: "Taken over"' if field == "updateTask" else ""
    document = f"""mutation($id: ID!) {{
      {field}(input: {{id: $id{extra}}}) {{ __typename ... on Task {{ id title status }} {ERRORS} }}
    }}"""
    before = await _event_count(owner, _uuid(world.eve_task))
    seen = await _title(graphql, world.eve, world.eve_task)

    took, compiled, reference = await _both(app, graphql, plain_graphql, document, {"id": world.eve_task}, world.ada)

    assert not took
    assert compiled.content == reference.content
    assert compiled.json()["data"][field]["__typename"] == "NotFound"
    assert await _title(graphql, world.eve, world.eve_task) == seen
    assert await _event_count(owner, _uuid(world.eve_task)) == before


async def test_an_unknown_or_malformed_id_is_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    document = f"mutation($id: ID!) {{ completeTask(input: {{id: $id}}) {{ __typename {ERRORS} }} }}"
    for node_id in (
        base64.b64encode(f"Task:{uuid.uuid4()}".encode()).decode(),
        world.project,
        "not base64 at all",
    ):
        took, compiled, reference = await _both(app, graphql, plain_graphql, document, {"id": node_id}, world.ada)
        assert not took
        body, expected = compiled.json(), reference.json()
        if "errors" in expected:
            assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
                (e["message"], e["extensions"]["code"]) for e in expected["errors"]
            ]
        else:
            assert compiled.content == reference.content


@pytest.mark.parametrize(
    "document",
    [
        # A relation, a directive, a second root field, a root __typename: the executor answers.
        "mutation($id: ID!) { completeTask(input: {id: $id}) { ... on Task { id project { id } } } }",
        "mutation($id: ID!, $t: Boolean!) { completeTask(input: {id: $id}) { ... on Task { id @include(if: $t) } } }",
        "mutation($id: ID!) { a: completeTask(input: {id: $id}) { __typename } b: reopenTask(input: {id: $id}) "
        "{ __typename } }",
        "mutation($id: ID!) { __typename completeTask(input: {id: $id}) { __typename } }",
        "mutation($id: ID!) { deleteSubtask(input: {id: $id}) { __typename } }",
    ],
)
async def test_documents_beyond_the_task_columns_go_to_the_executor(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World, document: str
) -> None:
    assert _mutations(app).covers(document, None) is None
    variables: dict[str, Any] = {"id": world.tasks[1], "t": True}
    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, world.ada)
    assert not took
    assert compiled.content == reference.content


async def test_an_anonymous_caller_is_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    document = "mutation($id: ID!) { completeTask(input: {id: $id}) { __typename ... on Task { id } } }"
    took, compiled, reference = await _both(app, graphql, plain_graphql, document, {"id": world.tasks[0]}, Caller())
    assert not took
    body, expected = compiled.json(), reference.json()
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (e["message"], e["extensions"]["code"]) for e in expected["errors"]
    ]


async def test_a_task_the_session_holds_is_current_after_an_update(
    sessions: async_sessionmaker[AsyncSession], world: World
) -> None:
    # The UPDATE goes around the ORM: a copy the session already holds is brought up to date, as its own would.
    task_id = _uuid(world.tasks[3])
    async with tenant_session(sessions, TenantCaller(user_id=_uuid(world.ada.user_id))) as session:
        held = await session.get(Task, task_id)
        assert held is not None
        written = await update_task(session, task_id, TaskChanges(title="  Held  ", tags=["z", "y"]))
        assert (held.title, held.tags, held.updated_at) == ("Held", ["y", "z"], written.updated_at)
        assert held not in session.dirty


async def test_a_document_over_the_alias_limit_is_refused_as_the_executor_refuses_it(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    aliases = " ".join(f"t{n}: title" for n in range(40))
    document = f"mutation($id: ID!) {{ completeTask(input: {{id: $id}}) {{ ... on Task {{ {aliases} }} }} }}"
    assert _mutations(app).covers(document, None) is None
    took, compiled, reference = await _both(app, graphql, plain_graphql, document, {"id": world.tasks[2]}, world.ada)
    assert not took
    body, expected = compiled.json(), reference.json()
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
        (e["message"], e["extensions"]["code"]) for e in expected["errors"]
    ]


TIME_ENTRY_FIELDS = ("__typename", "id", "startedAt", "endedAt", "note")


@pytest.mark.parametrize("seed", range(6))
async def test_start_timer_answers_as_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World, seed: int
) -> None:
    chance = random.Random(seed)
    fields = " ".join(chance.sample(TIME_ENTRY_FIELDS, chance.randint(1, len(TIME_ENTRY_FIELDS))))
    wrapper = chance.choice(["... on TimeEntry {{ {} }}", "...Entry", "... on Node {{ id }} ... on TimeEntry {{ {} }}"])
    selection = wrapper.format(fields)
    document = f"""mutation Start($input: StartTimerInput!) {{
      startTimer(input: $input) {{ __typename {selection} {ERRORS} }}
    }}
    fragment Entry on TimeEntry {{ {fields} }}"""
    if "...Entry" not in selection:
        document = document.split("fragment Entry")[0]
    target = {"taskId": chance.choice(world.tasks)} if chance.random() < 0.5 else {"companyId": world.company}
    variables = {"input": {**target, "note": chance.choice(["", "Deep work ☃"]), "stopRunning": True}}

    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, world.ada)

    assert took, document
    compiled_entry, reference_entry = compiled.json()["data"]["startTimer"], reference.json()["data"]["startTimer"]
    assert compiled_entry.get("id") is None or compiled_entry["id"] != reference_entry["id"]  # one entry per app
    compiled_entry.pop("id", None)
    reference_entry.pop("id", None)
    assert orjson.dumps(compiled_entry) == orjson.dumps(reference_entry)


async def test_start_timer_refuses_an_api_key_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    key = await create_api_key(graphql, world.ada, company_id=world.company, scopes=["TASKS_WRITE"])
    document = """mutation($input: StartTimerInput!) {
      startTimer(input: $input) { __typename ... on TimeEntry { id } ... on Error { message } }
    }"""
    variables = {"input": {"companyId": world.company}}
    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, Caller(api_key=key))
    assert not took
    assert compiled.content == reference.content
    assert compiled.json()["data"]["startTimer"]["__typename"] == "Forbidden"


@pytest.mark.parametrize("scopes", [["TASKS_WRITE"], ["TASKS_READ"]])
async def test_an_api_key_is_answered_as_the_resolvers_answer_it(
    app: Litestar,
    graphql: GraphQL,
    plain_graphql: GraphQL,
    owner: asyncpg.Connection,
    world: World,
    scopes: list[str],
) -> None:
    # Looking the key up begins the operation's transaction, so the write runs in it (not in one of its own).
    key = await create_api_key(graphql, world.ada, company_id=world.company, scopes=scopes)
    document = f"""mutation($input: UpdateTaskInput!) {{
      updateTask(input: $input) {{ __typename ... on Task {{ id title updatedAt }} {ERRORS} }}
    }}"""
    variables = {"input": {"id": world.tasks[1], "title": f"By key {scopes[0]}"}}
    await plain_graphql.post(document, variables, caller=Caller(api_key=key))
    before = await _event_count(owner, _uuid(world.tasks[1]))

    took, compiled, reference = await _both(app, graphql, plain_graphql, document, variables, Caller(api_key=key))

    assert took == (scopes == ["TASKS_WRITE"])
    assert compiled.content == reference.content
    typename = compiled.json()["data"]["updateTask"]["__typename"]
    assert typename == ("Task" if took else "Forbidden"), compiled.text
    assert await _event_count(owner, _uuid(world.tasks[1])) == before + (2 if took else 0)


async def _timer_events(owner: asyncpg.Connection, user_id: str) -> dict[uuid.UUID, tuple[str, dict[str, Any]]]:
    rows = await owner.fetch(
        "SELECT id, type, payload::text FROM outbox WHERE actor_user_id = $1 AND type LIKE 'timer.%'", _uuid(user_id)
    )
    return {row["id"]: (row["type"], orjson.loads(row["payload"])["time_entry"]) for row in rows}


async def test_start_timer_stops_the_running_one_with_the_resolvers_events(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, owner: asyncpg.Connection, world: World
) -> None:
    document = """mutation($input: StartTimerInput!) {
      startTimer(input: $input) { __typename ... on TimeEntry { id startedAt } }
    }"""
    variables = {"input": {"taskId": world.tasks[0], "note": "Again", "stopRunning": True}}
    await plain_graphql.post(document, variables, caller=world.ada)  # a timer runs
    written = []
    for client in (graphql, plain_graphql):
        before = await _timer_events(owner, world.ada.user_id)
        running = await owner.fetchval(
            "SELECT id FROM time_entries WHERE user_id = $1 AND ended_at IS NULL", _uuid(world.ada.user_id)
        )
        mutations, answered = _mutations(app), _mutations(app).answered
        started = (await client(document, variables, caller=world.ada))["startTimer"]
        assert (mutations.answered == answered + 1) == (client is graphql)
        events = dict(
            event for key, event in (await _timer_events(owner, world.ada.user_id)).items() if key not in before
        )
        assert sorted(events) == ["timer.started", "timer.stopped"]
        stopped, begun = events["timer.stopped"], events["timer.started"]
        assert stopped["id"] == str(running)
        assert stopped["ended_at"] is not None
        assert stopped["ended_at"] >= stopped["started_at"]
        assert begun["id"] == str(_uuid(started["id"]))
        assert begun["ended_at"] is None
        written.append((sorted(stopped), {k: v for k, v in begun.items() if k != "id"}))
    assert written[0] == written[1]


@pytest.mark.parametrize("case", ["running without stopRunning", "a task elsewhere", "a company elsewhere", "note"])
async def test_start_timer_refusals_are_the_resolvers_and_change_nothing(
    app: Litestar,
    graphql: GraphQL,
    plain_graphql: GraphQL,
    owner: asyncpg.Connection,
    world: World,
    case: str,
) -> None:
    document = f"""mutation($input: StartTimerInput!) {{
      startTimer(input: $input) {{ __typename ... on TimeEntry {{ id }} {ERRORS} }}
    }}"""
    await plain_graphql.post(
        document, {"input": {"companyId": world.company, "stopRunning": True}}, caller=world.ada
    )  # a timer runs
    inputs = {
        "running without stopRunning": {"companyId": world.company},
        "a task elsewhere": {"taskId": world.eve_task, "stopRunning": True},
        "a company elsewhere": {"companyId": world.eve_company, "stopRunning": True},
        "note": {"companyId": world.company, "note": "n" * 2001, "stopRunning": True},
    }
    running = "SELECT id FROM time_entries WHERE user_id = $1 AND ended_at IS NULL"
    before = await owner.fetchval(running, _uuid(world.ada.user_id))

    took, compiled, reference = await _both(app, graphql, plain_graphql, document, {"input": inputs[case]}, world.ada)

    assert not took
    assert compiled.content == reference.content
    assert compiled.json()["data"]["startTimer"]["__typename"] != "TimeEntry"
    assert await owner.fetchval(running, _uuid(world.ada.user_id)) == before
