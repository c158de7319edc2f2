"""Compiled reads answer exactly what the resolvers answer: the same JSON, key for key and in the same order.

Each document is posted to the app (compiled reads on) and to the reference app (compiled reads off) by the
same caller over the same data, and the app's counters show which executor answered.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from litestar import Litestar

from bench.dashboard.queries import DASHBOARD, TASK
from resolvers.compiled.catalog import SHAPES, Checklist, Paged, Relation, Week
from tests.factories import Person, create_company, create_project, create_task, invite, result_of, sign_up
from tests.graphql import Caller, GraphQL
from tests.resolvers.compiled.both import both as _both

ODD_TITLE = 'Say "hi" \\ to the ☃ 🎉\nand tab\there'


@dataclass(frozen=True)
class World:
    ada: Person
    bob: Person
    eve: Person
    company: str
    other_company: str
    outsider_company: str
    project: str
    archived_project: str
    tasks: list[str]
    subtask: str
    outsider_task: str
    api_key: str


async def _mutate(graphql: GraphQL, caller: Caller, field: str, input_type: str, **values: Any) -> Any:
    returns = "... on Subtask { id }" if field == "addSubtask" else ""
    query = f"""
    mutation($input: {input_type}!) {{
      {field}(input: $input) {{ __typename {returns} ... on Error {{ message }} }}
    }}"""
    return await result_of(graphql, field, query, {"input": values}, caller)


@pytest.fixture(scope="module")
async def world(graphql: GraphQL) -> World:
    ada = await sign_up(graphql, name="Ada Compiled")
    bob = await sign_up(graphql, name="Bob Compiled")
    cy = await sign_up(graphql, name="Cy Compiled")
    eve = await sign_up(graphql, name="Eve Outsider")
    company = await create_company(graphql, ada, name="Acme 'Rockets' \\ Co")
    await invite(graphql, ada, company_id=company, member=bob)
    await invite(graphql, ada, company_id=company, member=cy, role="ADMIN")
    other = await create_company(graphql, bob, name="Bob's Other")
    await invite(graphql, bob, company_id=other, member=ada)
    outsider = await create_company(graphql, eve, name="Elsewhere")
    project = await create_project(graphql, ada, company_id=company, name="Launch")
    archived = await create_project(graphql, ada, company_id=company, name="Old")
    await _mutate(graphql, ada, "updateProject", "UpdateProjectInput", id=archived, archived=True)
    await create_project(graphql, bob, company_id=other, name="Side")
    specs: list[dict[str, Any]] = [
        {"title": "Plain"},
        {"title": ODD_TITLE, "dueAt": "2026-12-01T09:30:00Z", "priority": "URGENT", "tags": ["b", "a"]},
        {"title": "Fraction", "dueAt": "2026-12-01T09:30:00.250Z", "status": "IN_PROGRESS", "effort": 3},
        {"title": "Bob's", "assigneeId": bob.user_id, "estimatedMinutes": 90, "startAfter": "2026-11-30T08:00:00Z"},
        {"title": "Cy's", "assigneeId": cy.user_id, "status": "DONE", "description": "Long\n" * 20},
        {"title": "Sixth"},
    ]
    tasks = [(await create_task(graphql, ada, company_id=company, projectId=project, **spec))["id"] for spec in specs]
    tasks.append((await create_task(graphql, ada, company_id=company, title="No project"))["id"])
    await create_task(graphql, bob, company_id=other, title="Bob elsewhere", assigneeId=ada.user_id)
    outsider_task = (await create_task(graphql, eve, company_id=outsider, title="Secret"))["id"]
    subtask = (await _mutate(graphql, ada, "addSubtask", "AddSubtaskInput", taskId=tasks[1], title="Second"))["id"]
    await _mutate(graphql, ada, "addSubtask", "AddSubtaskInput", taskId=tasks[1], title="First", position=0)
    await _mutate(graphql, ada, "updateSubtask", "UpdateSubtaskInput", id=subtask, done=True)
    # Cy leaves: their task keeps its assignee id, whom nobody can see any more.
    await _mutate(graphql, ada, "removeMember", "RemoveMemberInput", companyId=company, userId=cy.user_id)
    key_query = """
    mutation($input: CreateApiKeyInput!) {
      createApiKey(input: $input) { __typename ... on ApiKeyCreated { secret } ... on Error { message } }
    }"""
    key = await result_of(
        graphql,
        "createApiKey",
        key_query,
        {"input": {"companyId": company, "name": "reader", "scopes": ["TASKS_READ", "PROJECTS_READ", "MEMBERS_READ"]}},
        ada,
    )
    return World(
        ada, bob, eve, company, other, outsider, project, archived, tasks, subtask, outsider_task, key["secret"]
    )


CONNECTION = """
query Page($first: Int, $after: String) {
  viewer {
    companies(first: 5) {
      __typename
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
      edges {
        __typename
        cursor
        node {
          id
          projects(first: 1) { pageInfo { hasNextPage endCursor } nodes { name } }
          tasks(first: $first, after: $after) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { title } }
          }
        }
      }
    }
  }
}
"""

FRAGMENTS = """
query Fragments($id: ID!, $withTags: Boolean!, $noDue: Boolean!) {
  __typename
  node(id: $id) {
    __typename
    id
    ...TaskBits
    ... on Node { id }
    ... on Task @include(if: $withTags) { tags }
  }
  again: node(id: $id) { ... on Task { title dueAt @skip(if: $noDue) } }
}
fragment TaskBits on Task {
  label: title
  title
  status priority effort estimatedMinutes dueAt startAfter completedAt createdAt updatedAt description
  project { id name archived createdAt updatedAt description company { id name isPersonal createdAt } }
  company { name viewerRole }
  assignee { id displayName email timeZone workDays createdAt }
  createdBy { displayName }
  subtasks { id title done position task { id title } __typename }
}
"""

MEMBERS = """
{
  companies(first: 10) {
    nodes {
      name viewerRole
      members(first: 2) { pageInfo { hasNextPage endCursor } edges { cursor node { role joinedAt user { email } } } }
      all: members { nodes { role company { name } user { displayName } } }
      projects { nodes { name } }
      archived: projects(archived: true) { nodes { name archived } }
      active: projects(archived: false) { nodes { name archived } }
    }
  }
  tasks(first: 4) { nodes { title company { name } } pageInfo { hasNextPage } }
}
"""

API_KEY_READS = """
{
  companies {
    nodes {
      name viewerRole
      members { nodes { role user { displayName } } }
      projects { nodes { name tasks(first: 3) { nodes { title assignee { displayName } } } } }
    }
  }
  tasks(first: 2) { nodes { title } }
}
"""


def _documents(world: World) -> Iterator[tuple[str, str, dict[str, Any], Caller]]:
    ada, bob = world.ada, world.bob
    yield "dashboard", DASHBOARD, {}, ada
    yield "dashboard as a member", DASHBOARD, {}, bob
    for index, task in enumerate(world.tasks):
        yield f"task {index}", TASK, {"id": task}, ada
        yield f"task {index} in full", FRAGMENTS, {"id": task, "withTags": True, "noDue": False}, ada
    yield "fragments, directives off", FRAGMENTS, {"id": world.tasks[1], "withTags": False, "noDue": True}, ada
    yield "another company's task", TASK, {"id": world.outsider_task}, ada
    yield "a task by an outsider", TASK, {"id": world.tasks[0]}, world.eve
    for name, node in [("company", world.company), ("project", world.project), ("subtask", world.subtask)]:
        yield f"{name} node", "query($id: ID!) { node(id: $id) { __typename id } }", {"id": node}, ada
    yield "user node", "query($id: ID!) { node(id: $id) { ... on User { displayName } } }", {"id": bob.user_id}, ada
    yield "connection pages", CONNECTION, {"first": 2}, ada
    yield "empty page", CONNECTION, {"first": 0}, ada
    yield "members and filters", MEMBERS, {}, ada
    yield (
        "an API key's reads",
        API_KEY_READS,
        {},
        Caller(api_key=world.api_key),
    )
    yield "the viewer", "{ viewer { user { id email displayName } } }", {}, ada
    yield "an anonymous viewer", "{ viewer { user { id } } }", {}, None


async def test_every_known_document_is_answered_by_compiled_reads_exactly_as_by_the_resolvers(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    declined = []
    for name, document, variables, caller in _documents(world):
        took, _ = await _both(app, graphql, plain_graphql, document, variables, caller)
        if not took:
            declined.append(name)
    assert declined == []


async def test_the_next_page_continues_after_a_compiled_cursor_as_after_a_resolver_cursor(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    _, body = await _both(app, graphql, plain_graphql, CONNECTION, {"first": 2}, world.ada)
    edges = orjson.loads(body)["data"]["viewer"]["companies"]["edges"]
    company = next(edge["node"] for edge in edges if edge["node"]["id"] == world.company)
    after = company["tasks"]["pageInfo"]["endCursor"]
    seen = [edge["node"]["title"] for edge in company["tasks"]["edges"]]
    while after:
        took, body = await _both(app, graphql, plain_graphql, CONNECTION, {"first": 2, "after": after}, world.ada)
        assert took
        edges = orjson.loads(body)["data"]["viewer"]["companies"]["edges"]
        tasks = next(edge["node"]["tasks"] for edge in edges if edge["node"]["id"] == world.company)
        assert tasks["pageInfo"]["hasPreviousPage"] is True
        seen += [edge["node"]["title"] for edge in tasks["edges"]]
        after = tasks["pageInfo"]["endCursor"] if tasks["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(world.tasks) == len(set(seen))


OLD = "2026-01-01T00:00:00+00:00"
DECLINED = [
    ("a search too long", "query($s: String) { tasks(filter: {search: $s}) { nodes { title } } }", {"s": "x" * 201}),
    ("a blank tag", '{ tasks(filter: {tags: ["a", " "]}) { nodes { title } } }', {}),
    ("a filter id of another type", '{ tasks(filter: {companyId: "VXNlcjox"}) { nodes { title } } }', {}),
    ("a filter id that is no id", '{ tasks(filter: {projectId: "not an id"}) { nodes { title } } }', {}),
    (
        "a cursor of another ordering",
        "query($after: String) { tasks(after: $after, orderBy: {field: TITLE}) { nodes { title } } }",
        {"after": base64.urlsafe_b64encode(f'["task:created_at:asc","{OLD}","{uuid.UUID(int=0)}"]'.encode()).decode()},
    ),
    ("a field it does not cover", "{ viewer { runningTimer { id } } }", {}),
    ("a scheduling field", "{ tasks { nodes { title predictedMinutes } } }", {}),
    ("a page too large", "{ tasks(first: 1000) { nodes { title } } }", {}),
    ("a negative page", "{ tasks(first: -1) { nodes { title } } }", {}),
    ("a foreign cursor", '{ tasks(after: "bm90IGEgY3Vyc29y") { nodes { title } } }', {}),
    ("a malformed id", "query($id: ID!) { node(id: $id) { id } }", {"id": "not-an-id"}),
    ("a wrong variable", "query($first: Int) { tasks(first: $first) { nodes { title } } }", {"first": "ten"}),
    ("a syntax error", "{ tasks { nodes { title } ", {}),
    ("a mutation", 'mutation { logOut(input: {refreshToken: "x"}) { __typename } }', {}),
    ("a connection with no aggregate", "{ companies { __typename } }", {}),
    ("a page of nothing but its position", "{ tasks(first: 1) { pageInfo { hasPreviousPage } } }", {}),
    ("a null @include", "query($v: Boolean = true) { viewer { user { id @include(if: $v) email } } }", {"v": None}),
    ("a null @skip", "query($v: Boolean = false) { viewer { user { id @skip(if: $v) email } } }", {"v": None}),
    (
        "too many sub-selects",
        "{ "
        + " ".join(f"a{i}: viewer {{ companies {{ nodes {{ ...C }} }} }}" for i in range(9))
        + " } fragment C on Company { projects { nodes { tasks { nodes { project { company { name } } } } } } }",
        {},
    ),
    (
        "too deep",
        "{ viewer { companies { nodes { projects { nodes { tasks { nodes { project { company { "
        "projects { nodes { tasks { nodes { title } } } } } } } } } } } } } }",
        {},
    ),
]


@pytest.mark.parametrize(("name", "document", "variables"), DECLINED, ids=[case[0] for case in DECLINED])
async def test_what_compiled_reads_do_not_cover_gets_the_resolvers_answer(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World, name: str, document: str, variables: Any
) -> None:
    took, _ = await _both(app, graphql, plain_graphql, document, variables, world.ada)
    assert not took, name


async def test_anonymous_callers_get_the_resolvers_error_for_lists(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World
) -> None:
    took, _ = await _both(app, graphql, plain_graphql, "{ companies { nodes { name } } }", {}, None)
    assert not took


class _RandomDocument:
    """A random selection over the covered fields: aliases, repeats, fragments and page sizes."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._fragments: list[str] = []

    def document(self) -> str:
        body = self._object("Viewer", depth=0)
        root = f"viewer {{ {body} }}"
        if self._random.random() < 0.5:
            root += f" tasks(first: {self._random.randint(0, 6)}) {{ nodes {{ {self._object('Task', 2)} }} }}"
        return "{ " + root + " }\n" + "\n".join(self._fragments)

    def _object(self, type_name: str, depth: int) -> str:
        shape = SHAPES[type_name]
        chosen = self._random.sample(sorted(shape.scalars), k=min(len(shape.scalars), self._random.randint(1, 4)))
        parts = [self._maybe_alias(name) for name in chosen]
        if self._random.random() < 0.2:
            parts.append("__typename")
        links = sorted(shape.links) if depth < 3 else []
        for name in self._random.sample(links, k=min(len(links), self._random.randint(0, 2))):
            parts.append(self._link(type_name, name, depth))
        if type_name == "Viewer" and not any(part.startswith("companies") for part in parts):
            parts.append(self._link(type_name, "companies", depth))
        if self._random.random() < 0.15 and shape.scalars:
            fragment = f"F{len(self._fragments)}"
            self._fragments.append(
                f"fragment {fragment} on {type_name} {{ {self._random.choice(sorted(shape.scalars))} }}"
            )
            parts.append(f"...{fragment}")
        return " ".join(parts) or "__typename"

    def _maybe_alias(self, name: str) -> str:
        return f"a{self._random.randint(0, 9)}_{name}: {name}" if self._random.random() < 0.15 else name

    def _link(self, type_name: str, name: str, depth: int) -> str:
        link = SHAPES[type_name].links[name]
        inner = self._object(link.target, depth + 1)
        if isinstance(link, (Relation, Checklist)):
            return f"{name} {{ {inner} }}"
        if isinstance(link, Week):
            start = self._random.choice(["2026-12-07T00:00:00Z", "2026-12-06T22:00:00-05:00"])
            bounds = " ".join(self._random.sample(["start", "end"], k=self._random.randint(0, 2)))
            return f'{name}(start: "{start}", days: {self._random.randint(1, 31)}) {{ {bounds} blocks {{ {inner} }} }}'
        assert isinstance(link, Paged)
        first = self._random.choice(["", "(first: 0)", "(first: 1)", "(first: 3)", "(first: 100)"])
        wrapper = self._random.choice(
            [
                f"nodes {{ {inner} }}",
                f"edges {{ cursor node {{ {inner} }} }} pageInfo {{ hasNextPage endCursor startCursor }}",
                f"pageInfo {{ hasNextPage hasPreviousPage }} nodes {{ {inner} }}",
            ]
        )
        return f"{name}{first} {{ {wrapper} }}"


@pytest.mark.parametrize("seed", range(40))
async def test_random_selections_answer_as_the_resolvers_do(
    app: Litestar, graphql: GraphQL, plain_graphql: GraphQL, world: World, seed: int
) -> None:
    document = _RandomDocument(seed).document()
    took, _ = await _both(app, graphql, plain_graphql, document, {}, world.ada)
    assert took, document
